"""Bad scenario files uploaded in the app: an error naming the problem, and the page keeps working.

Every file in ``tests/bad_scenarios/`` (the corpus ``tests/test_bad_input.py`` runs through
the command line) is uploaded through the sidebar's file uploader, which ``AppTest``
drives directly in Streamlit 1.67 (``at.file_uploader(key=...).set_value(...)``). Each
upload must show one error that names the file and contains the text listed for it in
``expected.yaml``, raise no exception, and leave the baseline loaded: the same headline
figures and KPI chart as before, and a lever moved afterwards still changes the KPI.

Each test opens a fresh page (its own session); the streamlit cache is cleared before and
after each one (the ``scenarios_folder`` fixture), so no test leans on another's results.
The page opens on the "Model & assumptions" tab: the default Fleet tab draws six charts and
would double the time of every run, while what is checked here (sidebar, headline, KPI
chart) is drawn whichever tab is open. ``test_app_files.py`` uploads a bad file with the
default tab open.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from app_helpers import ROOT, kpi_curve, make_app_test, scenarios_folder, shown  # noqa: F401

from ui.page import TAB_KEY

BAD = ROOT / "tests" / "bad_scenarios"
EXPECTED: dict[str, str] = yaml.safe_load((BAD / "expected.yaml").read_text(encoding="utf-8"))
CORPUS = sorted(p.name for p in BAD.iterdir() if p.name != "expected.yaml")
LOADED = "baseline.yaml"  # the scenario the page opens on, and must keep after a bad upload
QUICK_TAB = "Model & assumptions"  # draws no charts

pytestmark = pytest.mark.usefixtures("scenarios_folder")


def headline(at: Any) -> list[tuple[str, str, str]]:
    """The headline figures as shown: label, value and change."""
    return [(m.label, m.value, m.delta) for m in at.metric]


def test_corpus_is_covered() -> None:
    """Every corpus file has an expected message (so every upload below checks one)."""
    assert sorted(EXPECTED) == CORPUS


@pytest.mark.parametrize("name", CORPUS)
def test_bad_upload_shows_the_problem_and_the_page_keeps_working(name: str) -> None:
    """One error naming the file and the problem; baseline figures and chart unchanged; levers still work."""
    at = make_app_test()
    at.session_state[TAB_KEY] = QUICK_TAB
    at.run()
    figures, curve = headline(at), kpi_curve(at)
    assert figures
    assert not at.error

    data = (BAD / name).read_bytes()
    at.file_uploader(key="upload").set_value((name, data, "application/x-yaml")).run()

    assert not at.exception
    errors = [shown(e.value) for e in at.error]
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"That file was not loaded ({name})")
    assert EXPECTED[name] in errors[0]
    assert at.selectbox(key="scenario_choice").value == LOADED
    assert not [o for o in at.selectbox(key="scenario_choice").options if o.startswith("uploaded: ")]
    assert headline(at) == figures
    assert kpi_curve(at) == pytest.approx(curve)

    at.slider(key="enrolled_share").set_value(60.0).run()
    assert not at.exception
    assert at.selectbox(key="scenario_choice").value == LOADED
    assert kpi_curve(at) != pytest.approx(curve)
    assert headline(at) != figures

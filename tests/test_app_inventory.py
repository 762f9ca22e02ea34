"""The sidebar's "Start from an inventory": upload -> summary -> load as scenario (AppTest).

The sample inventory shows its devices, managed share and day-0 KPI, and "Load as
scenario" makes it the loaded scenario; a bad inventory shows one error naming the rows
and columns and leaves the loaded scenario as it was; text from the file stays text.
"""

from __future__ import annotations

from typing import Any

import pytest
from app_helpers import ROOT, make_app_test, scenarios_folder, shown  # noqa: F401

from sim.inventory import import_inventory
from ui.page import TAB_KEY

SAMPLE = ROOT / "scenarios" / "inventories" / "sample_fleet.csv"
BAD = ROOT / "tests" / "inventories" / "bad_rows.csv"
QUICK_TAB = "Model & assumptions"  # draws no charts

pytestmark = pytest.mark.usefixtures("scenarios_folder")


def opened() -> Any:
    at = make_app_test()
    at.session_state[TAB_KEY] = QUICK_TAB
    at.run()
    assert not at.exception
    return at


def upload(at: Any, name: str, data: bytes) -> Any:
    return at.file_uploader(key="inventory_upload").set_value((name, data, "text/csv")).run()


def texts(at: Any) -> str:
    """The page's markdown and captions as a reader sees them (no escapes, no bold marks)."""
    return "\n".join(shown(m.value).replace("**", "") for m in [*at.markdown, *at.caption])


def test_sample_inventory_shows_a_summary_and_loads_as_the_scenario() -> None:
    expected = import_inventory(SAMPLE).report
    at = upload(opened(), "sample_fleet.csv", SAMPLE.read_bytes())
    assert not at.exception
    assert not at.error
    page = texts(at)
    assert "4,000 devices in 5 classes." in page
    assert f"Managed: {expected.managed_share:.1%}" in page
    assert f"Updated on time today (day-0 KPI): {expected.day0_kpi:.1%} (Poor)" in page
    for c in expected.classes:
        assert f"- {c.name}: {c.devices:,} devices, {c.ota_share:.0%} over the air" in page
    assert "Departments: Facilities 40.5% · Security 29.8% · Operations 20.0% · Clinical engineering 9.7%" in page
    assert at.selectbox(key="scenario_choice").value == "baseline.yaml"  # not loaded yet

    at.button(key="inventory_load").click().run()
    assert not at.exception
    assert at.selectbox(key="scenario_choice").value == "uploaded: sample_fleet.yaml"
    assert "uploaded: sample_fleet.yaml" in at.selectbox(key="scenario_choice").options
    assert any("4,000 devices" in shown(c.value) for c in at.caption)
    assert at.slider(key="enrolled_share").value == pytest.approx(expected.enrolled_share * 100, abs=0.05)


def test_bad_inventory_shows_rows_and_columns_and_keeps_the_scenario() -> None:
    at = upload(opened(), "bad_rows.csv", BAD.read_bytes())
    assert not at.exception
    errors = [shown(e.value) for e in at.error]
    assert len(errors) == 1, errors
    assert errors[0].startswith("That inventory was not imported (bad_rows.csv)")
    for where in ("row 3, column 'device_type'", "row 4, column 'last_update'", "row 5, column 'device_id'"):
        assert where in errors[0]
    assert at.selectbox(key="scenario_choice").value == "baseline.yaml"
    assert not [b for b in at.button if b.key == "inventory_load"]


def test_markup_from_the_file_stays_text() -> None:
    name = "**bold** [link](http://example.com) <b>x</b>"
    data = f'device_id,device_type,department\na,Camera,"{name}"\nb,Camera,"{name}"\n'.encode()
    at = upload(opened(), "markup.csv", data)
    assert not at.exception
    shown_text = "\n".join(shown(m.value) for m in at.markdown)  # escapes removed, nothing else
    assert f"Departments: {name} 100.0%" in shown_text  # shown as written
    for element in [*at.markdown, *at.caption, *at.error]:
        assert "[link](http" not in element.value  # never a live link
        assert "**bold**" not in element.value

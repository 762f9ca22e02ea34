"""A long simulation can be stopped from the page, and run again on request."""

from __future__ import annotations

import pytest
from app_helpers import FAST_REPLICATIONS, kpi_curve, make_app_test, scenarios_folder  # noqa: F401

from ui import stop

pytestmark = pytest.mark.usefixtures("scenarios_folder")


def test_quick_runs_show_no_stop_button():
    at = make_app_test().run()  # the baseline at 3 runs: well under a second
    assert not at.exception
    assert not [b for b in at.button if b.key == stop.STOP_KEY]


def test_a_stopped_run_shows_a_notice_then_runs_again_on_request():
    """What pressing Stop leads to. The button is removed once a run ends and AppTest only sees
    finished runs, so the test sets what its callback records; tests/test_e2e_browser.py
    clicks the real button mid-run."""
    at = make_app_test().run()
    curve = kpi_curve(at)
    at.session_state[stop.STOPPED] = _run_id_of_baseline()
    at.run()
    assert not at.exception
    assert any("simulation was stopped" in i.value for i in at.info)
    assert not at.get("plotly_chart")  # no figures for settings that were not simulated
    assert at.text_input(key="save_name")  # the sidebar, saving included, still works

    at.button(key=stop.RESUME_KEY).click().run()
    assert not at.exception
    assert not any("simulation was stopped" in i.value for i in at.info)
    assert kpi_curve(at) == pytest.approx(curve)


def test_changing_a_setting_after_a_stop_simulates_the_new_setting():
    at = make_app_test().run()
    at.session_state[stop.STOPPED] = _run_id_of_baseline()
    at.run()
    assert at.info
    at.slider(key="enrolled_share").set_value(80.0).run()
    assert not at.exception
    assert not any("simulation was stopped" in i.value for i in at.info)
    assert kpi_curve(at)[-1] > 0.8  # 80% enrolled lifts the KPI well above the baseline's ~0.7


def _run_id_of_baseline() -> str:
    import sim

    baseline = sim.load_scenario("scenarios/baseline.yaml")
    return stop.run_id(baseline, int(FAST_REPLICATIONS), baseline.simulation.seed)


def test_long_run_threshold_matches_the_default_scenario_being_quick():
    import sim

    baseline = sim.load_scenario("scenarios/baseline.yaml")
    assert not stop.is_long(baseline, 30)  # the default view: no button flashing on every change
    assert stop.is_long(baseline, 200)  # ~2.5x the engine's 1M-device-year benchmark work


class _Slot:
    """Stands in for the page's placeholder: records the buttons drawn in it."""

    def __init__(self) -> None:
        self.buttons: list[str] = []

    def button(self, label: str, **kwargs: object) -> None:
        self.buttons.append(label)


def test_any_run_gets_the_stop_button_once_it_has_taken_a_second(monkeypatch: pytest.MonkeyPatch):
    """The estimate said quick, the run is slow anyway: the progress updates draw Stop once
    the run has taken STOP_AFTER_SECONDS, and only once; after the page's runs are done
    (``done``) no button is drawn."""
    clock = [100.0]
    monkeypatch.setattr(stop.time, "monotonic", lambda: clock[0])
    slot = _Slot()
    watch = stop.Watch(slot, "run-1", shown=False)
    watch.tick()
    clock[0] += stop.STOP_AFTER_SECONDS * 0.9
    watch.tick()
    assert slot.buttons == []
    clock[0] += stop.STOP_AFTER_SECONDS * 0.2
    watch.tick()
    watch.tick()
    assert slot.buttons == ["Stop the simulation"]
    late = stop.Watch(_Slot(), "run-2", shown=False)
    late.done()
    clock[0] += 60
    late.tick()
    assert late.slot is None
    already = stop.Watch(slot := _Slot(), "run-3", shown=True)  # drawn up front for a long run
    clock[0] += 60
    already.tick()
    assert slot.buttons == []

"""Scenario files in the app: picking each bundled file, uploads, saving, and comparing."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_helpers import ROOT, kpi_curve, make_app_test, plotted, scenarios_folder, shown  # noqa: F401

import sim
from sim.scenario import MAX_FILE_NAME_STEM
from ui import scenario_files as files

pytestmark = pytest.mark.usefixtures("scenarios_folder")
BUNDLED = sorted(p.name for p in (ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("name", BUNDLED)
def test_loading_each_bundled_scenario(name: str):
    """Picking a file loads it: its name shows, its levers fill the controls, its KPI is plotted."""
    scenario = sim.load_scenario(ROOT / "scenarios" / name)
    at = make_app_test().run()
    at.selectbox(key="scenario_choice").set_value(name).run()
    assert not at.exception
    assert not at.error
    assert scenario.name in shown(at.caption[0].value)
    cm = scenario.levers.central_management
    assert at.slider(key="enrolled_share").value == pytest.approx(round(cm.enrolled_share * 100, 1))
    assert at.number_input(key="technicians").value == scenario.levers.technicians.count
    assert at.toggle(key="reporting_enabled").value is scenario.levers.reporting_channel.enabled
    # the session keeps its simulation settings, so files are compared at the same precision
    assert at.number_input(key="replications").value == 3
    expected = sim.run(scenario, replications=3, seed=at.number_input(key="seed").value)
    assert kpi_curve(at)[-1] == pytest.approx(expected.summary["compliance_end"])
    assert at.query_params["scenario"] == name


def test_upload_valid_file_becomes_the_loaded_scenario():
    text = (
        (ROOT / "scenarios" / "baseline.yaml")
        .read_text()
        .replace('name: "Baseline: manual patching"', 'name: "Uploaded plan"')
    )
    text = text.replace("enrolled_share: 0.0", "enrolled_share: 0.5")
    at = make_app_test().run()
    at.file_uploader(key="upload").set_value(("plan.yaml", text.encode(), "application/x-yaml")).run()
    assert not at.exception
    assert not at.error
    assert at.selectbox(key="scenario_choice").value == "uploaded: plan.yaml"
    assert "Uploaded plan" in shown(at.caption[0].value)
    assert at.slider(key="enrolled_share").value == 50.0


def test_upload_broken_file_names_the_field_and_page_keeps_working():
    """A bad value is refused with the field's path; the baseline stays loaded and the sliders still work."""
    text = (ROOT / "scenarios" / "baseline.yaml").read_text().replace("interval_days: 0,", "interval_days: -5,")
    at = make_app_test().run()
    before = kpi_curve(at)
    at.file_uploader(key="upload").set_value(("broken.yaml", text.encode(), "application/x-yaml")).run()
    assert not at.exception
    errors = " ".join(shown(e.value) for e in at.error)
    assert "levers.audits.interval_days" in errors
    assert "broken.yaml" in errors
    assert at.selectbox(key="scenario_choice").value == "baseline.yaml"
    assert kpi_curve(at) == pytest.approx(before)
    at.slider(key="enrolled_share").set_value(60.0).run()
    assert not at.exception
    assert kpi_curve(at) != before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (b"name: x\nlevers:\n  technicians: {count: lots}\n", "levers.technicians.count"),
        (b"name: x\nfleet: {initial_compliance: 1.5}\n", "fleet.initial_compliance"),
        (b"name: x\nlevers: {audits: {interval: 30}}\n", "levers.audits.interval"),
        (b"!!python/object/apply:os.system ['echo hacked']\n", "not valid YAML"),
        (b"a: &x [1]\nb: *x\n", "anchors and aliases"),
        (b"\xff\xfe\x00binary", "not a text file"),
    ],
)
def test_read_upload_refuses_bad_files_with_the_field(data: bytes, field: str):
    """The upload handler never executes anything and names what is wrong."""
    with pytest.raises(sim.ScenarioError) as caught:
        files.read_upload("bad.yaml", data)
    assert caught.value.source == "bad.yaml"
    assert any(field in p for p in caught.value.problems)


def test_read_upload_refuses_wrong_suffix_and_big_files():
    with pytest.raises(sim.ScenarioError, match="yaml"):
        files.read_upload("evil.py", b"name: x\n")
    with pytest.raises(sim.ScenarioError, match="limit"):
        files.read_upload("big.yaml", b"#" * (files.MAX_UPLOAD_BYTES + 1))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Q3 plan: 80% enrolled!", "q3-plan-80-enrolled.yaml"),
        ("../../etc/passwd", "etc-passwd.yaml"),
        ("Überwachung Gebäude", "uberwachung-gebaude.yaml"),
        ("...", "scenario.yaml"),
        ("CON", "con-scenario.yaml"),
        ("Plan B.yaml", "plan-b.yaml"),
        ("a" * 200, "a" * MAX_FILE_NAME_STEM + ".yaml"),
    ],
)
def test_save_as_uses_the_engines_safe_file_name(name: str, expected: str, tmp_path: Path, baseline: sim.Scenario):
    """The app saves under ``safe_scenario_filename`` (one rule for app and engine), inside the folder."""
    folder = tmp_path / "saved"
    assert files.save_as(baseline, name, folder) == folder.resolve() / expected
    assert [p.name for p in folder.iterdir()] == [expected]
    assert sim.load_scenario(folder / expected).name == files.renamed(baseline, name).name


def test_save_as_refuses_a_link_out_of_the_folder(tmp_path: Path, baseline: sim.Scenario):
    """A symbolic link in the folder that points elsewhere is not written through, even when overwriting."""
    folder, outside = tmp_path / "saved", tmp_path / "outside.yaml"
    folder.mkdir()
    outside.write_text("keep me\n")
    (folder / "plan.yaml").symlink_to(outside)
    for overwrite in (False, True):
        with pytest.raises(sim.ScenarioError, match="outside the scenarios folder"):
            files.save_as(baseline, "Plan", folder, overwrite=overwrite)
    assert outside.read_text() == "keep me\n"


def test_save_failure_is_shown_and_the_page_keeps_working(scenarios_folder: Path, tmp_path: Path):  # noqa: F811
    """A save the folder refuses shows why, with no exception; nothing outside the folder is written."""
    outside = tmp_path / "outside.yaml"
    (scenarios_folder / "plan.yaml").symlink_to(outside)
    at = make_app_test().run()
    at.text_input(key="save_name").input("Plan").run()
    at.button(key="save").click().run()
    assert not at.exception
    assert any("Not saved" in e.value and "outside the scenarios folder" in shown(e.value) for e in at.error)
    assert not outside.exists()
    assert at.selectbox(key="scenario_choice").value == "baseline.yaml"


def test_save_writes_a_sanitised_file_and_asks_before_overwriting(scenarios_folder: Path):  # noqa: F811
    at = make_app_test().run()
    at.slider(key="enrolled_share").set_value(80.0).run()
    at.text_input(key="save_name").input("Q3 plan: 80% enrolled!").run()
    at.button(key="save").click().run()
    saved = scenarios_folder / "q3-plan-80-enrolled.yaml"
    assert saved.exists()
    loaded = sim.load_scenario(saved)
    assert loaded.name == "Q3 plan: 80% enrolled!"
    assert loaded.levers.central_management.enrolled_share == pytest.approx(0.8)
    assert loaded.simulation.replications == 3  # the settings that produced the figures shown
    assert not (ROOT / "scenarios" / "q3-plan-80-enrolled.yaml").exists()
    assert "q3-plan-80-enrolled.yaml" in at.selectbox(key="scenario_choice").options

    # Saving again under the same name asks first and leaves the file alone...
    at.slider(key="enrolled_share").set_value(40.0).run()
    at.button(key="save").click().run()
    assert any("already exists" in shown(w.value) for w in at.warning)
    assert sim.load_scenario(saved).levers.central_management.enrolled_share == pytest.approx(0.8)
    # ...until the overwrite is confirmed.
    at.button(key="confirm_overwrite_yes").click().run()
    assert sim.load_scenario(saved).levers.central_management.enrolled_share == pytest.approx(0.4)
    assert not list(scenarios_folder.glob(".*.tmp"))


def test_save_as_refuses_to_overwrite(tmp_path: Path, baseline: sim.Scenario):
    first = files.save_as(baseline, "Plan A", tmp_path)
    with pytest.raises(FileExistsError):
        files.save_as(baseline, "plan a", tmp_path)
    assert files.save_as(baseline, "plan a", tmp_path, overwrite=True) == first
    with pytest.raises(ValueError, match="name"):
        files.save_as(baseline, "   ", tmp_path)


def test_listing_follows_the_folder(tmp_path: Path, baseline: sim.Scenario):
    """The picker lists whatever *.yaml is in the folder, baseline first; other files are ignored."""
    for name in ("zeta.yaml", "alpha.yml", "baseline.yaml"):
        sim.save_scenario(baseline, tmp_path / name)
    (tmp_path / "notes.txt").write_text("x")
    assert [p.name for p in files.list_scenarios(tmp_path)] == ["baseline.yaml", "alpha.yml", "zeta.yaml"]


def test_compare_three_files():
    """Three files overlaid with one colour each, a summary with the best marked, and only differing parameters."""
    chosen = ["baseline.yaml", "case_study.yaml", "top_quartile.yaml"]
    at = make_app_test()
    at.session_state["tab"] = "Compare scenarios"
    at.run()
    at.multiselect(key="compare_files").set_value(chosen).run()
    assert not at.exception
    figure = plotted(at, "compare_chart")
    lines = [t for t in figure["data"] if t.get("mode") == "lines"]
    assert [t["name"] for t in lines] == chosen
    assert len({t["line"]["color"] for t in lines}) == 3
    tables = [d.value for d in at.dataframe]
    table = next(t for t in tables if "KPI at the horizon" in t.index)
    stems = ["baseline", "case_study", "top_quartile"]
    assert list(table.columns) == stems  # three files: no change column
    runs = {n: sim.run(sim.load_scenario(ROOT / "scenarios" / n), replications=3, seed=7) for n in chosen}
    for n, stem in zip(chosen, stems, strict=True):
        assert table.loc["KPI at the horizon", stem] == f"{runs[n].summary['compliance_end']:.1%}"
        assert table.loc["Band at the horizon", stem] == runs[n].summary["band_end"].capitalize()
        blind = runs[n].summary["blind_spot_devices_end"]
        assert table.loc["Blind-spot devices at the horizon", stem] == f"{blind:,.0f}"
    diff = next(t for t in tables if "Devices under central update management" in t.index)
    assert diff.loc["Devices under central update management"].tolist() == ["0%", "95%", "58%"]
    assert table.loc["Target reached and held from", "baseline"] == "not reached"
    first = runs["case_study.yaml"].summary["first_day_at_target"]
    months = first / (365.25 / 12)
    assert table.loc["Target first reached", "case_study"] == f"{months:.1f} months (day {first})"
    assert "Simulation: seed" not in diff.index  # same in all three files
    assert not [k for k in diff.index if k.startswith(("levers.", "fleet.", "costs."))]  # friendly names only


def test_compare_lowers_runs_to_what_the_largest_file_admits(
    scenarios_folder: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
):
    """A compared file too big for the session's runs is compared at the most runs its limits admit,
    with a notice, instead of an error page; every file gets the same runs and seed."""
    # a low memory limit, so a modest file is 'too big': the baseline (5,000 devices) admits 40 runs,
    # a 100,000-device file admits 2 (devices x runs <= 200,000)
    monkeypatch.setattr("sim.scenario.limits.MAX_DEVICE_REPLICATIONS", 200_000)
    baseline = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml")
    data = baseline.model_dump()
    data["name"] = "Big fleet"
    data["simulation"].update(horizon_days=30, replications=1)
    for device_class in data["fleet"]["device_classes"]:
        device_class["count"] *= 20
    big = sim.Scenario.model_validate(data)
    sim.save_scenario(big, scenarios_folder / "big_fleet.yaml")

    at = make_app_test()
    at.session_state["tab"] = "Compare scenarios"
    at.run()
    assert at.number_input(key="replications").value == 3
    at.multiselect(key="compare_files").set_value(["baseline.yaml", "big_fleet.yaml"]).run()
    assert not at.exception
    assert not at.error
    notices = [shown(w.value) for w in at.warning]
    assert any("showing 2 runs instead" in n and "200,000" in n for n in notices), notices
    table = next(d.value for d in at.dataframe if "KPI at the horizon" in d.value.index)
    expected = sim.run(baseline, replications=2, seed=at.number_input(key="seed").value)
    assert table.loc["KPI at the horizon", "baseline"] == f"{expected.summary['compliance_end']:.1%}"


def test_the_saved_note_goes_when_another_name_is_typed(scenarios_folder: Path):  # noqa: F811
    at = make_app_test().run()
    at.text_input(key="save_name").input("Plan B").run()
    at.button(key="save").click().run()
    assert [shown(s.value) for s in at.success] == [
        "Saved as plan-b.yaml; it is now the loaded scenario, and the page's link opens it."
    ]
    at.text_input(key="save_name").input("Plan C").run()
    assert not at.success


def test_bundled_presets_are_never_replaced(scenarios_folder: Path):  # noqa: F811
    """Saving under a preset's name (say 'Baseline') is refused with a reason, before any
    overwrite question and even when an overwrite is asked for; the preset is left as it was."""
    before = (scenarios_folder / "baseline.yaml").read_bytes()
    at = make_app_test().run()
    at.slider(key="enrolled_share").set_value(80.0).run()
    at.text_input(key="save_name").input("Baseline").run()
    at.button(key="save").click().run()
    assert not at.exception
    assert any("bundled preset" in e.value and "baseline.yaml" in shown(e.value) for e in at.error)
    assert not any("already exists" in shown(w.value) for w in at.warning)
    assert (scenarios_folder / "baseline.yaml").read_bytes() == before
    assert {p.name for p in (ROOT / "scenarios").glob("*.yaml")} == files.PRESETS  # every bundled file
    scenario = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml")
    for name in ("Baseline", "CASE_STUDY", "no_clear_policy"):
        with pytest.raises(sim.ScenarioError, match="bundled preset"):
            files.save_as(scenario, name, scenarios_folder, overwrite=True)
    assert (scenarios_folder / "baseline.yaml").read_bytes() == before

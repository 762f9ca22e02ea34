"""Inventory import: the sample fleet, each shipped profile, bad rows, limits, and the CLI.

The expected figures are computed here from the rows themselves (pandas, with the rules
of docs/how-to/import-your-inventory.md written out again), not taken from the import.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

import sim
from sim import cli
from sim.inventory import (
    MAX_INVENTORY_BYTES,
    MAX_INVENTORY_ROWS,
    InventoryError,
    import_inventory,
    list_profiles,
    load_profile,
    match_type,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "scenarios" / "inventories" / "sample_fleet.csv"
FIXTURES = ROOT / "tests" / "inventories"
BASE = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml")

# The sample's device types and the baseline class each belongs to (written out by hand).
CLASS_OF_TYPE = {
    "IP camera": "IP cameras",
    "Doorbell camera": "IP cameras",
    "PTZ camera": "IP cameras",
    "HVAC controller": "Building controllers",
    "Lighting controller": "Building controllers",
    "PLC": "Building controllers",
    "Badge reader": "Badge readers",
    "RFID reader": "Badge readers",
    "IoT gateway": "Network gateways",
    "Router": "Network gateways",
    "Temperature sensor": "Medical and industrial sensors",
    "Vibration sensor": "Medical and industrial sensors",
    "Patient monitor sensor": "Medical and industrial sensors",
}
SLA = {"critical": 14, "high": 30, "medium": 60, "low": 90, "": 30}  # baseline kpi.sla_days; blank: high


@pytest.fixture(scope="module")
def sample() -> sim.inventory.InventoryImport:
    return import_inventory(SAMPLE)


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    frame["cls"] = frame["device_type"].map(CLASS_OF_TYPE)
    return frame


def test_sample_class_counts_and_over_the_air_shares_are_the_rows(sample, rows) -> None:
    """Each class holds the devices of its types; its over-the-air share is theirs (4 decimals)."""
    assert rows["cls"].notna().all()
    counts = rows["cls"].value_counts().to_dict()
    classes = sample.scenario.fleet.device_classes
    assert {c.name: c.count for c in classes} == counts
    assert sum(counts.values()) == 4000 == sample.scenario.fleet.device_count
    ota = (rows["ota_capable"] == "yes").groupby(rows["cls"]).mean()
    for c in classes:
        assert c.ota_capable == pytest.approx(ota[c.name], abs=5e-5)
    # everything else about a class is the baseline's
    base = {c.name: c for c in BASE.fleet.device_classes}
    for c in classes:
        assert c.model_dump(exclude={"count", "ota_capable"}) == base[c.name].model_dump(
            exclude={"count", "ota_capable"}
        )


def test_sample_managed_and_enrolled_shares_are_the_rows(sample, rows) -> None:
    """Managed share of all devices; enrolled share = managed over-the-air / over-the-air devices."""
    managed, ota = rows["managed"] == "yes", rows["ota_capable"] == "yes"
    assert sample.report.managed_share == pytest.approx(managed.mean())
    cm = sample.scenario.levers.central_management
    assert cm.enrolled_share == pytest.approx((managed & ota).sum() / ota.sum(), abs=5e-5)
    assert cm.onboarding_days == 0  # the managed devices are on board already
    assert 0.3 < managed.mean() < 0.35  # the sample is made with 40% of over-the-air devices managed


def test_sample_day0_kpi_is_the_rows(sample, rows) -> None:
    """On time on day 0: on the latest version, or last updated within the criticality's timeframe
    (30 days, the baseline's high SLA, without one), counted to the newest date in the file."""
    dates = pd.to_datetime(rows["last_update"].replace("", None))
    as_of = dates.max()
    on_time = ((as_of - dates).dt.days <= rows["criticality"].map(SLA)).fillna(False)
    on_latest = rows["firmware_version"] == rows["latest_firmware_version"]
    expected = (on_time | on_latest).mean()
    assert sample.scenario.fleet.initial_compliance == pytest.approx(expected, abs=5e-5)
    assert sample.report.day0_kpi == sample.scenario.fleet.initial_compliance
    assert sample.report.as_of == as_of.date() == date(2026, 11, 30)
    assert sample.report.day0_known == 4000
    assert 0.6 < expected < 0.8  # a baseline-like fleet: Poor on day 0


def test_sample_departments_are_the_rows(sample, rows) -> None:
    shares = rows["department"].value_counts(normalize=True)
    depts = {d.name: d for d in sample.scenario.fleet.departments}
    assert set(depts) == set(shares.index)
    for name, share in shares.items():
        assert depts[name].share == pytest.approx(share, abs=1e-4)
    base = {d.name: d.approval_delay_days for d in BASE.fleet.departments}
    assert depts["Security"].approval_delay_days == base["Security"]
    # a department the baseline does not know gets its share-weighted average delay
    average = sum(d.share * d.approval_delay_days for d in BASE.fleet.departments)
    assert depts["Clinical engineering"].approval_delay_days == pytest.approx(round(average, 1))
    assert any("Clinical engineering" in t for t in sample.report.from_defaults)


def test_sample_is_what_the_generator_makes() -> None:
    """The committed sample is the generator's output (fixed seed)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_sample", ROOT / "tools" / "make_sample_inventory.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render(module.rows()) == SAMPLE.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- profiles


def test_every_profile_loads_and_cites_its_source() -> None:
    assert list_profiles() == ["canonical", "defender_iot", "hawkbit", "intune", "mender"]
    for name in list_profiles():
        profile = load_profile(name)
        assert profile.name == name
        assert {"device_id", "device_type"} <= set(profile.columns)
        if name != "canonical":
            assert profile.source.startswith("https://")


def test_intune_export() -> None:
    """Category -> class, 'Managed by' -> managed (Intune, Co-managed yes; MDE no), Security
    patch level -> last update; no over-the-air column, so each class's baseline share."""
    result = import_inventory(FIXTURES / "intune_export.csv", profile="intune")
    sc, report = result.scenario, result.report
    assert {c.name: c.count for c in sc.fleet.device_classes} == {
        "IP cameras": 2,
        "Badge readers": 2,
        "Network gateways": 2,
    }
    assert report.managed_share == pytest.approx(5 / 6)
    ota = {"IP cameras": 0.95, "Badge readers": 0.80, "Network gateways": 1.0}  # baseline
    managed_ota = 0.95 + 0.95 + 0.80 + 0.0 + 1.0 + 1.0  # the MDE badge reader is not managed
    assert sc.levers.central_management.enrolled_share == pytest.approx(managed_ota / (2 * sum(ota.values())), abs=5e-5)
    # patch levels 11-01, 05-01, 11-05, 08-01, (none), 11-20 against the newest (11-20), 30 days;
    # the gateway with no patch level starts compliant with the baseline's 70%
    assert report.as_of == date(2026, 11, 20)
    assert sc.fleet.initial_compliance == pytest.approx((3 + 0.70) / 6, abs=5e-5)
    assert report.columns["device_type"] == "Category"
    assert any(t.startswith("ota_capable") for t in report.from_defaults)
    assert any("1 devices with no date" in t for t in report.from_defaults)


def test_defender_for_iot_export() -> None:
    """Subtype -> class (PLC is a controller), Site -> department; managed and day 0 from the base."""
    result = import_inventory(FIXTURES / "defender_iot_export.csv", profile="defender_iot")
    sc, report = result.scenario, result.report
    assert {c.name: c.count for c in sc.fleet.device_classes} == {"IP cameras": 2, "Building controllers": 3}
    assert {d.name: d.share for d in sc.fleet.departments} == {"Plant North": 0.6, "Plant South": 0.4}
    assert sc.fleet.initial_compliance == BASE.fleet.initial_compliance
    assert sc.levers.central_management.enrolled_share == BASE.levers.central_management.enrolled_share
    assert report.managed_share is None
    assert report.columns["criticality"] == "Importance"
    assert any(t.startswith("managed:") for t in report.from_defaults)
    assert any(t.startswith("day-0 KPI") for t in report.from_defaults)


def test_mender_inventory_json_lines() -> None:
    """Mender's attributes become scope/name columns; its board names are placed with --type;
    accepted devices are managed; every device is over the air."""
    types = {"raspberrypi4": "Network gateways", "imx8-camera": "IP cameras"}
    result = import_inventory(FIXTURES / "mender_inventory.jsonl", profile="mender", types=types)
    sc = result.scenario
    assert {c.name: c.count for c in sc.fleet.device_classes} == {"IP cameras": 2, "Network gateways": 2}
    assert all(c.ota_capable == 1.0 for c in sc.fleet.device_classes)
    assert sc.levers.central_management.enrolled_share == 0.75  # 3 of 4 accepted
    assert {d.name: d.share for d in sc.fleet.departments} == {"north-site": 0.75, "south-site": 0.25}
    assert result.report.columns["managed"] == "identity/status"


def test_mender_board_names_need_a_class() -> None:
    with pytest.raises(InventoryError) as info:
        import_inventory(FIXTURES / "mender_inventory.jsonl", profile="mender")
    text = str(info.value)
    assert "lines 1, 2, column 'inventory/device_type' (device_type): unknown device type 'raspberrypi4'" in text
    assert "--type 'raspberrypi4=CLASS'" in text


def test_hawkbit_target_list() -> None:
    """targetTypeName -> class, updateStatus -> managed ('unknown' is not), installedAt (ms) -> last update."""
    result = import_inventory(FIXTURES / "hawkbit_targets.json", profile="hawkbit")
    sc, report = result.scenario, result.report
    assert {c.name: c.count for c in sc.fleet.device_classes} == {"IP cameras": 2, "Network gateways": 2}
    assert sc.levers.central_management.enrolled_share == 0.75
    # installed 2025-11-23, 2025-09-01, 2025-11-30 and never, against 2025-11-30 and 30 days
    assert report.as_of == date(2025, 11, 30)
    assert sc.fleet.initial_compliance == pytest.approx((2 + 0.70) / 4, abs=5e-5)


def test_head_noun_matching() -> None:
    names = [c.name for c in BASE.fleet.device_classes]
    assert match_type("Doorbell camera", names) == ["IP cameras"]
    assert match_type("CCTV", names) == ["IP cameras"]
    assert match_type("network gateways", names) == ["Network gateways"]
    assert match_type("Smart fridge", names) == []
    assert match_type("PLC with sensor", names) == ["Building controllers", "Medical and industrial sensors"]
    assert match_type("Smart fridge", names, {"smart FRIDGE": "Badge readers"}) == ["Badge readers"]


# --------------------------------------------------------------------------- bad input


def test_bad_rows_exit_2_naming_row_and_column(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import", str(FIXTURES / "bad_rows.csv")]) == 2
    err = capsys.readouterr().err
    assert "4 problems" in err
    assert "row 3, column 'device_type': unknown device type 'Smart fridge'" in err
    assert "row 4, column 'last_update': '2026-13-45' is not a date" in err
    assert "row 5, column 'device_id': duplicate id 'CAM-001' (first on row 2)" in err
    assert "row 6, column 'managed': 'maybe' is not a yes/no value" in err


def test_a_missing_column_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "no_type.csv"
    path.write_text("device_id,department\nA1,Facilities\n", encoding="utf-8")
    assert cli.main(["import", str(path)]) == 2
    err = capsys.readouterr().err
    assert "column 'device_type' (device_type) is missing" in err
    assert "--map COLUMN=device_type" in err


def test_nothing_is_written_for_a_bad_file(tmp_path: Path) -> None:
    out = tmp_path / "fleet.yaml"
    assert cli.main(["import", str(FIXTURES / "bad_rows.csv"), "-o", str(out)]) == 2
    assert not out.exists()


def test_a_file_over_1_mb_is_refused_with_the_limit_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.csv"
    line = "CAM-000000,IP camera,Facilities,yes,yes,2026-11-01\n"
    path.write_text("device_id,device_type,department,managed,ota_capable,last_update\n" + line * 20_000)
    assert path.stat().st_size > 1_000_000
    assert cli.main(["import", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"the limit is {MAX_INVENTORY_BYTES:,} bytes (MAX_INVENTORY_BYTES" in err
    with pytest.raises(InventoryError, match="MAX_INVENTORY_BYTES"):
        import_inventory(path.read_bytes())


def test_more_rows_than_the_limit_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    body = "".join(f"{i},Camera\n" for i in range(MAX_INVENTORY_ROWS + 1))
    path.write_text("device_id,device_type\n" + body)
    assert path.stat().st_size < MAX_INVENTORY_BYTES
    with pytest.raises(InventoryError, match=f"the limit is {MAX_INVENTORY_ROWS:,} rows"):
        import_inventory(path)


def test_skip_bad_rows_counts_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[10].split(",")
    lines[10] = ",".join([*cells[:3], "perhaps", *cells[4:]])  # a bad managed flag
    cells = lines[20].split(",")
    lines[20] = ",".join([cells[0], "Toaster", *cells[2:]])  # an unknown type
    lines[30] = lines[1]  # a duplicate id
    path = tmp_path / "three_bad.csv"
    path.write_text("".join(lines), encoding="utf-8")
    assert cli.main(["import", str(path)]) == 2
    assert "3 problems" in capsys.readouterr().err
    assert cli.main(["import", str(path), "--skip-bad-rows"]) == 0
    out = capsys.readouterr().out
    assert "Imported 3,997 devices" in out
    assert "3 bad rows skipped" in out
    result = import_inventory(path, skip_bad_rows=True)
    assert result.report.skipped_rows == 3
    assert result.scenario.fleet.device_count == 3997


def test_skip_bad_rows_refuses_a_mostly_bad_file() -> None:
    with pytest.raises(InventoryError, match=r"4 of 5 rows are bad, more than 10%"):
        import_inventory(FIXTURES / "bad_rows.csv", skip_bad_rows=True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("device_id,device_type\n", "no devices"),
        ('{"device_id": "a", "device_type": "Camera"}\n{"device_id": \n', "line 2: not valid JSON"),
        ("device_id,device_type,device_id\na,Camera,b\n", "column 'device_id' appears more than once"),
        ("device_id,device_type\n,Camera\n", "row 2, column 'device_id': empty"),
        ("device_id,device_type,department\na,Camera," + "x" * 81 + "\n", "row 2, column 'department': 81 characters"),
        ("device_id,device_type,criticality\na,Camera,urgent\n", "'urgent' is not a criticality"),
        ("device_id,device_type\na,Camera,extra\n", "line 2: 3 cells, but the header has 2 columns"),
        (
            "device_id,device_type,last_update\na,Camera,1900-01-01\n",
            "row 2, column 'last_update': '1900-01-01' is before",
        ),
        ("device_id,device_type,last_update\na,Camera,30/11/2026\n", "'30/11/2026' is not a date such as 2026-11-30"),
    ],
)
def test_bad_files_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(InventoryError, match=message):
        import_inventory(text.encode("utf-8"))


def test_binary_and_non_utf8_files_are_refused() -> None:
    with pytest.raises(InventoryError, match="NUL bytes"):
        import_inventory(b"PK\x03\x04\x00\x00")
    with pytest.raises(InventoryError, match="not UTF-8"):
        import_inventory("device_id,device_type\nä,Camera\n".encode("latin-1"))


def test_map_and_type_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "own.csv"
    path.write_text("Asset tag;Kind;Site\nA1;Smart fridge;HQ\nA2;Camera;HQ\n", encoding="utf-8")
    out = tmp_path / "own.yaml"
    args = ["import", str(path), "--map", "Asset tag=device_id", "--map", "Kind=device_type", "-o", str(out)]
    assert cli.main([*args, "--type", "Smart fridge=Badge readers"]) == 0
    written = sim.load_scenario(out)
    assert {c.name: c.count for c in written.fleet.device_classes} == {"IP cameras": 1, "Badge readers": 1}
    assert [d.name for d in written.fleet.departments] == ["HQ"]  # 'Site' read as the department
    assert cli.main([*args, "--type", "Smart fridge=Fridges", "--overwrite"]) == 2
    assert "the base scenario has no class 'Fridges'" in capsys.readouterr().err
    assert cli.main(["import", str(path), "--map", "Kind=kind"]) == 2
    assert "unknown field 'kind'" in capsys.readouterr().err


def test_an_existing_output_is_kept_unless_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "fleet.yaml"
    out.write_text("keep me", encoding="utf-8")
    assert cli.main(["import", str(FIXTURES / "intune_export.csv"), "--profile", "intune", "-o", str(out)]) == 2
    assert "exists already" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "keep me"


def test_markup_in_names_stays_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A department named with markup or control characters is a plain name in the scenario;
    control characters are refused with the row named."""
    name = "<script>alert(1)</script> [x](http://e)"
    path = tmp_path / "markup.csv"
    path.write_text(f'device_id,device_type,department\na,Camera,"{name}"\n', encoding="utf-8")
    out = tmp_path / "markup.yaml"
    assert cli.main(["import", str(path), "-o", str(out)]) == 0
    assert [d.name for d in sim.load_scenario(out).fleet.departments] == [name]
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["fleet"]["departments"][0]["name"] == name
    with pytest.raises(InventoryError, match="row 2, column 'department': holds control characters"):
        import_inventory(b"device_id,device_type,department\na,Camera,x\x1b[31m\n")


# --------------------------------------------------------------------------- end to end


def test_cli_prints_what_it_found_and_writes_a_valid_scenario(tmp_path: Path, capsys) -> None:
    out = tmp_path / "our_fleet.yaml"
    assert cli.main(["import", str(SAMPLE), "-o", str(out), "--json", str(tmp_path / "report.json")]) == 0
    printed = capsys.readouterr().out
    assert "Imported 4,000 devices" in printed
    assert any(line.split()[:3] == ["IP", "cameras", "1,200"] for line in printed.splitlines())
    assert "Day-0 KPI:" in printed
    assert f"Wrote {out}" in printed
    scenario = sim.load_scenario(out)
    assert scenario == import_inventory(SAMPLE).scenario.model_copy(update={"description": scenario.description})
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["devices"] == 4000
    assert report["day0_kpi"] == scenario.fleet.initial_compliance


def test_import_then_run_from_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """import -> run: the written file runs, with the imported fleet and its day-0 KPI."""
    out = tmp_path / "our_fleet.yaml"
    assert cli.main(["import", str(SAMPLE), "-o", str(out)]) == 0
    capsys.readouterr()
    assert cli.main(["run", str(out), "--replications", "3", "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["devices"] == 4000
    day0 = sim.load_scenario(out).fleet.initial_compliance
    # each device starts compliant with the imported share: 3 x 4,000 draws, sd about 0.004
    assert data["summary"]["compliance_start"] == pytest.approx(day0, abs=0.03)


@pytest.mark.slow
def test_import_run_report_from_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """import -> report: the board report of the imported fleet against the baseline shows the
    imported fleet's day-0 KPI and its name, from the command line alone."""
    import re

    out, page = tmp_path / "our_fleet.yaml", tmp_path / "board.html"
    assert cli.main(["import", str(SAMPLE), "-o", str(out)]) == 0
    baseline = ROOT / "scenarios" / "baseline.yaml"
    args = ["report", str(out), "--against", str(baseline), "-o", str(page), "--replications", "3"]
    assert cli.main(args) == 0
    capsys.readouterr()
    html = page.read_text(encoding="utf-8")
    imported = sim.load_scenario(out)
    expected = sim.run(imported, replications=3, seed=imported.simulation.seed).summary
    today = re.search(r'Today\b.*?<div class="value">(.*?)</div>', html, flags=re.S)
    assert today.group(1) == f"{expected['compliance_start']:.0%}"
    assert imported.name in html


def test_a_profile_of_ones_own(tmp_path: Path) -> None:
    """A planner's own profile file (same layout as the shipped ones) is read by path;
    a profile naming an unknown field is refused with the field named."""
    profile = tmp_path / "cmdb.yaml"
    profile.write_text(
        "name: cmdb\ntitle: Our CMDB\nsource: internal\n"
        "columns: {device_id: Asset, device_type: Class, managed: MDM}\n"
        "values: {managed: {enrolled: true, none: false}}\n",
        encoding="utf-8",
    )
    data = b"Asset,Class,MDM\nA1,Camera,Enrolled\nA2,Camera,none\n"
    result = import_inventory(data, profile=str(profile))
    assert result.report.managed_share == 0.5
    profile.write_text("name: x\ntitle: x\nsource: x\ncolumns: {device_id: a, device_kind: b}\n", encoding="utf-8")
    with pytest.raises(InventoryError, match="unknown field 'device_kind'"):
        import_inventory(data, profile=str(profile))
    with pytest.raises(InventoryError, match="no profile 'intunes'; the shipped profiles are canonical"):
        import_inventory(data, profile="intunes")


def test_output_to_a_folder_or_standard_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """-o FOLDER names the file after the inventory (a safe name); -o - writes the YAML alone."""
    assert cli.main(["import", str(SAMPLE), "-o", str(tmp_path)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["sample_fleet.yaml"]
    capsys.readouterr()
    assert cli.main(["import", str(SAMPLE), "-o", "-"]) == 0
    text = capsys.readouterr().out
    assert sim.load_scenario(text).fleet.device_count == 4000
    assert cli.main(["import", str(SAMPLE), "-o", str(tmp_path / "fleet.txt")]) == 2
    assert "a scenario file ends in .yaml or .yml" in capsys.readouterr().err

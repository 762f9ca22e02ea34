"""Calibration of the bundled presets against the KPI's reference material.

Each preset runs with its own settings (30 replications) on three seeds: its own (7) and
two more, so a preset is not tuned to one draw of chance; the tolerances are the ones the
scenario library promises in docs/presets/, and every seed must meet them.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from functools import cache
from typing import Any

import numpy as np
import pytest
from conftest import ROOT, SCENARIOS

import sim

SEEDS = (7, 8, 9)  # the presets' own seed and two others
seeds = pytest.mark.parametrize("seed", SEEDS)


@cache
def _result(name: str, seed: int) -> sim.Result:
    return sim.run(sim.load_scenario(SCENARIOS / f"{name}.yaml"), seed=seed)


def kpi(name: str, seed: int = 7) -> np.ndarray:
    return _result(name, seed).series["compliance_mean"].to_numpy()


def departments(name: str, seed: int = 7) -> dict[str, float]:
    by = _result(name, seed).by_department
    return dict(zip(by["department"], by["compliance_average"], strict=True))


def test_every_preset_describes_itself_and_cites_its_page() -> None:
    files = sorted(SCENARIOS.glob("*.yaml"))
    assert {f.stem for f in files} >= {
        "baseline",
        "case_study",
        "global_average",
        "top_quartile",
        "automation_without_audits",
        "automation_with_audits",
        "no_clear_policy",
    }
    for f in files:
        sc = sim.load_scenario(f)
        assert len(sc.description) > 150, f.name
        pages = re.findall(r"docs/presets/[\w-]+\.md", sc.description)
        assert pages, f"{f.name} names no docs page"
        assert all((ROOT / p).exists() for p in pages), pages


@seeds
def test_baseline_starts_at_70_percent_and_stays_poor(seed: int) -> None:
    sc = sim.load_scenario(SCENARIOS / "baseline.yaml")
    assert len(sc.fleet.device_classes) >= 5
    assert len(sc.fleet.departments) >= 3
    k = kpi("baseline", seed)
    assert k[0] == pytest.approx(0.70, abs=0.02)
    assert k.max() < 0.80


@seeds
def test_case_study_climbs_from_70_to_95_within_six_months_following_onboarding(seed: int) -> None:
    k = kpi("case_study", seed)
    assert k[0] == pytest.approx(0.70, abs=0.02)
    assert k[30] < 0.90  # not instantly
    assert k[182] >= 0.95
    assert np.argmax(k >= 0.95) > 60  # the climb follows the 120-day onboarding


@seeds
def test_global_average_sits_at_85_percent(seed: int) -> None:
    assert kpi("global_average", seed)[30:].mean() == pytest.approx(0.85, abs=0.02)


@seeds
def test_top_quartile_sits_at_95_percent(seed: int) -> None:
    assert kpi("top_quartile", seed)[30:].mean() == pytest.approx(0.95, abs=0.015)


def test_benchmark_presets_are_centred_on_their_benchmarks() -> None:
    """Over the three seeds together, each benchmark preset is within a point of its level
    (seed 7 alone sat 0.4 and 0.2 points high before they were calibrated on several seeds)."""
    assert np.mean([kpi("global_average", s)[30:].mean() for s in SEEDS]) == pytest.approx(0.85, abs=0.01)
    assert np.mean([kpi("top_quartile", s)[30:].mean() for s in SEEDS]) == pytest.approx(0.95, abs=0.01)


@seeds
def test_automation_without_audits_erodes_and_audits_hold_it(seed: int) -> None:
    without, with_ = kpi("automation_without_audits", seed), kpi("automation_with_audits", seed)
    assert without[-1] < without[60] - 0.05  # erodes over the year
    assert with_[-1] >= without[-1] + 0.05
    assert with_[60:].min() > 0.97


@seeds
def test_no_clear_policy_shows_a_spread_between_departments(seed: int) -> None:
    avg = departments("no_clear_policy", seed)
    assert max(avg.values()) - min(avg.values()) > 0.10
    assert avg["Security"] > avg["Operations"]  # 3-day approvals beat 60-day ones


def test_cli_compare_reads_like_the_case_study() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "sim", "compare", "scenarios/baseline.yaml", "scenarios/case_study.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    lines = {line.split("  ")[0]: line for line in out.splitlines()}
    six_months = lines["KPI at 6 months (day 182)"]
    assert "Case study" in out
    assert "Baseline" in out
    cells = [c for c in six_months.split("  ") if c.strip().endswith("%")]
    baseline_pct, case_pct = (float(c.strip().rstrip("%")) for c in cells)
    assert baseline_pct < 80 <= 95 <= case_pct
    # With two files the last column is the change, in percentage points.
    # With two files the last column is the change, in percentage points, with the
    # half-width of its paired 95% interval.
    match = re.search(r"([+-]\d+\.\d) ± (\d+\.\d) pts$", six_months)
    assert match, six_months
    change, half = float(match.group(1)), float(match.group(2))
    assert change == pytest.approx(case_pct - baseline_pct, abs=0.11)
    assert 0 < half < change
    assert re.search(r"reached after \d+\.\d months$", lines["Target first reached"])  # months, as the app gives it


def _refresh_tool() -> Any:
    """tools/refresh_preset_pages.py, which writes the pages these tests read."""
    spec = importlib.util.spec_from_file_location("refresh_preset_pages", ROOT / "tools" / "refresh_preset_pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PAGES = _refresh_tool().PAGES  # docs page -> the presets in its key-number columns, in order


def _documented(page: str) -> dict[str, list[str]]:
    """The 'Key numbers' table of a preset page: row label -> its cells."""
    text = (ROOT / "docs" / "presets" / f"{page}.md").read_text(encoding="utf-8")
    table = text.split("## Key numbers", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) > 1 and not set(cells[1]) <= set("-: "):
            rows[cells[0]] = cells[1:]
    return rows


def _first_number(cell: str) -> float:
    match = re.search(r"-?[\d,]+(?:\.\d+)?", cell)
    assert match, cell
    value = float(match.group().replace(",", ""))
    return value * 1e6 if re.match(r"\s*M\b", cell[match.end() :]) else value


@pytest.mark.parametrize("page", sorted(PAGES))
def test_preset_pages_show_what_the_presets_give(page: str) -> None:
    """The key numbers on each docs/presets page are what the preset gives now (seed 7, 30
    runs), to the precision printed: a change to a preset or the engine must update its page."""
    rows = _documented(page)
    checked = 0
    for column, name in enumerate(PAGES[page]):
        r = _result(name, 7)
        k, s = kpi(name), r.summary
        expected = {
            "mean KPI over days 30–365": (k[30:].mean() * 100, 0.051),
            "mean time to patch": (s["mean_time_to_patch_days"], 0.051),
            "overdue device-days": (s["overdue_device_days"], 1.0),
            "blind-spot devices at day 365": (r.series["blind_spot_devices_mean"].iloc[-1], 0.51),
            "technician backlog at day 365": (s["technician_backlog_end"], 0.51),
            "programme cost": (s["programme_cost"], 1.0),
            "expected breach loss": (s["expected_breach_loss"], 1.0),
            "expected breaches a year": (s["breaches_per_year"], 0.000051),
            **{f"KPI on day {d}": (k[d] * 100, 0.051) for d in (0, 30, 60, 182, 365)},
        }
        for label, (value, tolerance) in expected.items():
            if label in rows:
                assert _first_number(rows[label][column]) == pytest.approx(value, abs=tolerance), (page, name, label)
                checked += 1
    assert checked >= 10 * len(PAGES[page])


def test_baseline_iot_breaches_are_a_few_in_a_thousand_to_a_few_in_ten_a_year() -> None:
    """Published rates (Cyentia IRIS, Verizon DBIR 2025; docs/background/risk.md) put an
    organisation's IoT-origin chance of a significant loss event at a few percent a year at
    most: the baseline's expected breaches stay in 0.002-0.2 a year on every seed, and the
    better presets expect fewer."""
    for seed in (7, 8, 9):
        s = _result("baseline", seed).summary
        assert 0.002 <= s["breaches_per_year"] <= 0.2
        assert 0 < s["breach_probability"] < 1
        assert s["expected_breach_loss_p05"] <= s["expected_breach_loss"] <= s["expected_breach_loss_p95"]
    base = _result("baseline", 7).summary["breaches_per_year"]
    for better in ("global_average", "case_study", "top_quartile"):
        assert _result(better, 7).summary["breaches_per_year"] < base

"""Calibration of the bundled presets against the KPI's reference material.

Each preset runs with its own settings (30 replications, seed 7); the tolerances are the
ones the scenario library promises in docs/presets/.
"""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache

import numpy as np
import pytest
from conftest import ROOT, SCENARIOS

import sim


@cache
def kpi(name: str) -> np.ndarray:
    result = sim.run(sim.load_scenario(SCENARIOS / f"{name}.yaml"))
    return result.series["compliance_mean"].to_numpy()


@cache
def departments(name: str) -> dict[str, float]:
    result = sim.run(sim.load_scenario(SCENARIOS / f"{name}.yaml"))
    return dict(zip(result.by_department["department"], result.by_department["compliance_average"], strict=True))


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


def test_baseline_starts_at_70_percent_and_stays_poor() -> None:
    sc = sim.load_scenario(SCENARIOS / "baseline.yaml")
    assert len(sc.fleet.device_classes) >= 5
    assert len(sc.fleet.departments) >= 3
    k = kpi("baseline")
    assert k[0] == pytest.approx(0.70, abs=0.02)
    assert k.max() < 0.80


def test_case_study_climbs_from_70_to_95_within_six_months_following_onboarding() -> None:
    k = kpi("case_study")
    assert k[0] == pytest.approx(0.70, abs=0.02)
    assert k[30] < 0.90  # not instantly
    assert k[182] >= 0.95
    assert np.argmax(k >= 0.95) > 60  # the climb follows the 120-day onboarding


def test_global_average_sits_at_85_percent() -> None:
    assert kpi("global_average")[30:].mean() == pytest.approx(0.85, abs=0.02)


def test_top_quartile_sits_at_95_percent() -> None:
    assert kpi("top_quartile")[30:].mean() == pytest.approx(0.95, abs=0.015)


def test_automation_without_audits_erodes_and_audits_hold_it() -> None:
    without, with_ = kpi("automation_without_audits"), kpi("automation_with_audits")
    assert without[-1] < without[60] - 0.05  # erodes over the year
    assert with_[-1] >= without[-1] + 0.05
    assert with_[60:].min() > 0.97


def test_no_clear_policy_shows_a_spread_between_departments() -> None:
    avg = departments("no_clear_policy")
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
    assert six_months.endswith(" pts")
    change = float(six_months.split()[-2])
    assert change == pytest.approx(case_pct - baseline_pct, abs=0.11)
    assert "reached on day" in lines["Days to reach the target"]

"""Paired differences (sim/compare.py) and the per-replication summary they are built on."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import modified, one_class

import sim


@pytest.fixture(scope="module")
def pair() -> tuple[sim.Result, sim.Result]:
    base = one_class(
        count=400,
        interval=20,
        cadence="poisson",
        levers={"central_management": {"enrolled_share": 0.3}},
        simulation={"horizon_days": 200, "replications": 12, "seed": 3},
    )
    more = modified(base, levers={"central_management": {"enrolled_share": 0.6}})
    return sim.run(base), sim.run(more)


def test_the_replication_summary_holds_each_replications_own_figures(pair: tuple[sim.Result, sim.Result]) -> None:
    a, _ = pair
    table = a.replication_summary
    assert table.index.name == "replication"
    assert list(table.index) == list(range(12))
    daily = a.per_replication
    np.testing.assert_allclose(table["compliance_end"], daily.iloc[-1])
    np.testing.assert_allclose(table["compliance_average"], daily.iloc[1:].mean())
    np.testing.assert_allclose(table["compliance_at_day_182"], daily.iloc[182])
    assert table["programme_cost"].mean() == pytest.approx(a.summary["programme_cost"])
    assert table["expected_breaches"].mean() == pytest.approx(a.summary["expected_breaches"])
    rows = a.to_dict()["replication_summary"]
    assert len(rows) == 12
    assert rows[3]["replication"] == 3
    assert rows[3]["compliance_end"] == pytest.approx(table.loc[3, "compliance_end"])


def test_the_kpi_interval_is_students_t_over_replications(pair: tuple[sim.Result, sim.Result]) -> None:
    a, _ = pair
    values = a.replication_summary["compliance_average"].to_numpy()
    half = 2.200985 * values.std(ddof=1) / math.sqrt(12)  # t(0.975, 11 degrees of freedom)
    lo, hi = a.summary["compliance_average_ci95"]
    assert lo == pytest.approx(values.mean() - half, rel=1e-6)
    assert hi == pytest.approx(values.mean() + half, rel=1e-6)
    assert lo < a.summary["compliance_average"] < hi


def test_a_paired_difference_is_the_mean_of_differences_with_a_t_interval(
    pair: tuple[sim.Result, sim.Result],
) -> None:
    a, b = pair
    d = sim.paired_difference(a, b, "compliance_average")
    diff = (b.replication_summary["compliance_average"] - a.replication_summary["compliance_average"]).to_numpy()
    assert d.mean == pytest.approx(diff.mean())
    assert d.half_width == pytest.approx(2.200985 * diff.std(ddof=1) / math.sqrt(12), rel=1e-6)
    assert d.replications == 12
    assert d.clear  # twice the enrolment: a clear rise
    assert d.low > 0.05
    # pairing cancels the noise both share: narrower than the two means' own intervals
    own = (a.summary["compliance_average_ci95"][1] - a.summary["compliance_average_ci95"][0]) / 2
    assert d.half_width < own
    day = sim.paired_difference(a, b, "compliance", day=60)
    assert day.metric == "compliance_on_day_60"
    assert day.mean == pytest.approx((b.per_replication.iloc[60] - a.per_replication.iloc[60]).mean())


def test_a_result_against_itself_differs_by_nothing(pair: tuple[sim.Result, sim.Result]) -> None:
    a, _ = pair
    d = sim.paired_difference(a, a, "expected_breaches")
    assert (d.mean, d.low, d.high) == (0.0, 0.0, 0.0)
    assert not d.clear


def test_results_with_different_draws_cannot_be_paired(pair: tuple[sim.Result, sim.Result]) -> None:
    a, _ = pair
    other = sim.run(a.scenario, seed=4)
    with pytest.raises(ValueError, match="same seed and replications"):
        sim.paired_difference(a, other, "compliance_end")
    with pytest.raises(ValueError, match="daily KPI only"):
        sim.paired_difference(a, a, "programme_cost", day=3)


def test_compare_gives_each_change_its_paired_interval(tmp_path, capsys) -> None:
    """`python -m sim compare A B`: the change column carries the 95% half-width where a
    figure has one value per replication, and --json lists the paired differences."""
    import json

    from sim import cli

    base = one_class(count=300, interval=20, cadence="poisson", simulation={"horizon_days": 120, "replications": 8})
    more = modified(base, levers={"central_management": {"enrolled_share": 0.8}})
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    sim.save_scenario(base, a)
    sim.save_scenario(more, b)
    assert cli.main(["compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("KPI averaged over the horizon"))
    ra, rb = sim.run(base), sim.run(more)
    d = sim.paired_difference(ra, rb, "compliance_average")
    assert row.endswith(f"{d.mean * 100:+.1f} ± {d.half_width * 100:.1f} pts")
    assert cli.main(["compare", str(a), str(b), "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    first = data["paired_differences"][0]
    assert first["metric"] == "compliance_average"
    assert first["low"] == pytest.approx(d.low)
    assert first["clear"] is True
    day_182 = next(x for x in data["paired_differences"] if x["metric"] == "compliance_at_day_182")
    assert day_182["mean"] is None  # a 120-day run has no day 182

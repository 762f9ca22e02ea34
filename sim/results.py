"""Results: the KPI and its companions over time, summarised across replications.

Every daily series is kept per replication and reported as the mean with 5th and 95th
percentiles. The headline KPI, ``compliance``, is the share of devices that have
installed every update whose deadline (release day + SLA of its severity) has passed.
The KPI's definitions are in docs/reference/kpi.md.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.model import LEVERS, N_SEV, Record
from sim.risk import DAYS_PER_YEAR, breach_figures
from sim.scenario import SEVERITIES, Scenario

BANDS = (("excellent", 0.95), ("good", 0.80), ("poor", 0.0))
REPLICATION_FIGURES = (
    "compliance_average",
    "compliance_end",
    "compliance_at_day_182",
    "overdue_device_days",
    "programme_cost",
    "expected_breaches",
    "breach_probability",
    "expected_breach_loss",
)
ROLLING_DAYS = 30


def band(compliance: float | None) -> str | None:
    """The KPI band for a compliance share: excellent (≥95%), good (80–94%), poor (<80%)."""
    if compliance is None or not math.isfinite(compliance):
        return None
    for name, floor in BANDS:
        if compliance >= floor - 1e-12:
            return name
    return "poor"


def _stats(per_rep: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, 5th and 95th percentile over replications (axis 1 of a [day, rep] array)."""
    if not np.isnan(per_rep).any():
        lo, hi = np.percentile(per_rep, [5, 95], axis=1)
        return per_rep.mean(axis=1), lo, hi
    with warnings.catch_warnings():  # days with no value in any replication stay NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(per_rep, axis=1)
    lo, hi = (_nan_percentile(per_rep, q) for q in (5, 95))
    return mean, lo, hi


def _nan_percentile(a: np.ndarray, q: float) -> np.ndarray:
    """``np.nanpercentile(a, q, axis=1)`` (linear method, same figures to the last bit),
    computed for all rows at once: numpy's own loops over the rows one by one."""
    ordered = np.sort(a, axis=1)  # NaN sort last
    n = np.count_nonzero(~np.isnan(a), axis=1)
    rows = np.arange(a.shape[0])
    virtual = (n - 1) * (q / 100.0)
    below = np.floor(virtual)
    lo = np.maximum(below, 0).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
    a_lo, a_hi, gamma = ordered[rows, lo], ordered[rows, hi], virtual - below
    diff = a_hi - a_lo
    value = np.where(gamma >= 0.5, a_hi - diff * (1 - gamma), a_lo + diff * gamma)  # numpy's lerp
    return np.where(n > 0, value, np.nan)


def _rolling_sum(x: np.ndarray, days: int) -> np.ndarray:
    c = np.cumsum(x, axis=0)
    out = c.copy()
    out[days:] = c[days:] - c[:-days]
    return out


def _percentile_from_hist(hist: np.ndarray, q: float) -> float | None:
    total = hist.sum()
    if total <= 0:
        return None
    c = np.cumsum(hist)
    i = int(np.searchsorted(c, q * total))
    return float(i + 0.5)


@dataclass
class Result:
    """What one run of a scenario produced.

    ``series`` is a DataFrame indexed by day with ``<metric>_mean``, ``_p05`` and ``_p95``
    columns; ``summary`` holds the headline figures; ``by_class`` and ``by_department``
    break the KPI and time to patch down; ``per_replication`` keeps the raw daily KPI (one
    column ``rep_i`` per replication); ``replication_summary`` has one row per replication
    (index ``replication``) with its own headline figures (``REPLICATION_FIGURES``), from
    which every interval and paired difference is computed (sim/compare.py).
    """

    scenario: Scenario
    replications: int
    seed: int
    series: pd.DataFrame
    summary: dict[str, Any]
    by_class: pd.DataFrame
    by_department: pd.DataFrame
    class_series: pd.DataFrame
    department_series: pd.DataFrame
    per_replication: pd.DataFrame
    replication_summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def horizon_days(self) -> int:
        return self.scenario.simulation.horizon_days

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: scenario name, settings, summary, series as column lists."""
        series = {"day": self.series.index.tolist()}
        for col in self.series.columns:
            series[col] = [_json_number(v) for v in self.series[col].tolist()]
        return {
            "scenario": self.scenario.name,
            "replications": self.replications,
            "seed": self.seed,
            "horizon_days": self.horizon_days,
            "summary": {k: _json_number(v) for k, v in self.summary.items()},
            "series": series,
            "by_class": _records(self.by_class),
            "by_department": _records(self.by_department),
            "replication_summary": _records(self.replication_summary.reset_index()),
        }


def _json_number(v: Any) -> Any:
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return v if math.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    return v


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _json_number(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _breach_summary(risk: Any, horizon: int) -> dict[str, float | None]:
    """The risk figures: means over replications with their 5th-95th percentiles."""
    out: dict[str, float | None] = {}
    for name in ("expected_breaches", "breach_probability", "expected_breach_loss"):
        values = getattr(risk, name)
        out[name] = float(values.mean())
        out[f"{name}_p05"], out[f"{name}_p95"] = (float(v) for v in np.percentile(values, [5, 95]))
    out["breaches_per_year"] = out["expected_breaches"] * DAYS_PER_YEAR / horizon if horizon else None
    return out


def _sustained_from(at_target: np.ndarray) -> int | None:
    """The first day from which ``at_target`` holds every day to the horizon (None if it
    does not hold on the last day)."""
    if at_target.size == 0 or not at_target[-1]:
        return None
    below = np.flatnonzero(~at_target)
    return int(below[-1] + 1) if below.size else 0


def mean_interval(values: np.ndarray, confidence: float = 0.95) -> list[float] | None:
    """``[lo, hi]``: Student's t interval of the mean of ``values`` (replications are
    independent); a single value has no interval (both ends are the value)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    mean = float(values.mean())
    if values.size < 2:
        return [mean, mean]
    from scipy import stats  # loaded on first use: it costs most of `import sim`'s time

    half = float(stats.t.ppf(0.5 + confidence / 2, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size))
    return [mean - half, mean + half]


def summarise(scenario: Scenario, rec: Record, replications: int, seed: int) -> Result:
    """Turn the raw daily record of all replications into a Result."""
    sc = scenario
    classes = [c.name for c in sc.fleet.device_classes]
    depts = [d.name for d in sc.fleet.departments]
    T = rec.compliant_cd.shape[0]
    days = np.arange(T)
    devices_c = np.array([c.count for c in sc.fleet.device_classes], dtype=float)
    n_devices = float(devices_c.sum())
    compliant = rec.compliant_cd.sum(axis=(2, 3)).astype(float)  # (T, R)
    overdue = rec.overdue_sev.sum(axis=2).astype(float)
    size_r = compliant[0] + overdue[0]  # devices per replication (constant over time)
    with np.errstate(invalid="ignore", divide="ignore"):
        compliance = np.where(size_r > 0, compliant / np.maximum(size_r, 1), 1.0)

    due30 = _rolling_sum(rec.due, ROLLING_DAYS)
    on30 = _rolling_sum(rec.on_time, ROLLING_DAYS)
    with np.errstate(invalid="ignore", divide="ignore"):
        on_time_rate = np.where(due30 > 0, on30 / np.where(due30 > 0, due30, 1), np.nan)
        release_ratio = _rolling_sum(rec.released, ROLLING_DAYS) / np.maximum(size_r, 1)

    risk = breach_figures(sc, rec.exposure)
    breaches_cum = np.cumsum(risk.daily_chance, axis=0)  # (T, R)
    cost_cum = np.cumsum(rec.cost, axis=0)  # (T, R, L)
    overdue_days = np.cumsum(np.where(days[:, None] > 0, overdue, 0.0), axis=0)

    with np.errstate(invalid="ignore", divide="ignore"):  # no installs that day: no time to patch
        patch_mean = np.where(rec.patch_day_count > 0, rec.patch_day_sum / np.maximum(rec.patch_day_count, 1), np.nan)

    metrics: dict[str, np.ndarray] = {
        "compliance": compliance,
        "on_time_rate": on_time_rate,
        "release_ratio": release_ratio,
        "overdue_devices": overdue,
        "overdue_device_days": overdue_days,
        "blind_spot_devices": rec.blind.astype(float),
        "broken_devices": rec.broken.astype(float),
        "technician_backlog": rec.backlog.astype(float),
        "technician_utilisation": rec.utilisation,
        "time_to_patch_days": patch_mean,
        "time_to_patch_p90_days": rec.patch_day_p90,
        "enrolled_devices": rec.enrolled.astype(float),
        "expected_breaches": breaches_cum,
        "expected_breach_loss": breaches_cum * sc.costs.breach_cost,
        "open_vulnerabilities": rec.exposure.sum(axis=2),
        "programme_cost": cost_cum.sum(axis=2),
    }
    for i, lever in enumerate(LEVERS):
        metrics[f"cost_{lever}"] = cost_cum[:, :, i]
    for i, s in enumerate(SEVERITIES):
        metrics[f"overdue_{s}"] = rec.overdue_sev[:, :, i].astype(float)
    cols: dict[str, np.ndarray] = {}
    for name, arr in metrics.items():
        mean, lo, hi = _stats(arr)
        cols[f"{name}_mean"], cols[f"{name}_p05"], cols[f"{name}_p95"] = mean, lo, hi
    series = pd.DataFrame(cols, index=pd.Index(days, name="day"))

    comp_mean = cols["compliance_mean"]
    target = sc.kpi.target
    reach = np.flatnonzero(comp_mean >= target - 1e-12)
    hist = rec.ttp_hist.sum(axis=(0, 1))
    ttp_n = rec.ttp_count.sum()
    ttp_mean = float(rec.ttp_sum.sum() / ttp_n) if ttp_n else None
    by_sev_mean = {
        s: (float(rec.ttp_sum[:, i].sum() / rec.ttp_count[:, i].sum()) if rec.ttp_count[:, i].sum() else None)
        for i, s in enumerate(SEVERITIES)
    }
    H = T - 1
    summary: dict[str, Any] = {
        "devices": int(n_devices),
        "compliance_start": float(comp_mean[0]),
        "compliance_end": float(comp_mean[-1]),
        "compliance_at_day_182": float(comp_mean[182]) if H >= 182 else None,
        "compliance_average": float(comp_mean[1:].mean()) if H >= 1 else float(comp_mean[0]),
        "compliance_end_p05": float(cols["compliance_p05"][-1]),
        "compliance_end_p95": float(cols["compliance_p95"][-1]),
        "days_to_target": _sustained_from(comp_mean >= target - 1e-12),
        "first_day_at_target": int(reach[0]) if reach.size else None,
        "band_end": band(float(comp_mean[-1])),
        "mean_time_to_patch_days": ttp_mean,
        "p90_time_to_patch_days": _percentile_from_hist(hist, 0.9),
        **{f"mean_time_to_patch_{s}_days": v for s, v in by_sev_mean.items()},
        "overdue_device_days": float(cols["overdue_device_days_mean"][-1]),
        "blind_spot_devices_end": float(cols["blind_spot_devices_mean"][-1]),
        "devices_broken_by_faulty_releases": float(rec.broken_new[1:].sum(axis=0).mean()),
        "broken_devices_end": float(cols["broken_devices_mean"][-1]),
        "technician_backlog_end": float(cols["technician_backlog_mean"][-1]),
        "programme_cost": float(cols["programme_cost_mean"][-1]),
        **_breach_summary(risk, H),
    }
    rep_table = pd.DataFrame(
        {
            "compliance_average": compliance[1:].mean(axis=0) if H >= 1 else compliance[0],
            "compliance_end": compliance[-1],
            "compliance_at_day_182": compliance[182] if H >= 182 else np.full(compliance.shape[1], np.nan),
            "overdue_device_days": overdue_days[-1],
            "programme_cost": cost_cum[-1].sum(axis=1),
            "expected_breaches": risk.expected_breaches,
            "breach_probability": risk.breach_probability,
            "expected_breach_loss": risk.expected_breach_loss,
        },
        index=pd.Index(np.arange(compliance.shape[1]), name="replication"),  # in run order
    )
    for name in ("compliance_average", "compliance_end", "compliance_at_day_182"):
        summary[f"{name}_ci95"] = mean_interval(rep_table[name].to_numpy()) if summary[name] is not None else None

    # Breakdowns by device class and by department.
    comp_c = rec.compliant_cd.sum(axis=3).astype(float)  # (T, R, C)
    size_c = np.maximum(devices_c, 1)[None, None, :]
    share_c = np.where(devices_c[None, None, :] > 0, comp_c / size_c, np.nan).mean(axis=1)  # (T, C)
    comp_d = rec.compliant_cd.sum(axis=2).astype(float)  # (T, R, D)
    size_d = rec.dept_sizes.astype(float)  # (R, D): the multinomial split varies by replication
    # mean over the replications in which the department has devices (NaN if it never has)
    has = (size_d > 0).sum(axis=0)  # (D,)
    share_rd = np.where(size_d[None] > 0, comp_d / np.maximum(size_d[None], 1), 0.0)
    share_d = np.where(has > 0, share_rd.sum(axis=1) / np.maximum(has, 1), np.nan)

    def ttp(sum_: np.ndarray, cnt: np.ndarray) -> list[float | None]:
        s, n = sum_.sum(axis=0), cnt.sum(axis=0)
        return [float(a / b) if b else None for a, b in zip(s, n, strict=True)]

    by_class = pd.DataFrame(
        {
            "device_class": classes,
            "devices": devices_c.astype(int),
            "compliance_start": share_c[0],
            "compliance_end": share_c[-1],
            "compliance_average": share_c[1:].mean(axis=0) if H >= 1 else share_c[0],
            "mean_time_to_patch_days": ttp(rec.ttp_sum_class, rec.ttp_count_class),
        }
    )
    by_department = pd.DataFrame(
        {
            "department": depts,
            "devices": size_d.mean(axis=0).round().astype(int),
            "compliance_start": share_d[0],
            "compliance_end": share_d[-1],
            "compliance_average": share_d[1:].mean(axis=0) if H >= 1 else share_d[0],
            "mean_time_to_patch_days": ttp(rec.ttp_sum_dept, rec.ttp_count_dept),
        }
    )
    class_series = pd.DataFrame(share_c, columns=classes, index=pd.Index(days, name="day"))
    department_series = pd.DataFrame(share_d, columns=depts, index=pd.Index(days, name="day"))
    per_rep = pd.DataFrame(compliance, index=pd.Index(days, name="day"))
    per_rep.columns = [f"rep_{i}" for i in range(compliance.shape[1])]
    return Result(
        scenario=sc,
        replications=replications,
        seed=seed,
        series=series,
        summary=summary,
        by_class=by_class,
        by_department=by_department,
        class_series=class_series,
        department_series=department_series,
        per_replication=per_rep,
        replication_summary=rep_table,
    )


__all__ = ["BANDS", "N_SEV", "Result", "band", "summarise"]

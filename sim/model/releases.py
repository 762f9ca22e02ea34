"""Vendor security releases: when each device class gets an update and how severe it is.

Each (replication, device class) has its own releases: Poisson (exponential gaps, mean
``release_interval_days``) or fixed (every ``release_interval_days``, with a random
phase); each release's gap and severity are keyed draws (sim/model/draws.py). Releases
start before day 0 so that the fleet's day-0 state has a history: a "legacy" release
sits just far enough back that its deadline has passed for every severity, and devices
that start non-compliant are missing it. Updates are cumulative: release ``k`` of a
class contains every earlier one, so a device's state is the index of the newest release
it has installed.

A share of releases is faulty (``faulty_release_share``): each is followed by the
vendor's fix release ``fix_release_days`` later, with the same severity.

The schedule is drawn before the simulation runs (deadlines must be known to score the
KPI each day); the SimPy release processes then walk it in time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.model.draws import Draws, Mechanism
from sim.scenario import SEVERITIES, Scenario

N_SEV = len(SEVERITIES)
CRITICAL = SEVERITIES.index("critical")


@dataclass
class ReleaseSchedule:
    """Releases of every (replication, class) pair, padded to a common length ``K``.

    Row ``rc = rep * n_classes + class``. Padding has day and deadline ``inf``.
    """

    day: np.ndarray  # (RC, K) release day
    severity: np.ndarray  # (RC, K) index into SEVERITIES (0 = critical), -1 padding
    deadline: np.ndarray  # (RC, K) release day + SLA of its severity
    count: np.ndarray  # (RC,) releases in the row
    history_start: float  # day of the legacy release (negative)
    faulty: np.ndarray  # (RC, K) the release breaks the devices that install it automatically

    @property
    def width(self) -> int:
        return self.day.shape[1]


def history_start_day(scenario: Scenario) -> float:
    """Day of the legacy release: one day before the longest SLA has run out at day 0."""
    sla = scenario.kpi.sla_days
    return -float(max(sla.critical, sla.high, sla.medium, sla.low) + 1.0)


def draw_releases(scenario: Scenario, draws: Draws, replications: Sequence[int]) -> ReleaseSchedule:
    """Draw the release schedule of the given replications (their numbers in the run).

    Release ``k`` of class ``c`` in replication ``r`` is keyed by ``(r, c, k)``: its gap
    after release ``k - 1`` (Poisson cadence) and its severity do not depend on anything
    else, so a replication's schedule is the same however many replications run.
    """
    classes = scenario.fleet.device_classes
    horizon = float(scenario.simulation.horizon_days)
    start = history_start_day(scenario)
    sla = np.array([getattr(scenario.kpi.sla_days, s) for s in SEVERITIES])
    reps = np.asarray(replications, dtype=np.int64)
    n_reps, n_classes = reps.size, len(classes)
    # per class, every replication at once: a row of release days per replication
    per_class: list[list[np.ndarray]] = []
    for c, cls in enumerate(classes):
        row = draws.key(reps, c)  # (R,)
        interval = cls.release_interval_days
        if cls.release_cadence == "fixed":
            phase = draws.uniform(row, Mechanism.RELEASE_PHASE) * interval
            first = phase - np.floor((phase - start) / interval) * interval
            rows = []
            for f in first:
                later = np.arange(f, horizon + 1e-9, interval)
                rows.append(later[later > start])
        else:
            expected = int((horizon - start) / interval * 1.5 + 10 * np.sqrt((horizon - start) / interval) + 10)
            gaps = draws.exponential(row[:, None], Mechanism.RELEASE_GAP, np.arange(1, expected + 1), mean=interval)
            later = start + np.cumsum(gaps, axis=1)
            while n_reps and later[:, -1].min() <= horizon:  # rare: extend the streams, keys continuing
                n = later.shape[1]
                more = draws.exponential(
                    row[:, None], Mechanism.RELEASE_GAP, np.arange(n + 1, n + expected + 1), mean=interval
                )
                later = np.concatenate([later, later[:, -1:] + np.cumsum(more, axis=1)], axis=1)
            rows = [x[x <= horizon] for x in later]
        per_class.append([np.concatenate([[start], x]) for x in rows])
    rows_day = [per_class[c][r] for r in range(n_reps) for c in range(n_classes)]
    width = max((x.size for x in rows_day), default=1)
    # severities: one uniform per (replication, class, release), drawn for the whole table
    row_keys = draws.key(np.repeat(reps, n_classes), np.tile(np.arange(n_classes), n_reps))
    u = draws.uniform(row_keys[:, None], Mechanism.SEVERITY, np.arange(width))  # (RC, width)
    cum = np.array([np.cumsum([getattr(cls.severity_mix, s) for s in SEVERITIES], dtype=float) for cls in classes])
    cum /= cum[:, -1:]
    rc_cum = np.tile(cum, (n_reps, 1))  # (RC, N_SEV)
    sev_all = np.minimum((u[:, :, None] >= rc_cum[:, None, :]).sum(axis=2), len(SEVERITIES) - 1)
    rows_sev = [sev_all[i, : d.size] for i, d in enumerate(rows_day)]
    # Faulty releases, from day 0 on (those before are history): one uniform per
    # (replication, class, release). The vendor replaces each with a fix release
    # ``fix_release_days`` later, of the same severity, which is not faulty.
    share = np.tile(np.array([cls.faulty_release_share for cls in classes], dtype=float), n_reps)
    fix_days = np.tile(np.array([cls.fix_release_days for cls in classes], dtype=float), n_reps)
    u_faulty = draws.uniform(row_keys[:, None], Mechanism.FAULTY, np.arange(width))
    rows_faulty = []
    for i, (d, sv) in enumerate(zip(rows_day, rows_sev, strict=True)):
        bad = (u_faulty[i, : d.size] < share[i]) & (d >= 0)
        fix = d[bad] + fix_days[i]
        keep = fix <= horizon
        if keep.any():
            days_i = np.concatenate([d, fix[keep]])
            order = np.argsort(days_i, kind="stable")
            rows_day[i] = days_i[order]
            rows_sev[i] = np.concatenate([sv, sv[bad][keep]])[order]
            bad = np.concatenate([bad, np.zeros(int(keep.sum()), dtype=bool)])[order]
        rows_faulty.append(bad)
    width = max((x.size for x in rows_day), default=1)
    n = len(rows_day)
    day = np.full((n, width), np.inf)
    severity = np.full((n, width), -1, dtype=np.int8)
    faulty = np.zeros((n, width), dtype=bool)
    count = np.zeros(n, dtype=np.int64)
    for i, (d, sv, f) in enumerate(zip(rows_day, rows_sev, rows_faulty, strict=True)):
        day[i, : d.size] = d
        severity[i, : d.size] = sv
        faulty[i, : d.size] = f
        count[i] = d.size
    deadline = np.where(severity >= 0, day + sla[np.maximum(severity, 0)], np.inf)
    return ReleaseSchedule(
        day=day, severity=severity, deadline=deadline, count=count, history_start=start, faulty=faulty
    )

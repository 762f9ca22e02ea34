"""Vendor security releases: when each device class gets an update and how severe it is.

Each (replication, device class) has its own release stream: Poisson (exponential gaps,
mean ``release_interval_days``) or fixed (every ``release_interval_days``, with a random
phase). Releases start before day 0 so that the fleet's day-0 state has a history: a
"legacy" release sits just far enough back that its deadline has passed for every
severity, and devices that start non-compliant are missing it. Updates are cumulative:
release ``k`` of a class contains every earlier one, so a device's state is the index of
the newest release it has installed.

The schedule is drawn before the simulation runs (deadlines must be known to score the
KPI each day); the SimPy release processes then walk it in time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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

    @property
    def width(self) -> int:
        return self.day.shape[1]


def history_start_day(scenario: Scenario) -> float:
    """Day of the legacy release: one day before the longest SLA has run out at day 0."""
    sla = scenario.kpi.sla_days
    return -float(max(sla.critical, sla.high, sla.medium, sla.low) + 1.0)


def draw_releases(scenario: Scenario, rngs: list[np.random.Generator]) -> ReleaseSchedule:
    """Draw the release schedule; ``rngs`` holds one generator per replication."""
    classes = scenario.fleet.device_classes
    horizon = float(scenario.simulation.horizon_days)
    start = history_start_day(scenario)
    sla = np.array([getattr(scenario.kpi.sla_days, s) for s in SEVERITIES])
    rows_day: list[np.ndarray] = []
    rows_sev: list[np.ndarray] = []
    for rng in rngs:
        for cls in classes:
            interval = cls.release_interval_days
            if cls.release_cadence == "fixed":
                phase = rng.random() * interval
                first = phase - np.floor((phase - start) / interval) * interval
                later = np.arange(first, horizon + 1e-9, interval)
                later = later[later > start]
            else:
                expected = int((horizon - start) / interval * 1.5 + 10 * np.sqrt((horizon - start) / interval) + 10)
                gaps = rng.exponential(interval, size=expected)
                later = start + np.cumsum(gaps)
                while later[-1] <= horizon:  # rare: extend the stream
                    more = later[-1] + np.cumsum(rng.exponential(interval, size=expected))
                    later = np.concatenate([later, more])
                later = later[later <= horizon]
            days = np.concatenate([[start], later])
            mix = np.array([getattr(cls.severity_mix, s) for s in SEVERITIES], dtype=float)
            mix = mix / mix.sum()
            sev = rng.choice(len(SEVERITIES), size=days.size, p=mix)
            rows_day.append(days)
            rows_sev.append(sev)
    width = max(r.size for r in rows_day)
    n = len(rows_day)
    day = np.full((n, width), np.inf)
    severity = np.full((n, width), -1, dtype=np.int8)
    count = np.zeros(n, dtype=np.int64)
    for i, (d, s) in enumerate(zip(rows_day, rows_sev, strict=True)):
        day[i, : d.size] = d
        severity[i, : d.size] = s
        count[i] = d.size
    deadline = np.where(severity >= 0, day + sla[np.maximum(severity, 0)], np.inf)
    return ReleaseSchedule(day=day, severity=severity, deadline=deadline, count=count, history_start=start)

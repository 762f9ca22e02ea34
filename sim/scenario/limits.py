"""Run-size limits: what a run may ask of the machine, and the checks that refuse more.

Each limit is explained in docs/reference/limits.md; ``expected_work`` estimates a run's
cost by the setting that drives it, and ``check_limits`` refuses a run over any limit
with a message naming the field to change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.scenario.messages import FieldProblem, _cut, _printable

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

# Limits that protect the machine (docs/reference/limits.md explains each).
MAX_FILE_BYTES = 1_000_000
MAX_DEVICES = 1_000_000  # admits the engine's 1,000,000-device benchmark
MAX_HORIZON_DAYS = 3650
MAX_REPLICATIONS = 1000
MAX_DEVICE_REPLICATIONS = 2_000_000  # devices x replications held in memory at once
MAX_DEVICE_DAYS = 400_000_000  # devices x replications x days simulated per request
MAX_RECORD_CELLS = 20_000_000  # days x replications x classes x departments kept in the daily record
MAX_RELEASE_APPROVALS = 250_000  # replications x departments x releases, each an event handled one by one
MAX_QUEUE_WORK = 20_000_000_000  # release approvals x replications x days: technician-queue bookkeeping
MAX_WORK = 600_000_000  # device-days of work a run may cost (expected_work; 10-15 s of one core, measured here)
WORK_PER_RELEASE = 6  # one device's share of one release (approval, waves, attempts) costs about 6 device-days
WORK_PER_APPROVAL = 900  # one department's approval of one release, an event of its own, costs about 900
SHARE_TOLERANCE = 0.01
MAX_NESTING = 32  # levels of nested mappings/lists in a file (a scenario uses 5)
MAX_NUMBER_DIGITS = 100  # a whole number in a file has at most this many digits
MAX_FILE_NAME_STEM = 64  # characters before ".yaml" in a file name made from user text
MAX_NODES = 20_000  # values, lists and mappings in a file (the largest valid scenario has about 1,500)
MIN_AUDIT_INTERVAL_DAYS = 1.0  # audits at most daily: the model's clock has a day's resolution
MIN_REFRESHER_INTERVAL_DAYS = 1.0  # refresher sessions at most daily (the app's slider steps by a day)
MIN_HALF_LIFE_DAYS = 1.0  # a training effect that halves in under a day is no effect at daily resolution
MIN_CHECKIN_DAYS = 1 / 1440  # devices check in at most once a minute
MIN_SLA_DAYS = 1.0  # a designated timeframe shorter than a day cannot be told apart at daily resolution


def expected_release_approvals(scenario: Scenario, replications: int) -> float:
    """Release approvals a run handles one at a time: every release of every device class,
    from the legacy release before day 0 to the horizon, per department and replication."""
    releases = sum(_releases_per_class(scenario))
    return replications * len(scenario.fleet.departments) * releases


def _releases_per_class(scenario: Scenario) -> list[float]:
    """Releases each device class is expected to get, from the legacy release before day 0
    to the horizon (the schedule starts early so the day-0 state has a history)."""
    sla = scenario.kpi.sla_days
    span = scenario.simulation.horizon_days + max(sla.critical, sla.high, sla.medium, sla.low) + 1
    return [span / c.release_interval_days + 1 for c in scenario.fleet.device_classes]


def _cadence_path(index: int) -> str:
    return f"fleet.device_classes[{index}].release_interval_days"


def expected_work(scenario: Scenario, replications: int) -> dict[str, float]:
    """What a run is expected to cost, in device-day equivalents, by the setting that drives it.

    A run's time is, to within a factor of about two, the sum of four kinds of work, each
    measured on this machine with every lever at its most expensive (docs/reference/limits.md):
    the daily step of every device (devices x replications x days, keyed to
    ``simulation.horizon_days``), each audit round's check of every device (keyed to
    ``levers.audits.interval_days``) and each release's handling for every device of its class
    (approval, rollout waves, install attempts: ``WORK_PER_RELEASE`` device-days per device and
    release, keyed to that class's ``release_interval_days``), plus each department's approval of
    each release, an event handled on its own (``WORK_PER_APPROVAL``, keyed to
    ``fleet.departments``). Technicians' work scales with the tickets queued, at most one per
    device a day, so it is inside the daily step.
    """
    devices = scenario.fleet.device_count
    days = scenario.simulation.horizon_days + 1
    work: dict[str, float] = {}  # the daily step goes last, so a lever that ties with it is named
    audits = scenario.levers.audits.interval_days
    if audits > 0:
        work["levers.audits.interval_days"] = float(devices) * replications * (days / audits)
    for i, (cls, releases) in enumerate(zip(scenario.fleet.device_classes, _releases_per_class(scenario), strict=True)):
        work[_cadence_path(i)] = float(cls.count) * replications * releases * WORK_PER_RELEASE
    work["fleet.departments"] = expected_release_approvals(scenario, replications) * WORK_PER_APPROVAL
    work["simulation.horizon_days"] = float(devices) * replications * days
    return work


_WORK_ADVICE = {
    "simulation.horizon_days": "shorten it, or lower simulation.replications or the fleet size",
    "levers.audits.interval_days": "audit less often, or lower simulation.replications",
    "fleet.departments": "each approves every release; use fewer, or lower simulation.replications",
}


def _check_work(scenario: Scenario, replications: int) -> None:
    work = expected_work(scenario, replications)
    total = sum(work.values())
    if total <= MAX_WORK:
        return
    driver = max(work, key=work.__getitem__)
    advice = dict(_WORK_ADVICE)
    for i, cls in enumerate(scenario.fleet.device_classes):
        advice[_cadence_path(i)] = (
            f"{cls.count:,} {_printable(_cut(cls.name, 30))} get a release every "
            f"{cls.release_interval_days:g} day(s); raise it, or lower simulation.replications"
        )
    raise FieldProblem(
        driver,
        f"the run would cost about {total / 1e6:,.0f} million device-days of work, over the limit of "
        f"{MAX_WORK / 1e6:,.0f} million (about 15 s of computing); {work[driver] / total:.0%} comes from "
        f"this setting: {advice[driver]}",
    )


def check_limits(scenario: Scenario, replications: int) -> None:
    """Refuse a request whose size would exhaust memory or hold the machine for minutes.

    Raises ``FieldProblem`` (a ValueError) whose message says which limit was hit, why it
    exists and what to lower; docs/reference/limits.md lists them all.
    """
    path = "simulation.replications"
    if replications > MAX_REPLICATIONS:
        raise FieldProblem(
            path,
            f"{replications:,} replications exceeds the limit of {MAX_REPLICATIONS:,} "
            "(more adds run time but no useful precision)",
        )
    devices = scenario.fleet.device_count
    days = scenario.simulation.horizon_days + 1
    held = devices * replications
    if held > MAX_DEVICE_REPLICATIONS:
        raise FieldProblem(
            path,
            f"devices x replications = {held:,} exceeds the limit of {MAX_DEVICE_REPLICATIONS:,} "
            "(every device of every replication is simulated; it bounds the run's time and memory); "
            "lower simulation.replications or the fleet size",
        )
    work = held * days
    if work > MAX_DEVICE_DAYS:
        raise FieldProblem(
            path,
            f"devices x replications x days = {work:,} exceeds the limit of {MAX_DEVICE_DAYS:,} "
            "(about a minute of computing); shorten simulation.horizon_days or lower replications",
        )
    cells = days * replications * len(scenario.fleet.device_classes) * len(scenario.fleet.departments)
    if cells > MAX_RECORD_CELLS:
        raise FieldProblem(
            path,
            f"days x replications x device classes x departments = {cells:,} exceeds the limit of "
            f"{MAX_RECORD_CELLS:,} (the daily record kept in memory); lower simulation.replications, "
            "shorten simulation.horizon_days or use fewer classes or departments",
        )
    approvals = expected_release_approvals(scenario, replications)
    if approvals > MAX_RELEASE_APPROVALS:
        raise FieldProblem(
            path,
            f"replications x departments x releases = about {approvals:,.0f} release approvals, over the "
            f"limit of {MAX_RELEASE_APPROVALS:,} (each is handled one at a time, so more holds the machine "
            "for minutes); lower simulation.replications, use fewer departments or raise "
            "release_interval_days",
        )
    queue = approvals * replications * (days + 1)
    if queue > MAX_QUEUE_WORK:
        raise FieldProblem(
            path,
            f"release approvals x replications x days = about {queue:,.0f}, over the limit of "
            f"{MAX_QUEUE_WORK:,} (the technicians' queue is updated for every replication at each "
            "approval, so more holds the machine for minutes); lower simulation.replications",
        )
    _check_work(scenario, replications)


def max_replications(scenario: Scenario) -> int:
    """The most replications ``check_limits`` admits for this scenario (0 if not even one).

    Every run-size limit grows with the number of replications, so a bisection finds it.
    """
    lo, hi = 0, MAX_REPLICATIONS
    while lo < hi:
        mid = (lo + hi + 1) // 2
        try:
            check_limits(scenario, mid)
        except ValueError:
            hi = mid - 1
        else:
            lo = mid
    return lo


# Why the upper bounds that protect the machine exist, by field (list indices left out).
LIMIT_REASONS: dict[tuple[str, ...], str] = {
    ("fleet", "device_classes", "count"): (
        f"the fleet limit is {MAX_DEVICES:,} devices; it keeps one request from exhausting the machine's memory"
    ),
    ("simulation", "horizon_days"): (
        f"the horizon limit is {MAX_HORIZON_DAYS:,} days (ten years); longer runs hold the machine for minutes"
    ),
    ("simulation", "replications"): (
        f"the limit is {MAX_REPLICATIONS:,} replications; more adds run time but no useful precision"
    ),
}

"""The SimPy model: releases, approvals, rollout waves, automation, technicians, audits.

Device state lives in numpy arrays, one entry per device of every replication in the
batch (replications are simply more devices, so every daily step is one vectorised
operation). SimPy processes stand for the things that happen at points in time:

* one release process per (replication, device class) walks the release schedule; at
  each release it draws each department's approval delay and queues the approval and
  the staged rollout waves;
* the day process, at the end of every day, applies what fell due during the day:
  approvals (which open technician tickets for devices not under central management),
  rollout waves (offering the update to enrolled devices), enrolment, automated install
  attempts with their failures and retries, staff switching off auto-update (drift),
  reports through the reporting channel, and the technicians' work day; then it records
  the day's KPI;
* the audit process examines the fleet every ``audits.interval_days``.

Devices are laid out contiguously by (replication, class, department, wave), so a
rollout wave or an approval touches a slice, not a scattered index.

Mechanisms are described in plain words in docs/background/model.md.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import simpy

from sim.releases import ReleaseSchedule, draw_releases
from sim.scenario import SEVERITIES, Scenario
from sim.tickets import TicketQueue
from sim.training import DAYS_PER_MONTH, cumulative_hazard, training_effect, training_sessions

LEVERS = ("central_management", "audits", "reporting_channel", "training", "technicians")
N_SEV = len(SEVERITIES)
CRITICAL = SEVERITIES.index("critical")
_NORMAL = NormalDist()
TTP_BUFFER_INSTALLS = 200_000  # installs held (about 6 MB) before time to patch is tallied, at a day's end


class Interrupted(Exception):
    """Raised through ``run`` when a progress callback asks to stop."""


@dataclass
class Streams:
    """Independent random streams, one per mechanism, so that a change to one lever
    leaves the draws of every other mechanism untouched (common random numbers)."""

    approvals: np.random.Generator
    checkin: np.random.Generator
    outcomes: np.random.Generator
    manual: np.random.Generator
    audits: np.random.Generator
    hazards: np.random.Generator

    @classmethod
    def from_seed(cls, seq: np.random.SeedSequence) -> Streams:
        kids = seq.spawn(6)
        return cls(*(np.random.default_rng(k) for k in kids))


@dataclass
class Record:
    """Daily observations of one batch: arrays indexed [day, replication, ...]."""

    compliant_cd: np.ndarray  # (T, R, C, D) compliant devices
    overdue_sev: np.ndarray  # (T, R, N_SEV) non-compliant devices by worst overdue severity
    blind: np.ndarray  # (T, R) devices silently broken or with auto-update off, not yet found
    backlog: np.ndarray  # (T, R) open technician tickets
    utilisation: np.ndarray  # (T, R) share of technician hours used
    enrolled: np.ndarray  # (T, R) enrolled devices
    due: np.ndarray  # (T, R) device-updates whose deadline fell that day
    on_time: np.ndarray  # (T, R) ... of which installed by the deadline
    released: np.ndarray  # (T, R) device-updates released that day
    cost: np.ndarray  # (T, R, len(LEVERS)) spending that day by lever
    patch_day_sum: np.ndarray  # (T, R) days from release to install, summed over updates installed that day
    patch_day_count: np.ndarray  # (T, R) ... how many were installed that day
    patch_day_p90: np.ndarray  # (T, R) ... their 90th percentile (nearest rank; NaN on a day without installs)
    dept_sizes: np.ndarray = field(default=None)  # type: ignore[assignment]  # (R, D) devices
    ttp_sum: np.ndarray = field(default=None)  # type: ignore[assignment]
    ttp_count: np.ndarray = field(default=None)  # type: ignore[assignment]
    ttp_hist: np.ndarray = field(default=None)  # type: ignore[assignment]
    ttp_sum_class: np.ndarray = field(default=None)  # type: ignore[assignment]
    ttp_count_class: np.ndarray = field(default=None)  # type: ignore[assignment]
    ttp_sum_dept: np.ndarray = field(default=None)  # type: ignore[assignment]
    ttp_count_dept: np.ndarray = field(default=None)  # type: ignore[assignment]


class FleetModel:
    """One batch of replications of a scenario, simulated together."""

    def __init__(
        self,
        scenario: Scenario,
        reps: int,
        rep_seeds: list[np.random.SeedSequence],
        streams: Streams,
    ) -> None:
        self.sc = scenario
        self.R = reps
        self.H = scenario.simulation.horizon_days
        self.T = self.H + 1
        classes = scenario.fleet.device_classes
        depts = scenario.fleet.departments
        cm = scenario.levers.central_management
        self.C, self.D, self.W = len(classes), len(depts), len(cm.waves)
        self.rng = streams
        fleet_rngs = [np.random.default_rng(s.spawn(2)[0]) for s in rep_seeds]
        release_rngs = [np.random.default_rng(s.spawn(2)[1]) for s in rep_seeds]
        self.rel: ReleaseSchedule = draw_releases(scenario, release_rngs)
        self.K = self.rel.width
        self._layout(fleet_rngs)
        self._hazards()
        self._calendar()
        self.rec = self._new_record()
        self.env = simpy.Environment()
        self._queue: list[tuple[float, int, str, int, int]] = []
        self._counter = itertools.count()
        self._ttp_rows: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._ttp_buffered = 0
        self.progress: Callable[[float], None] | None = None
        self._table_time = np.inf  # the state table is built on first use

    # ------------------------------------------------------------------ set-up

    def _layout(self, fleet_rngs: list[np.random.Generator]) -> None:
        sc, R, C, D, W = self.sc, self.R, self.C, self.D, self.W
        classes = sc.fleet.device_classes
        dept_share = np.array([d.share for d in sc.fleet.departments], dtype=float)
        dept_share /= dept_share.sum()
        wave_share = np.array(sc.levers.central_management.waves, dtype=float)
        wave_share /= wave_share.sum()
        sizes = np.zeros((R, C, D, W), dtype=np.int64)
        for r, rng in enumerate(fleet_rngs):
            for c, cls in enumerate(classes):
                per_dept = rng.multinomial(cls.count, dept_share)
                for d in range(D):
                    sizes[r, c, d] = rng.multinomial(per_dept[d], wave_share)
        self.group_sizes = sizes.reshape(-1)
        self.group_start = np.concatenate([[0], np.cumsum(self.group_sizes)])
        self.N = int(sizes[0].sum()) if R else 0  # devices per replication
        M = int(self.group_start[-1])
        self.M = M
        g = np.repeat(np.arange(self.group_sizes.size), self.group_sizes)
        self.rep = (g // (C * D * W)).astype(np.int32)
        self.cls = ((g // (D * W)) % C).astype(np.int32)
        self.dept = ((g // W) % D).astype(np.int32)
        self.rc = (self.rep * C + self.cls).astype(np.int32)
        self.rcd = (self.rc * D + self.dept).astype(np.int32)
        self.rcd_start = self.group_start[::W]
        self.rc_start = self.group_start[:: D * W]
        self.rep_start = self.group_start[:: C * D * W]

        # Per-device draws, one uniform each, made per replication so a replication's fleet
        # does not depend on how many replications run beside it.
        u = np.empty((M, 3))
        for r, rng in enumerate(fleet_rngs):
            lo, hi = self.rep_start[r], self.rep_start[r + 1]
            u[lo:hi] = rng.random((hi - lo, 3))
        u_ota, u_enrol, u_init = u[:, 0], u[:, 1], u[:, 2]

        ota = np.array([c.ota_capable for c in classes])[self.cls]
        self.fail_rate = np.array([c.install_failure_rate for c in classes])
        self.silent_share = np.array([c.silent_failure_share for c in classes])
        self.minutes = np.array([c.manual_minutes for c in classes], dtype=float)
        cm = sc.levers.central_management
        self.checkin = cm.checkin_days
        enrol_u = np.where(u_ota < ota, u_enrol, np.inf)
        share = cm.enrolled_share
        if share > 0:
            # device i is on board at onboarding_days * u_i / share if u_i < share; dividing only
            # there keeps a vanishingly small share from overflowing in the devices never enrolled
            enrolled = enrol_u < share
            self.enrol_time = np.divide(
                cm.onboarding_days * np.where(enrolled, enrol_u, 0.0), share, out=np.full(M, np.inf), where=enrolled
            )
        else:
            self.enrol_time = np.full(M, np.inf)
        # devices in the order they come on board, and how many of them already have
        self.enrol_order = np.argsort(self.enrol_time, kind="stable")
        self.enrol_sorted = self.enrol_time[self.enrol_order]
        self.n_on_board = 0
        self.group_of = g.astype(np.int32)
        self.group_enrolled = np.zeros(self.group_sizes.size, dtype=np.int64)
        self.enrolled_per_rep = np.zeros(R, dtype=np.int64)

        # Day-0 state: compliant devices have every release whose deadline has passed; the
        # others miss at least the newest of those. Releases out before day 0 whose deadline
        # is still ahead are work in progress for everyone (approved, not yet installed).
        before = self.rel.day < 0  # (RC, K)
        last_before = before.sum(axis=1) - 1  # index of the newest pre-day-0 release
        overdue0 = np.where(self.rel.deadline <= 0, np.arange(self.K)[None, :], -1).max(axis=1)
        compliant0 = u_init < sc.fleet.initial_compliance
        self.installed = np.where(compliant0, overdue0[self.rc], overdue0[self.rc] - 1).astype(np.int32)
        self.believed = self.installed.copy()
        self.offered = self.installed.copy()
        self.enrolled = np.zeros(M, dtype=bool)
        self.enrolled_idx = np.empty(0, dtype=np.int64)  # the enrolled devices, in order
        self.disabled = np.zeros(M, dtype=bool)
        self.stuck = np.zeros(M, dtype=bool)
        self.botched = np.zeros(M, dtype=bool)
        self.next_attempt = np.full(M, np.inf)
        self.retries_left = np.full(M, cm.retries, dtype=np.int16)
        self.drift_threshold = np.full(M, np.inf)
        self.report_threshold = np.full(M, np.inf)
        self.approved = np.repeat(last_before, D).astype(np.int32)  # (RCD,)
        # How many devices of each (replication, class, department) sit at each installed
        # release: the KPI is read from this small table, not from every device each day.
        n_rcd = R * C * D
        self.level_base = self.rcd.astype(np.int64) * (self.K + 1) + 1
        self.levels = np.bincount(self.level_base + self.installed, minlength=n_rcd * (self.K + 1))
        self.levels = self.levels.reshape(n_rcd, self.K + 1)
        self.rc_of_rcd = np.arange(n_rcd) // D
        self.queue = TicketQueue(self.rep.astype(np.int64), self.minutes[self.cls], R)
        self.ticket = self.queue.open  # read-only view: devices with an open ticket
        self.budget = sc.levers.technicians.count * sc.levers.technicians.hours_per_day * 60.0

    def _hazards(self) -> None:
        sc = self.sc
        days = np.arange(self.H + 1) + 0.5
        self.effect_mid = training_effect(days, sc.levers.training)
        drift = sc.human_factors.disable_rate_per_month / DAYS_PER_MONTH * (1 - self.effect_mid)
        self.H_drift = cumulative_hazard(drift)
        rc = sc.levers.reporting_channel
        report = rc.report_rate_per_day * (1 + self.effect_mid) if rc.enabled else np.zeros_like(days)
        self.H_report = cumulative_hazard(report)

    def _calendar(self) -> None:
        """Which deadlines and releases fall in each day, and the training bill per day."""
        rel = self.rel
        rows, ks = np.nonzero(np.isfinite(rel.deadline) & (rel.day >= 0))
        dday = np.ceil(rel.deadline[rows, ks]).astype(np.int64)
        inside = dday <= self.H
        self.deadlines_on: dict[int, list[tuple[int, int]]] = {}
        for rc, k, d in zip(rows[inside], ks[inside], dday[inside], strict=True):
            self.deadlines_on.setdefault(int(d), []).append((int(rc), int(k)))
        rday = np.ceil(rel.day[rows, ks]).astype(np.int64)
        rc_size = np.diff(self.rc_start)
        self.released_on = np.zeros((self.T, self.R))
        np.add.at(self.released_on, (np.maximum(rday, 1), rows // self.C), rc_size[rows])
        self.released_on[0] = 0
        tr, costs = self.sc.levers.training, self.sc.costs
        share0, refreshers = training_sessions(self.H, tr)
        self.training_bill = np.zeros(self.T)
        if share0 > 0:
            people = costs.staff * share0 * costs.training_per_person
            t = np.arange(self.T, dtype=float)
            lo, hi = tr.start_day, tr.start_day + max(tr.ramp_days, 1.0)
            self.training_bill += people * np.clip(np.minimum(t + 1, hi) - np.maximum(t, lo), 0, None) / (hi - lo)
            for d in refreshers:
                self.training_bill[int(d)] += people

    def _new_record(self) -> Record:
        T, R, C, D = self.T, self.R, self.C, self.D
        z = lambda *s, dt=np.float64: np.zeros(s, dtype=dt)  # noqa: E731
        rec = Record(
            compliant_cd=z(T, R, C, D, dt=np.int64),
            overdue_sev=z(T, R, N_SEV, dt=np.int64),
            blind=z(T, R, dt=np.int64),
            backlog=z(T, R, dt=np.int64),
            utilisation=z(T, R),
            enrolled=z(T, R, dt=np.int64),
            due=z(T, R),
            on_time=z(T, R),
            released=z(T, R),
            cost=z(T, R, len(LEVERS)),
            patch_day_sum=z(T, R),
            patch_day_count=z(T, R),
            patch_day_p90=np.full((T, R), np.nan),
        )
        self.ttp_bins = int(self.H - self.rel.history_start + 2)
        rec.dept_sizes = self.group_sizes.reshape(R, C, D, self.W).sum(axis=(1, 3))
        rec.ttp_sum = z(R, N_SEV)
        rec.ttp_count = z(R, N_SEV)
        rec.ttp_hist = z(R, N_SEV, self.ttp_bins)
        rec.ttp_sum_class = z(R, C)
        rec.ttp_count_class = z(R, C)
        rec.ttp_sum_dept = z(R, D)
        rec.ttp_count_dept = z(R, D)
        return rec

    # ------------------------------------------------------------------ running

    def run(self) -> Record:
        env = self.env
        # Devices known to be behind on day 0 are the technicians' starting backlog, except
        # those that central management takes over on day 0.
        behind = np.flatnonzero((self.installed < self.approved[self.rcd]) & (self.enrol_time > 0))
        self._open_tickets(behind, 0, np.zeros(behind.size, dtype=bool))
        for rc in range(self.R * self.C):
            env.process(self._release_process(rc))
        if self.sc.levers.audits.interval_days > 0:
            env.process(self._audit_process())
        env.process(self._day_process())
        env.run(until=self.H + 0.5)
        self._flush_ttp()
        return self.rec

    def _release_process(self, rc: int):
        """Walk one class's release schedule: approve per department, then stage waves."""
        env, sc = self.env, self.sc
        policy = sc.levers.update_policy
        cm = sc.levers.central_management
        clarity = policy.clarity
        cv = 1.0 - clarity  # spread of approval delays grows as the policy gets vaguer
        means = [
            clarity * policy.approval_delay_days + (1 - clarity) * d.approval_delay_days for d in sc.fleet.departments
        ]
        days, sevs, n = self.rel.day[rc], self.rel.severity[rc], int(self.rel.count[rc])
        for k in range(n):
            if days[k] < 0:
                continue
            yield env.timeout(days[k] - env.now)
            urgent = policy.prioritize_critical and sevs[k] == CRITICAL
            draws = self.rng.approvals.random(self.D)  # one draw per department, always
            for d in range(self.D):
                mean = 0.0 if urgent else means[d]
                if mean > 0 and cv > 0:
                    shape = 1.0 / cv**2
                    delay = float(_gamma_ppf(draws[d], shape, mean / shape))
                else:
                    delay = mean
                approve_at = env.now + delay
                rcd = rc * self.D + d
                self._push(approve_at, "approve", rcd, k)
                for w in range(self.W):
                    self._push(approve_at + w * cm.wave_gap_days, "wave", rcd * self.W + w, k)

    def _push(self, when: float, kind: str, group: int, seq: int) -> None:
        heapq.heappush(self._queue, (when, next(self._counter), kind, group, seq))

    def _audit_process(self):
        interval = self.sc.levers.audits.interval_days
        while True:
            yield self.env.timeout(interval)
            self._audit(self.env.now)

    def _day_process(self):
        for t in range(self.T):
            if t > 0:
                yield self.env.timeout(t - self.env.now)
            self._due_rollouts(t)
            self._enrol(t)
            self._attempts(t)
            self._drift(t)
            self._reports(t)
            self._workday(t)
            self._record(t)
            if self._ttp_buffered > TTP_BUFFER_INSTALLS:  # at a day's end, so a day's installs are tallied together
                self._flush_ttp()
            if self.progress is not None and t % 16 == 0:
                self.progress(t / self.H if self.H else 1.0)

    # ------------------------------------------------------------------ mechanisms

    def _due_rollouts(self, t: int) -> None:
        """Approvals and waves that fell due by the end of day ``t``.

        The day's events are applied together: each approval or wave touches its own slice
        of devices, so one vectorised step over the slices laid end to end does what one
        step per event would, with the random draws in the same order. A day on which one
        wave group comes due twice (two releases of a class close together) is cut in two
        there, because the second event must see what the first did.
        """
        q = self._queue
        approvals: list[tuple[int, int]] = []
        waves: list[tuple[float, int, int]] = []
        while q and q[0][0] <= t:
            when, _, kind, group, seq = heapq.heappop(q)
            if kind == "approve":
                approvals.append((group, seq))
            elif self.group_enrolled[group]:
                waves.append((when, group, seq))
        if approvals:
            self._approve(np.array(approvals, dtype=np.int64), t)
        if not waves:
            return
        run_start, seen = 0, set()
        for i, (_, group, _) in enumerate(waves):  # cut where a group comes due again
            if group in seen:
                self._offer(np.array(waves[run_start:i]))
                run_start, seen = i, set()
            seen.add(group)
        self._offer(np.array(waves[run_start:]))

    def _approve(self, ev: np.ndarray, t: int) -> None:
        """Approvals (rows of department group, release), in the order they fell due: devices
        outside central management that are behind get a technician ticket."""
        ev = ev[np.argsort(ev[:, 0] // (self.C * self.D), kind="stable")]  # by replication, in order
        groups, seqs = ev[:, 0], ev[:, 1]
        np.maximum.at(self.approved, groups, seqs.astype(self.approved.dtype))
        idx, pos = _ranges(self.rcd_start[groups], self.rcd_start[groups + 1])
        if not idx.size:
            return
        seq = seqs[pos]
        need = ~self.enrolled[idx] & (self.believed[idx] < seq)  # an open ticket may move up
        if need.any():
            critical = self.rel.severity[groups // self.D, seqs] == CRITICAL
            distinct = np.unique(groups).size == groups.size  # then no device is listed twice
            self._open_tickets(idx[need], t, critical[pos[need]], distinct=distinct)

    def _offer(self, ev: np.ndarray) -> None:
        """Rollout waves (rows of time, wave group, release; each group once): enrolled
        devices are offered the release and those ready to install get their next check-in."""
        when, groups, seqs = ev[:, 0], ev[:, 1].astype(np.int64), ev[:, 2].astype(np.int64)
        idx, pos = _ranges(self.group_start[groups], self.group_start[groups + 1])
        if not idx.size:
            return
        enrolled = self.enrolled[idx]
        offered = np.where(enrolled, np.maximum(self.offered[idx], seqs[pos]), self.offered[idx])
        self.offered[idx] = offered
        ready = enrolled & ~self.disabled[idx] & ~self.stuck[idx] & np.isinf(self.next_attempt[idx])
        ready &= offered > self.installed[idx]
        go = idx[ready]
        if go.size:
            self.next_attempt[go] = when[pos[ready]] + self.rng.checkin.exponential(self.checkin, go.size)
            self.retries_left[go] = self.sc.levers.central_management.retries

    def _enrol(self, t: int) -> None:
        end = int(np.searchsorted(self.enrol_sorted, t, side="right"))
        if end == self.n_on_board:
            return
        new = np.sort(self.enrol_order[self.n_on_board : end])  # in device order, as drawn
        self.n_on_board = end
        self.enrolled[new] = True
        self.enrolled_idx = np.flatnonzero(self.enrolled)
        self.enrolled_per_rep += np.bincount(self.rep[new], minlength=self.R)
        self.group_enrolled += np.bincount(self.group_of[new], minlength=self.group_enrolled.size)
        self.offered[new] = np.maximum(self.offered[new], self.approved[self.rcd[new]])
        self.drift_threshold[new] = self.H_drift[t] + self.rng.hazards.exponential(1.0, new.size)
        go = new[self.offered[new] > self.installed[new]]
        if go.size:
            self.next_attempt[go] = self.enrol_time[go] + self.rng.checkin.exponential(self.checkin, go.size)

    def _attempts(self, t: int) -> None:
        """Automated install attempts due by the end of day ``t``, with retries."""
        if not self.enrolled_per_rep.any():  # attempts are only ever scheduled for enrolled devices
            return
        due = self._enrolled_at_most(self.next_attempt, t)
        retries = self.sc.levers.central_management.retries
        while due.size:
            when = self.next_attempt[due]
            self.next_attempt[due] = np.inf
            ok = self.enrolled[due] & ~self.disabled[due] & ~self.stuck[due] & (self.offered[due] > self.installed[due])
            due, when = due[ok], when[ok]
            if not due.size:
                break
            u = self.rng.outcomes.random(due.size)
            cls = self.cls[due]
            fail = u < self.fail_rate[cls]
            silent = u < self.fail_rate[cls] * self.silent_share[cls]
            success = due[~fail]
            if success.size:
                self._install(success, self.offered[success], when[~fail])
                self.retries_left[success] = retries
                self._close_tickets(success[self.ticket[success]])
            quiet = due[silent]
            if quiet.size:
                self.stuck[quiet] = True
                self.believed[quiet] = np.maximum(self.believed[quiet], self.offered[quiet])
                self._new_blind(quiet, t)
            loud = fail & ~silent
            again = due[loud]
            again_when = when[loud]
            retry = self.retries_left[again] > 0
            give_up = again[~retry]
            if give_up.size:
                self.retries_left[give_up] = retries
                sev = self.rel.severity[self.rc[give_up], self.offered[give_up]]
                self._open_tickets(give_up, t, sev == CRITICAL)
            again, again_when = again[retry], again_when[retry]
            self.retries_left[again] -= 1
            self.next_attempt[again] = again_when + self.rng.checkin.exponential(self.checkin, again.size)
            due = again[self.next_attempt[again] <= t]

    def _drift(self, t: int) -> None:
        if self.sc.human_factors.disable_rate_per_month <= 0 or t == 0 or not self.enrolled_per_rep.any():
            return
        # the threshold is finite only for enrolled devices with auto-update on
        hit = self._enrolled_at_most(self.drift_threshold, self.H_drift[t])
        if hit.size:
            self.drift_threshold[hit] = np.inf
            self.disabled[hit] = True
            self.next_attempt[hit] = np.inf
            self._new_blind(hit, t)

    def _enrolled_at_most(self, values: np.ndarray, limit: float) -> np.ndarray:
        """Devices whose ``values`` entry is at most ``limit``, in device order, for values
        finite only on enrolled devices (next attempt, drift threshold): looks at the
        enrolled devices alone while they are few."""
        on = self.enrolled_idx
        if on.size * 3 < values.size:
            return on[values[on] <= limit]
        return np.flatnonzero(values <= limit)

    def _new_blind(self, idx: np.ndarray, t: int) -> None:
        """Devices that just became silently broken: when will somebody report them?"""
        self.report_threshold[idx] = self.H_report[t] + self.rng.hazards.exponential(1.0, idx.size)

    def _reports(self, t: int) -> None:
        if not self.sc.levers.reporting_channel.enabled or t == 0:
            return
        hit = (self.stuck | self.disabled | self.botched) & ~self.ticket & (self.report_threshold <= self.H_report[t])
        idx = np.flatnonzero(hit)
        if idx.size:
            self._open_tickets(idx, t, np.zeros(idx.size, dtype=bool))

    def _audit(self, now: float) -> None:
        a = self.sc.levers.audits
        t = min(int(np.floor(now)), self.H)
        audited = self.rng.audits.random(self.M) < a.coverage
        detect = self.rng.audits.random(self.M) < a.detection_rate
        overdue = self._state(now) > 0
        broken = self.stuck | self.disabled | self.botched
        found = np.flatnonzero(audited & detect & (broken | overdue) & ~self.ticket)
        per_rep = np.count_nonzero(audited.reshape(self.R, -1), axis=1) if self.M else np.zeros(self.R)
        self.rec.cost[t, :, LEVERS.index("audits")] += per_rep * self.sc.costs.audit_per_device
        if not found.size:
            return
        off = found[self.disabled[found]]
        if off.size:  # re-enable auto-update; the automated path takes over again
            self.disabled[off] = False
            self.drift_threshold[off] = self.H_drift[t] + self.rng.hazards.exponential(1.0, off.size)
            self.offered[off] = np.maximum(self.offered[off], self.approved[self.rcd[off]])
            go = off[(self.offered[off] > self.installed[off]) & ~self.stuck[off]]
            self.next_attempt[go] = now + self.rng.checkin.exponential(self.checkin, go.size)
        rest = found[self.stuck[found] | self.botched[found] | ~self.enrolled[found]]
        if rest.size:
            self._open_tickets(rest, t, np.zeros(rest.size, dtype=bool))

    # ------------------------------------------------------------------ technicians

    def _open_tickets(self, idx: np.ndarray, t: int, critical: np.ndarray, *, distinct: bool = False) -> None:
        urgent = critical & self.sc.levers.update_policy.prioritize_critical
        self.queue.add(idx, np.asarray(urgent, dtype=bool), distinct=distinct)

    def _close_tickets(self, idx: np.ndarray) -> None:
        self.queue.close(idx)

    def _workday(self, t: int) -> None:
        """Technicians work the queue in order for ``count x hours_per_day`` hours."""
        tc = self.sc.levers.technicians
        if t == 0:
            return
        self.rec.cost[t, :, LEVERS.index("technicians")] += tc.count * tc.hours_per_day * self.sc.costs.technician_hour
        if self.budget <= 0 or not self.queue.in_log.any():
            return
        served, used = self.queue.serve(self.budget)
        self.rec.utilisation[t] = used / self.budget
        if served.size:
            self._manual_update(served, t)

    def _manual_update(self, idx: np.ndarray, t: int) -> None:
        err = self.sc.human_factors.manual_error_rate * (1 - self.effect_mid[min(t, self.H)])
        botch = self.rng.manual.random(idx.size) < err
        target = self.approved[self.rcd[idx]]
        bad, good = idx[botch], idx[~botch]
        if bad.size:  # looks done, is not: a blind spot until found or the next ticket
            self.believed[bad] = np.maximum(self.believed[bad], target[botch])
            self.botched[bad] = self.installed[bad] < self.believed[bad]
            self._new_blind(bad, t)
        if good.size:
            self.stuck[good] = False
            self.botched[good] = False
            off = good[self.disabled[good]]
            self.disabled[off] = False
            self.drift_threshold[off] = self.H_drift[t] + self.rng.hazards.exponential(1.0, off.size)
            new = np.maximum(self.installed[good], target[~botch])
            self._install(good, new, np.full(good.size, float(t)))
            self.offered[good] = np.maximum(self.offered[good], self.installed[good])

    # ------------------------------------------------------------------ state and KPI

    def _install(self, idx: np.ndarray, new: np.ndarray, when: np.ndarray) -> None:
        """Install release ``new`` on devices ``idx`` at times ``when``; log time to patch."""
        old = self.installed[idx]
        n = (new - old).astype(np.int64)
        step = n > 0
        if not step.any():
            return
        idx, old, new, n, when = idx[step], old[step], new[step], n[step], when[step]
        flat = self.levels.reshape(-1)
        np.subtract.at(flat, self.level_base[idx] + old, 1)
        np.add.at(flat, self.level_base[idx] + new, 1)
        self.installed[idx] = new
        self.believed[idx] = np.maximum(self.believed[idx], new)
        self.botched[idx] = False  # whatever was botched before is covered by this install
        # time to patch is tallied later, in bulk: keep what it needs
        self._ttp_rows.append((idx, old, n, when))
        self._ttp_buffered += idx.size

    def _flush_ttp(self) -> None:
        """Add the buffered time-to-patch rows to the record's tallies in one pass."""
        if not self._ttp_rows:
            return
        idx, old, n, when = (np.concatenate(part) for part in zip(*self._ttp_rows, strict=True))
        self._ttp_rows, self._ttp_buffered = [], 0
        # every release in (old, new] is covered now: expand to one row per device-release
        if n.max(initial=0) <= 1:  # the common case: one release each
            row, k = np.arange(idx.size), old.astype(np.int64) + 1
        else:
            row = np.repeat(np.arange(idx.size), n)
            k = np.repeat(old + 1 - (np.cumsum(n) - n), n) + np.arange(row.size)
        dev = idx[row]
        rc = self.rc[dev]
        released = self.rel.day[rc, k]
        keep = released >= 0  # releases from before day 0 are not timed
        dev, rc, k = dev[keep], rc[keep], k[keep]
        ttp = np.maximum(when[row[keep]] - released[keep], 0.0)
        sev = self.rel.severity[rc, k].astype(np.int64)
        # one tally by (replication, class, department, severity); the record's are sums of it
        rec, R, C, D = self.rec, self.R, self.C, self.D
        key = self.rcd[dev].astype(np.int64) * N_SEV + sev
        shape = (R, C, D, N_SEV)
        total = np.bincount(key, weights=ttp, minlength=R * C * D * N_SEV).reshape(shape)
        count = np.bincount(key, minlength=R * C * D * N_SEV).reshape(shape)
        rec.ttp_sum += total.sum(axis=(1, 2))
        rec.ttp_count += count.sum(axis=(1, 2))
        rec.ttp_sum_class += total.sum(axis=(2, 3))
        rec.ttp_count_class += count.sum(axis=(2, 3))
        rec.ttp_sum_dept += total.sum(axis=(1, 3))
        rec.ttp_count_dept += count.sum(axis=(1, 3))
        b = np.minimum(ttp.astype(np.int64), self.ttp_bins - 1)
        rep = key // (C * D * N_SEV)
        flat = (rep * N_SEV + sev) * self.ttp_bins + b  # (replication, severity, day)
        rec.ttp_hist += np.bincount(flat, minlength=rec.ttp_hist.size).reshape(rec.ttp_hist.shape)
        # by the day of install: every day's installs are in one flush (flushes come at a day's end)
        day = np.clip(np.ceil(when[row[keep]]), 0, self.H).astype(np.int64)
        cell = day * R + rep
        shape2 = rec.patch_day_sum.shape
        rec.patch_day_sum += np.bincount(cell, weights=ttp, minlength=shape2[0] * R).reshape(shape2)
        rec.patch_day_count += np.bincount(cell, minlength=shape2[0] * R).reshape(shape2)
        if cell.size:  # sort by (cell, time to patch) as one number: cells apart by more than any time
            span = float(2 ** np.ceil(np.log2(ttp.max() + 2)))
            ordered = np.sort(cell * span + ttp)
            cells = np.floor(ordered / span).astype(np.int64)
            start = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]])
            size = np.diff(np.r_[start, cells.size])
            pick = ordered[start + np.ceil(0.9 * size).astype(np.int64) - 1]
            rec.patch_day_p90.reshape(-1)[cells[start]] = pick - cells[start] * span

    def _state_table(self, now: float) -> np.ndarray:
        """For each (rc, installed+1): 0 if compliant, else 1 + rank of the worst overdue
        severity (4 = critical ... 1 = low), flattened. Time only moves forward, so the
        table is brought up to date row by row as deadlines pass."""
        rel, K = self.rel, self.K
        if now < self._table_time:  # first use (or a step back in time): build from nothing
            dl = rel.deadline.reshape(-1)
            finite = np.flatnonzero(np.isfinite(dl))
            self._dl_order = finite[np.argsort(dl[finite], kind="stable")]
            self._dl_sorted = dl[self._dl_order]
            self._dl_passed = 0
            self._rank = np.where(rel.severity >= 0, N_SEV - rel.severity, 0).astype(np.int64)  # critical -> 4
            self._passed_rank = np.zeros_like(self._rank)
            self._table = np.zeros((self._rank.shape[0], K + 1), dtype=np.int64)
        self._table_time = now
        end = int(np.searchsorted(self._dl_sorted, now, side="right"))
        if end > self._dl_passed:
            rc, k = np.divmod(self._dl_order[self._dl_passed : end], K)
            self._dl_passed = end
            self._passed_rank[rc, k] = self._rank[rc, k]
            rows = np.unique(rc)
            worst = np.maximum.accumulate(self._passed_rank[rows, ::-1], axis=1)[:, ::-1]  # worst over k >= j
            self._table[rows, :K] = worst
        return self._table.reshape(-1)

    def _state(self, now: float) -> np.ndarray:
        """Per device: 0 if compliant at ``now``, else 1 + rank of its worst overdue severity."""
        idx = self.rc.astype(np.int64) * (self.K + 1) + 1 + self.installed
        return np.take(self._state_table(now), idx)

    def _record(self, t: int) -> None:
        rec, R = self.rec, self.R
        table = self._state_table(t).reshape(-1, self.K + 1)[self.rc_of_rcd]  # (RCD, K+1)
        n_rcd = self.levels.shape[0]
        key = (np.arange(n_rcd)[:, None] * (N_SEV + 1) + table).reshape(-1)
        counts = np.bincount(key, weights=self.levels.reshape(-1), minlength=n_rcd * (N_SEV + 1))
        counts = counts.reshape(R, self.C, self.D, N_SEV + 1).astype(np.int64)
        rec.compliant_cd[t] = counts[..., 0]
        # overdue_sev columns follow SEVERITIES order (critical first); state 4 = critical
        rec.overdue_sev[t] = counts[..., 1:].sum(axis=(1, 2))[:, ::-1]
        if self.M:  # every replication has the same number of devices, laid out in turn
            blind = (self.stuck | self.disabled | self.botched) & ~self.ticket
            rec.blind[t] = np.count_nonzero(blind.reshape(R, -1), axis=1)
        rec.enrolled[t] = self.enrolled_per_rep
        rec.backlog[t] = self.queue.count
        self._deadlines_and_releases(t)
        costs = self.sc.costs
        levers = self.sc.levers
        if t > 0:
            rec.cost[t, :, LEVERS.index("central_management")] += (
                rec.enrolled[t] * costs.management_per_device_month / DAYS_PER_MONTH
            )
            if levers.reporting_channel.enabled:
                rec.cost[t, :, LEVERS.index("reporting_channel")] += costs.reporting_channel_per_month / DAYS_PER_MONTH
        rec.cost[t, :, LEVERS.index("training")] += self.training_bill[t]

    def _deadlines_and_releases(self, t: int) -> None:
        """On-time rate inputs (deadlines falling in day t) and device-updates released."""
        D = self.D
        for rc, k in self.deadlines_on.get(t, ()):
            r = rc // self.C
            self.rec.due[t, r] += self.rc_start[rc + 1] - self.rc_start[rc]
            self.rec.on_time[t, r] += self.levels[rc * D : (rc + 1) * D, k + 1 :].sum()
        self.rec.released[t] = self.released_on[t]


def _ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The integer ranges [lo, hi) laid end to end, and for each element the range it came from."""
    n = hi - lo
    pos = np.repeat(np.arange(n.size), n)
    return np.arange(pos.size) + (lo - (np.cumsum(n) - n))[pos], pos


def _gamma_ppf(u: float, shape: float, scale: float) -> float:
    """Gamma quantile by the Wilson-Hilferty approximation (exact enough for delays, and it
    keeps one uniform per department so clarity changes do not shift other draws)."""
    z = _NORMAL.inv_cdf(min(max(u, 1e-12), 1 - 1e-12))
    c = 1.0 / (9.0 * shape)
    x = shape * (1 - c + z * np.sqrt(c)) ** 3
    return max(x, 0.0) * scale

"""The daily record: what is observed each day, and the time-to-patch tallies.

At the end of each day the model records, per replication, the compliant devices by
class and department, the non-compliant ones by their worst overdue severity, blind
spots, the technicians' backlog and utilisation, enrolled devices, the deadlines that
fell that day and how many were met, the device-updates released, and each lever's
spending, and the open vulnerabilities by severity (sim/risk.py prices them). The counts
by state and the open vulnerabilities come from copies of the per-level counts kept each
day and worked out a few days at a time (``_keep_levels``, ``_levels_to_record``). Installs
are buffered and their times to patch tallied in bulk at a day's end, some sixteen
thousand at a time (arrays that size stay in the processor's cache and need no fresh
memory pages).
sim/results.py turns the record into the KPI series and the summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.releases import N_SEV
from sim.model.training import DAYS_PER_MONTH, training_sessions

LEVERS = ("central_management", "audits", "reporting_channel", "training", "technicians")
TTP_BUFFER_INSTALLS = 200_000  # installs between two additions of the time-to-patch sums to the record's totals
TTP_TALLY_INSTALLS = 16_384  # installs held before their times to patch are tallied, at a day's end
LEVEL_DAYS_ELEMENTS = 65536  # per-level counts kept (days x groups x levels) before they go to the record


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
    broken: np.ndarray  # (T, R) devices out of service after installing a faulty release
    broken_new: np.ndarray  # (T, R) ... broken that day
    exposure: np.ndarray  # (T, R, N_SEV) open vulnerabilities: share of a class lacking a release past its exploit day
    dept_sizes: np.ndarray = field(default=None)  # type: ignore[assignment]  # (R, D) devices
    ttp_sum: np.ndarray = field(default=None)  # type: ignore[assignment]
    ttp_count: np.ndarray = field(default=None)  # type: ignore[assignment]
    ttp_hist: np.ndarray = field(default=None)  # type: ignore[assignment]
    ttp_sum_class: np.ndarray = field(default=None)  # type: ignore[assignment]
    ttp_count_class: np.ndarray = field(default=None)  # type: ignore[assignment]
    ttp_sum_dept: np.ndarray = field(default=None)  # type: ignore[assignment]
    ttp_count_dept: np.ndarray = field(default=None)  # type: ignore[assignment]


class Recording:
    """The calendar of deadlines and spending, and the daily record (a mixin of ``FleetModel``)."""

    def _calendar(self) -> None:
        """Which deadlines and releases fall in each day, and the training bill per day."""
        rel = self.rel
        rows, ks = np.nonzero(np.isfinite(rel.deadline) & (rel.day >= 0))
        dday = np.ceil(rel.deadline[rows, ks]).astype(np.int64)
        inside = dday <= self.H
        order = np.argsort(dday[inside], kind="stable")
        self._deadlines = tuple(x[inside][order] for x in (dday, rows, ks))  # (day, rc, release), by day
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
            broken=z(T, R, dt=np.int64),
            broken_new=z(T, R, dt=np.int64),
            exposure=z(T, R, N_SEV),
        )
        self.ttp_bins = int(self.H - self.rel.history_start + 2)
        # per (replication, class): the index of its first release on or after day 0 (releases
        # are in time order; those from before day 0 are not timed)
        self._first_timed = (self.rel.day < 0).sum(axis=1)
        # time to patch summed and counted by (replication, class, department, severity) since
        # these were last added to the record's totals
        self._ttp_total = np.zeros(R * C * D * N_SEV)
        self._ttp_count = np.zeros(R * C * D * N_SEV, dtype=np.int64)
        self._blind_buffer = np.zeros(self.M, dtype=bool)
        # The KPI counts and the exposure are worked out for several days at once: each day
        # keeps a copy of the per-level counts and of where the states change along the
        # levels (``_keep_levels``), turned into the record when the copies fill up (and at
        # the end: ``_levels_to_record``).
        rel, n_rcd = self.rel, self.levels.shape[0]
        self._kept_cap = int(np.clip(LEVEL_DAYS_ELEMENTS // max(n_rcd * (self.K + 1), 1), 1, 64))
        self._kept = np.zeros((self._kept_cap, n_rcd, self.K + 1), dtype=self.levels.dtype)
        self._kept_cuts = np.zeros((self._kept_cap, R * C, N_SEV + 2), dtype=np.int64)
        self._kept_start, self._kept_n = 0, 0  # the days kept: [start, start + n)
        # A level's state is 0 if compliant, else 1 + rank of the worst severity overdue
        # among the releases it lacks (those from the level up), so states fall (weakly)
        # from the lowest level up: the devices in state s or worse are those of the lowest
        # ``cut_s`` levels, ``cut_s`` being 1 + the newest overdue release of rank s or worse
        # (0 if none). ``_cuts`` holds, per (replication, class), all levels, then cut_1 ..
        # cut_N_SEV, then 0; deadlines are taken in as they pass (``_pass_deadlines``).
        rank = np.where(rel.severity >= 0, N_SEV - rel.severity, 0).astype(np.int64)  # critical -> 4
        dl_day = np.ceil(np.where(np.isfinite(rel.deadline), rel.deadline, np.inf))  # passed from this day's end on
        self._cuts = np.zeros((R * C, N_SEV + 2), dtype=np.int64)
        self._cuts[:, 0] = self.K + 1
        rc, k = np.nonzero(dl_day <= 0)
        self._raise_cuts(rc, k, rank[rc, k])
        rc, k = np.nonzero((dl_day > 0) & (dl_day <= self.H))
        order = np.argsort(dl_day[rc, k], kind="stable")
        rc, k = rc[order], k[order]
        self._cut_events = (dl_day[rc, k], rc, k, rank[rc, k])
        self._cut_next = 0
        self._exp_from = rel.day + self.sc.risk.exploit_delay_days  # (RC, K); padding inf
        reps = np.repeat(np.arange(R), C)[:, None]
        self._exp_key = (reps * N_SEV + np.maximum(rel.severity, 0)).reshape(-1)
        self._exp_size = np.maximum(np.diff(self.rc_start), 1).astype(float)[:, None]
        # known in advance: the device-updates released and falling due each day (the
        # record's on-time counts come with the KPI counts), and the daily spending apart from
        # audits, added at the end (_costs_to_record)
        rec.released[:] = self.released_on
        day, rc, _ = self._deadlines
        np.add.at(rec.due, (day, rc // C), np.diff(self.rc_start)[rc])
        self._monitored_on = np.zeros((T, R), dtype=self._monitored.dtype)  # monitored devices each day
        rec.dept_sizes = self.group_sizes.reshape(R, C, D, self.W).sum(axis=(1, 3))
        rec.ttp_sum = z(R, N_SEV)
        rec.ttp_count = z(R, N_SEV)
        rec.ttp_hist = z(R, N_SEV, self.ttp_bins)
        rec.ttp_sum_class = z(R, C)
        rec.ttp_count_class = z(R, C)
        rec.ttp_sum_dept = z(R, D)
        rec.ttp_count_dept = z(R, D)
        return rec

    def _record(self, t: int) -> None:
        rec, R = self.rec, self.R
        self._pass_deadlines(t)
        self._keep_levels(t, t + 1)  # the KPI counts by state and the exposure, later
        if self.M:  # every replication has the same number of devices, laid out in turn
            blind = np.logical_or(self.stuck, self.disabled, out=self._blind_buffer)
            np.logical_or(blind, self.botched, out=blind)
            np.greater(blind, self.ticket, out=blind)  # and no ticket open
            rec.blind[t] = _count_per_row(blind.reshape(R, -1))
        rec.enrolled[t] = self.enrolled_per_rep
        rec.broken[t] = self.broken_per_rep
        rec.backlog[t] = self.queue.count
        self._monitored_on[t] = self._monitored

    def _costs_to_record(self) -> None:
        """Each day's spending on every lever but audits (added as they happen): central
        management for the enrolled and monitored devices, the reporting channel, training
        and the technicians, from day 1 on (training from day 0)."""
        rec, costs, levers = self.rec, self.sc.costs, self.sc.levers
        tc = levers.technicians
        rec.cost[1:, :, LEVERS.index("technicians")] += tc.count * tc.hours_per_day * costs.technician_hour
        rec.cost[1:, :, LEVERS.index("central_management")] += (
            rec.enrolled[1:] * costs.management_per_device_month
            + self._monitored_on[1:] * costs.monitoring_per_device_month
        ) / DAYS_PER_MONTH
        if levers.reporting_channel.enabled:
            rec.cost[1:, :, LEVERS.index("reporting_channel")] += costs.reporting_channel_per_month / DAYS_PER_MONTH
        rec.cost[:, :, LEVERS.index("training")] += self.training_bill[:, None]

    def _raise_cuts(self, rc: np.ndarray, k: np.ndarray, rank: np.ndarray) -> None:
        """Releases ``k`` of ``rc`` (of severity ``rank``) are overdue: the levels below
        them are in state ``rank`` or worse."""
        if rc.size:
            worse = rank[:, None] > np.arange(N_SEV)  # states 1 .. rank
            np.maximum.at(self._cuts[:, 1 : N_SEV + 1], rc, np.where(worse, k[:, None] + 1, 0))

    def _pass_deadlines(self, t: int) -> None:
        """Take in the deadlines that passed by the end of day ``t``."""
        when, rc, k, rank = self._cut_events
        end = self._cut_next
        while end < when.size and when[end] <= t:
            end += 1
        if end > self._cut_next:
            i = slice(self._cut_next, end)
            self._raise_cuts(rc[i], k[i], rank[i])
            self._cut_next = end

    def _keep_levels(self, a: int, b: int) -> None:
        """Days ``a`` to ``b - 1`` end with the per-level counts and the states' cuts as they
        are now: keep a copy for each (turned into the record when the copies fill up)."""
        while a < b:
            if self._kept_n == self._kept_cap:
                self._levels_to_record()
            if not self._kept_n:
                self._kept_start = a
            i, n = self._kept_n, min(b - a, self._kept_cap - self._kept_n)
            self._kept[i : i + n] = self.levels
            self._kept_cuts[i : i + n] = self._cuts
            self._kept_n += n
            a += n

    def _levels_to_record(self) -> None:
        """The kept days' KPI counts by state and open vulnerabilities, all days at once."""
        n = self._kept_n
        if not n:
            return
        self._kept_n = 0
        d0, rec, R, C, D, K = self._kept_start, self.rec, self.R, self.C, self.D, self.K
        levels = self._kept[:n]  # (n, RCD, K + 1)
        n_rcd = levels.shape[1]
        # devices at the levels below each cut, by prefix sums over the flattened levels
        # (prefix[i]: devices in the entries before i); then each state's count is the
        # difference of two neighbouring cuts': compliant, state 1, ..., state N_SEV
        prefix = np.zeros(levels.size + 1, dtype=levels.dtype)
        np.cumsum(levels.reshape(-1), out=prefix[1:])
        at = self._kept_cuts[:n][:, self.rc_of_rcd]  # (n, RCD, N_SEV + 2)
        at += (np.arange(n * n_rcd) * (K + 1)).reshape(n, n_rcd, 1)
        below = prefix[at]
        in_state = below[:, :, :-1] - below[:, :, 1:]  # (n, RCD, N_SEV + 1)
        rec.compliant_cd[d0 : d0 + n] = in_state[:, :, 0].reshape(n, R, C, D)
        # overdue_sev columns follow SEVERITIES order (critical first); state 4 = critical
        rec.overdue_sev[d0 : d0 + n] = in_state[:, :, 1:].reshape(n, R, C * D, N_SEV).sum(axis=2)[..., ::-1]
        # Deadlines falling in these days: the devices of the class at a level above the
        # release (those that have it) count as on time
        day, rc, k = self._deadlines
        i, j = np.searchsorted(day, [d0, d0 + n])
        if j > i:
            day, rc, k = day[i:j], rc[i:j], k[i:j]
            row = (day - d0)[:, None] * n_rcd + rc[:, None] * D + np.arange(D)  # (events, D)
            have = prefix[(row + 1) * (K + 1)] - prefix[row * (K + 1) + k[:, None] + 1]
            np.add.at(rec.on_time, (day, rc // C), have.sum(axis=1))
        # Open vulnerabilities at each day's end, by severity: each release whose
        # vulnerability is exploitable (release day + exploit delay has come) counts the
        # share of its class's devices that lack it. Updates are cumulative, so the devices
        # lacking release k are those whose installed release is below k (levels 0 .. k).
        if not self.M:
            return
        per_rc = _sum_middle(levels.reshape(n * R * C, D, K + 1))  # (n RC, K + 1)
        running = np.cumsum(per_rc.reshape(-1)).reshape(n * R * C, K + 1)
        lacking = running[:, :K] - np.concatenate([[0], running[:-1, -1]])[:, None]  # less each row's start
        days = np.arange(d0, d0 + n, dtype=float)[:, None, None]
        share = np.where(self._exp_from <= days, lacking.reshape(n, R * C, K) / self._exp_size, 0.0)
        key = (np.arange(n) * (R * N_SEV))[:, None] + self._exp_key
        rec.exposure[d0 : d0 + n] = np.bincount(
            key.reshape(-1), weights=share.reshape(-1), minlength=n * R * N_SEV
        ).reshape(n, R, N_SEV)

    def _flush_ttp_if_full(self, t: int) -> None:
        """At the end of day ``t`` (so that a day's installs are tallied together): tally the
        held installs once there are more than ``TTP_TALLY_INSTALLS`` and every install
        dated day ``t`` or earlier has been made, and add the sums to the record's totals
        every ``TTP_BUFFER_INSTALLS`` installs.

        An install can be made a day late: an audit at a moment inside day ``t`` (every 2.5
        days, say) gives a re-enabled device a check-in that may fall due before the day's
        end, after the day's attempts; it is made on day ``t + 1``, dated day ``t``. The
        held installs wait for it, so each day's installs are tallied together."""
        if self._ttp_buffered > TTP_BUFFER_INSTALLS:
            self._flush_ttp()
        elif self._ttp_held > TTP_TALLY_INSTALLS and self._least_enrolled("next_attempt", t) > t:
            self._tally_ttp()

    def _flush_ttp(self) -> None:
        """Tally the held installs, then add the time-to-patch sums and counts kept since the
        last time to the record's totals.

        The sums are added up install by install, in order, and reach the totals every
        ``TTP_BUFFER_INSTALLS`` installs and at the end: the grouping of the floating-point
        additions, kept as it was when every install was held until then, so the figures
        stay the same to the last bit."""
        self._tally_ttp()
        self._ttp_buffered = 0
        rec, R, C, D = self.rec, self.R, self.C, self.D
        shape = (R, C, D, N_SEV)
        total, count = self._ttp_total.reshape(shape), self._ttp_count.reshape(shape)
        rec.ttp_sum += total.sum(axis=(1, 2))
        rec.ttp_count += count.sum(axis=(1, 2))
        rec.ttp_sum_class += total.sum(axis=(2, 3))
        rec.ttp_count_class += count.sum(axis=(2, 3))
        rec.ttp_sum_dept += total.sum(axis=(1, 3))
        rec.ttp_count_dept += count.sum(axis=(1, 3))
        self._ttp_total[:] = 0.0
        self._ttp_count[:] = 0

    def _tally_ttp(self) -> None:
        """Tally the times to patch of the held installs (whole days of them)."""
        if not self._ttp_rows:
            return
        idx, old, n, when = (np.concatenate(part) for part in zip(*self._ttp_rows, strict=True))
        self._ttp_rows, self._ttp_held = [], 0
        # Every release in (old, new] is covered now, but releases from before day 0 are not
        # timed: a class's releases are in time order, so the timed ones are those from its
        # first release of day 0 or later. Expand to one row per timed device-release, in
        # the order of the installs (the sums below add in this order).
        rel, K, R, C, D, rec = self.rel, self.K, self.R, self.C, self.D, self.rec
        rc_i = self.rc[idx].astype(np.int64)
        first = np.maximum(old.astype(np.int64) + 1, self._first_timed[rc_i])
        m = np.maximum(old + n - first + 1, 0)  # timed releases each install covers
        # what is the same for every release an install covers, worked out per install
        rcd_i = self.rcd[idx].astype(np.int64)
        key_i = rcd_i * N_SEV  # (replication, class, department, severity) but the severity
        hist_i = rcd_i // (C * D) * N_SEV  # (replication, severity) but the severity
        day_i = np.clip(np.ceil(when), 0, self.H).astype(np.int64)  # the day of install
        cell_i = day_i * R + rcd_i // (C * D)  # (day, replication)
        at_i = rc_i * K + first  # the first timed release of each install, in the flattened schedule
        if m.max(initial=0) <= 1:  # the common case: one release each
            row = np.flatnonzero(m)
            at_rk = at_i[row]
        else:
            row = np.repeat(np.arange(idx.size), m)
            at_rk = np.repeat(at_i - (np.cumsum(m) - m), m)
            at_rk += np.arange(row.size)  # the install's first timed release, the next, ...
        ttp = when[row]
        ttp -= rel.day.reshape(-1)[at_rk]
        np.maximum(ttp, 0.0, out=ttp)
        sev = rel.severity.reshape(-1)[at_rk]
        # one tally by (replication, class, department, severity), added to in order (the
        # record's totals are sums of it, see _flush_ttp)
        key = key_i[row]
        key += sev
        np.add.at(self._ttp_total, key, ttp)
        self._ttp_count += np.bincount(key, minlength=self._ttp_count.size)
        flat = hist_i[row] + sev  # (replication, severity, days to patch)
        flat *= self.ttp_bins
        flat += np.minimum(ttp.astype(np.int64), self.ttp_bins - 1)
        rec.ttp_hist += np.bincount(flat, minlength=rec.ttp_hist.size).reshape(rec.ttp_hist.shape)
        # by the day of install: every day's installs are in one flush (flushes come at a day's end)
        cell = cell_i[row]
        shape2 = rec.patch_day_sum.shape
        rec.patch_day_sum += np.bincount(cell, weights=ttp, minlength=shape2[0] * R).reshape(shape2)
        rec.patch_day_count += np.bincount(cell, minlength=shape2[0] * R).reshape(shape2)
        if cell.size:  # sort by (cell, time to patch); the value picked is the exact time to patch
            cells, ordered = _sorted_by(cell, ttp)
            start = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]])
            size = np.diff(np.r_[start, cells.size])
            pick = ordered[start + np.ceil(0.9 * size).astype(np.int64) - 1]
            rec.patch_day_p90.reshape(-1)[cells[start]] = pick


def _sum_middle(a: np.ndarray) -> np.ndarray:
    """``a.sum(axis=1)`` of a 3-D integer array, as a few whole-slice additions while the
    middle axis is short (numpy's sum along it is slow for short axes)."""
    if a.shape[1] > 8:
        return a.sum(axis=1)
    out = a[:, 0].copy()
    for i in range(1, a.shape[1]):
        out += a[:, i]
    return out


def _count_per_row(flags: np.ndarray) -> np.ndarray | list[int]:
    """How many flags are set in each row of a 2-D boolean array: row by row while the rows
    are few (a whole row is counted in one fast pass; counting along an axis is slower)."""
    if flags.shape[0] <= 64:
        return [np.count_nonzero(row) for row in flags]
    return np.count_nonzero(flags, axis=1)


def _sorted_by(group: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``group`` (non-negative integers) and ``value`` (non-negative floats) with their rows
    sorted by group, then by value: what ``np.lexsort((value, group))`` orders, found faster.

    Rows come mostly in group order already (installs are buffered day by day), so one
    stable sort of the single key ``group x S + value`` (``S`` a power of two above every
    value) runs through long sorted stretches. Rounding may have merged two values of a
    group into one key, so the result is checked exactly, pair by pair, and ``np.lexsort``
    is used should it be out of order (or should a value be a negative zero or NaN, which
    compare equal to, or unordered with, values that differ)."""
    top = float(value.max(initial=0.0))
    scale = 2.0 ** np.ceil(np.log2(top + 1.0)) if np.isfinite(top) else np.inf
    if not np.signbit(value).any() and int(group.max(initial=0)) < 2.0**52 / scale:  # group x S exact
        key = group * scale
        key += value
        order = np.argsort(key, kind="stable")
        g, v = group[order], value[order]
        if (g[1:] >= g[:-1]).all() and ((g[1:] > g[:-1]) | (v[1:] >= v[:-1])).all():
            return g, v
    order = np.lexsort((value, group))
    return group[order], value[order]

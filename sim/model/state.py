"""Device state: what each device has installed, believes it has, and is offered.

Updates are cumulative, so a device's state is the index of the newest release it has
installed (``installed``); ``believed`` is what it looks like it has (a silent failure or
a botched manual update makes the two differ), ``offered`` what the rollout has offered
it. Flags mark devices with auto-update switched off (``disabled``), silently stuck after
a failed install (``stuck``) and botched by hand (``botched``).

The KPI is read from a small table of how many devices of each (replication, class,
department) sit at each release, kept up to date by ``_install`` (record.py turns it into
the daily counts by state); an audit reads each device's state from a state table brought
up to date as deadlines pass.
"""

from __future__ import annotations

import numpy as np

from sim.model.record import N_SEV


class DeviceState:
    """Device state, installs and the compliance state table (a mixin of ``FleetModel``)."""

    def _initial_state(self, u_init: np.ndarray) -> None:
        """Each device's state on day 0, and the per-level counts the KPI is read from."""
        sc, R, C, D, M = self.sc, self.R, self.C, self.D, self.M
        cm = sc.levers.central_management

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
        # broken by a faulty release (out of service, seen by the console) until something
        # newer is installed; ``bad_rel`` is the release that broke it, never tried again
        self.broken = np.zeros(M, dtype=bool)
        self.broken_per_rep = np.zeros(R, dtype=np.int64)  # broken devices, kept as the flags change
        self.bad_rel = np.full(M, -2, dtype=np.int32)
        # per (replication-class, release): devices that tried it automatically, devices it
        # broke, and whether its rollout has halted
        self.tried = np.zeros((R * C, self.K), dtype=np.int64)
        self.broke = np.zeros((R * C, self.K), dtype=np.int64)
        self.halted = np.zeros((R * C, self.K), dtype=bool)
        self.next_attempt = np.full(M, np.inf)
        # the devices that may have a check-in scheduled: every device whose next attempt is
        # finite is in the list (once), along with some whose attempt has since been made
        # or called off (dropped at the next look, sim/model/rollout.py ``_due_checkins``)
        self._pending = np.empty(0, dtype=np.int64)
        self._pending_new: list[np.ndarray] = []
        self._in_pending = np.zeros(M, dtype=bool)
        # what keys each device's next keyed draws: the release its attempts are for and how
        # many check-ins it has had for it; how many drift and report thresholds and manual
        # visits it has had
        self.attempt_rel = np.full(M, -2, dtype=np.int32)
        self.attempt_no = np.zeros(M, dtype=np.int32)
        self.drift_draws = np.zeros(M, dtype=np.int32)
        self.report_draws = np.zeros(M, dtype=np.int32)
        self.visits = np.zeros(M, dtype=np.int32)
        self.retries_left = np.full(M, cm.retries, dtype=np.int16)
        self.drift_threshold = np.full(M, np.inf)
        # a lower bound of each of these per-device moments (sim/model/rollout.py, _due_enrolled)
        self._floor = {"next_attempt": np.inf, "drift_threshold": np.inf, "console_at": np.inf}
        self.report_threshold = np.full(M, np.inf)
        self.approved = np.repeat(last_before, D).astype(np.int32)  # (RCD,)
        # How many devices of each (replication, class, department) sit at each installed
        # release: the KPI is read from this small table, not from every device each day.
        n_rcd = R * C * D
        self.level_base = self.rcd.astype(np.int64) * (self.K + 1) + 1
        self.levels = np.bincount(self.level_base + self.installed, minlength=n_rcd * (self.K + 1))
        self.levels = self.levels.reshape(n_rcd, self.K + 1)
        self.rc_of_rcd = np.arange(n_rcd) // D

    def _mend(self, idx: np.ndarray) -> None:
        """Devices ``idx`` (distinct) are no longer broken."""
        was = idx[self.broken[idx]]
        if was.size:
            self.broken[was] = False
            np.subtract.at(self.broken_per_rep, self.rep[was], 1)

    def _install(self, idx: np.ndarray, new: np.ndarray, when: np.ndarray) -> None:
        """Install release ``new`` on devices ``idx`` at times ``when``; log time to patch."""
        old = self.installed[idx]
        n = (new - old).astype(np.int64)
        step = n > 0
        if not step.all():  # some have it already: leave them out
            if not step.any():
                return
            idx, old, new, n, when = idx[step], old[step], new[step], n[step], when[step]
        flat = self.levels.reshape(-1)
        np.subtract.at(flat, self.level_base[idx] + old, 1)
        np.add.at(flat, self.level_base[idx] + new, 1)
        self.installed[idx] = new
        self.believed[idx] = np.maximum(self.believed[idx], new)
        self.botched[idx] = False  # whatever was botched before is covered by this install
        self._mend(idx)  # and a device broken by a faulty release works again
        # time to patch is tallied later, in bulk: keep what it needs
        self._ttp_rows.append((idx, old, n, when))
        self._ttp_buffered += idx.size
        self._ttp_held += idx.size

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

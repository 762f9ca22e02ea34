"""Approvals: each department signs off a release after its own delay, then rollout waves follow.

Each department's approval delay for each release is a gamma with the department's mean
(pulled towards the policy's delay as the policy gets clearer) and a coefficient of
variation ``1 - clarity``, drawn from one uniform keyed by (replication, class, release,
department); critical updates under "prioritise critical" are approved at once. One
release process per (replication, device class) walks the release schedule; at each
release it queues each department's approval and its rollout waves (one every
``wave_gap_days`` after the approval) as timed events for the day process (the waves of
a slice none of whose devices ever comes under central management are left out: they
would offer nothing).

When an approval falls due, devices outside central management that are behind it get a
technician ticket.
"""

from __future__ import annotations

import heapq

import numpy as np

from sim.model.draws import Draws, Mechanism, gamma_ppf
from sim.model.fleet import ranges
from sim.model.releases import CRITICAL


class Approvals:
    """Release processes and department approvals (a mixin of ``FleetModel``)."""

    def _approval_delays(self) -> None:
        """Every department's approval delay for every release, drawn at once: one uniform
        keyed by (replication, class, release, department), turned into a gamma delay."""
        sc, C, D = self.sc, self.C, self.D
        policy = sc.levers.update_policy
        clarity = policy.clarity
        cv = 1.0 - clarity  # spread of approval delays grows as the policy gets vaguer
        means = np.array(
            [clarity * policy.approval_delay_days + (1 - clarity) * d.approval_delay_days for d in sc.fleet.departments]
        )
        row = self.draws.key(np.repeat(self.replications, C), np.tile(np.arange(C), self.R))  # (RC,)
        k = np.arange(self.K)
        u = Draws.uniform(row[:, None, None], Mechanism.APPROVAL, k[None, :, None], np.arange(D)[None, None, :])
        if cv > 0:
            shape = 1.0 / cv**2
            delay = gamma_ppf(u, shape, 1.0 / shape) * means  # (RC, K, D)
        else:
            delay = np.broadcast_to(means, u.shape).copy()
        if policy.prioritize_critical:
            delay[self.rel.severity == CRITICAL] = 0.0
        self.approval_delay = delay

    def _release_process(self, rc: int):
        """Walk one class's release schedule: approve per department, then stage waves."""
        env = self.env
        cm = self.sc.levers.central_management
        days, n = self.rel.day[rc], int(self.rel.count[rc])
        delays = self.approval_delay[rc]
        # each department's wave groups that some device of ever comes under central
        # management, with each wave's delay after the approval (the others would offer nothing)
        waves = [
            [(rcd * self.W + w, w * cm.wave_gap_days) for w in range(self.W) if self.group_managed[rcd * self.W + w]]
            for rcd in range(rc * self.D, (rc + 1) * self.D)
        ]
        for k in range(n):
            if days[k] < 0:
                continue
            yield env.timeout(days[k] - env.now)
            for d in range(self.D):
                approve_at = env.now + float(delays[k, d])
                self._push(approve_at, "approve", rc * self.D + d, k)
                for group, after in waves[d]:
                    self._push(approve_at + after, "wave", group, k)

    def _push(self, when: float, kind: str, group: int, seq: int) -> None:
        heapq.heappush(self._queue, (when, next(self._counter), kind, group, seq))

    def _approve(self, approvals: list[tuple[int, int]], t: int) -> None:
        """Approvals (department group, release), in the order they fell due: devices
        outside central management that are behind get a technician ticket."""
        per_rep = self.C * self.D
        approvals = sorted(approvals, key=lambda a: a[0] // per_rep)  # by replication, in order (a stable sort)
        distinct = len({group for group, _ in approvals}) == len(approvals)  # then no device is listed twice
        ev = np.array(approvals, dtype=np.int64)
        groups, seqs = ev[:, 0], ev[:, 1]
        np.maximum.at(self.approved, groups, seqs.astype(self.approved.dtype))
        idx, pos = ranges(self.rcd_start[groups], self.rcd_start[groups + 1])
        if not idx.size:
            return
        need = self.believed[idx] < seqs[pos]  # an open ticket may move up
        if self.n_on_board:  # (before anybody is enrolled, nobody is)
            need &= ~self.enrolled[idx]
        if need.any():
            if self.sc.levers.update_policy.prioritize_critical:
                critical = (self.rel.severity[groups // self.D, seqs] == CRITICAL)[pos[need]]
            else:  # only read with critical first
                critical = None
            self._open_tickets(idx[need], t, critical, distinct=distinct)

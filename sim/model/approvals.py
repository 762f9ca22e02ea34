"""Approvals: each department signs off a release after its own delay, then rollout waves follow.

One release process per (replication, device class) walks the release schedule. At each
release it draws one uniform per department (always, so the draws do not shift when a
policy changes) and turns it into that department's approval delay: a gamma with the
department's mean (pulled towards the policy's delay as the policy gets clearer) and a
spread that grows as the policy gets vaguer; critical updates under "prioritise critical"
are approved at once. The approval and the department's rollout waves (one every
``wave_gap_days``) are queued as timed events for the day process.

When an approval falls due, devices outside central management that are behind it get a
technician ticket.
"""

from __future__ import annotations

import heapq

import numpy as np

from sim.model.draws import gamma_ppf
from sim.model.fleet import ranges
from sim.model.releases import CRITICAL


class Approvals:
    """Release processes and department approvals (a mixin of ``FleetModel``)."""

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
                    delay = float(gamma_ppf(draws[d], shape, mean / shape))
                else:
                    delay = mean
                approve_at = env.now + delay
                rcd = rc * self.D + d
                self._push(approve_at, "approve", rcd, k)
                for w in range(self.W):
                    self._push(approve_at + w * cm.wave_gap_days, "wave", rcd * self.W + w, k)

    def _push(self, when: float, kind: str, group: int, seq: int) -> None:
        heapq.heappush(self._queue, (when, next(self._counter), kind, group, seq))

    def _approve(self, ev: np.ndarray, t: int) -> None:
        """Approvals (rows of department group, release), in the order they fell due: devices
        outside central management that are behind get a technician ticket."""
        ev = ev[np.argsort(ev[:, 0] // (self.C * self.D), kind="stable")]  # by replication, in order
        groups, seqs = ev[:, 0], ev[:, 1]
        np.maximum.at(self.approved, groups, seqs.astype(self.approved.dtype))
        idx, pos = ranges(self.rcd_start[groups], self.rcd_start[groups + 1])
        if not idx.size:
            return
        seq = seqs[pos]
        need = ~self.enrolled[idx] & (self.believed[idx] < seq)  # an open ticket may move up
        if need.any():
            critical = self.rel.severity[groups // self.D, seqs] == CRITICAL
            distinct = np.unique(groups).size == groups.size  # then no device is listed twice
            self._open_tickets(idx[need], t, critical[pos[need]], distinct=distinct)

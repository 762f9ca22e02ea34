"""Audits: every ``interval_days`` a share of the fleet is examined.

In each round each device is audited with probability ``coverage`` and, if audited, a
problem is found with probability ``detection_rate`` (two draws keyed by device and
round). A device found with auto-update switched off is switched back on (the automation
takes over again); one found silently stuck or botched gets a technician ticket, and so
does one overdue outside central management if its department has approved a release it
lacks (a device overdue only on releases not yet approved gets its ticket from the
approval: a visit now would install nothing). Each audited device
costs ``audit_per_device``.
"""

from __future__ import annotations

import numpy as np

from sim.model.draws import Draws, Mechanism
from sim.model.record import LEVERS


class Audits:
    """The audit process (a mixin of ``FleetModel``)."""

    def _due_audits(self, t: int) -> None:
        """Audit rounds that fall in day ``t`` (at ``interval_days``, ``2 x interval_days``,
        ...), applied after the day's automated attempts, drift and reports, so a round on
        day 30 sees every install attempted up to day 30."""
        interval = self.sc.levers.audits.interval_days
        if interval <= 0:
            return
        while (self.audit_round + 1) * interval <= t:
            self._audit((self.audit_round + 1) * interval)

    def _audit(self, now: float) -> None:
        a = self.sc.levers.audits
        t = min(int(np.floor(now)), self.H)
        n, self.audit_round = self.audit_round, self.audit_round + 1  # rounds 0, 1, ...
        audited = Draws.uniform(self.dev_key, Mechanism.AUDIT_COVERAGE, n) < a.coverage
        detect = Draws.uniform(self.dev_key, Mechanism.AUDIT_DETECTION, n) < a.detection_rate
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
            self._new_drift_threshold(off, t)
            self.offered[off] = np.maximum(self.offered[off], self.approved[self.rcd[off]])
            go = off[(self.offered[off] > self.installed[off]) & ~self.stuck[off]]
            self._schedule_checkin(go, np.full(go.size, now))
        behind = self.approved[self.rcd[found]] > self.installed[found]
        rest = found[self.stuck[found] | self.botched[found] | (~self.enrolled[found] & behind)]
        if rest.size:
            self._open_tickets(rest, t, np.zeros(rest.size, dtype=bool))

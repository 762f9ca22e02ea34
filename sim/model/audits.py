"""Audits: every ``interval_days`` a share of the fleet is examined.

Each device is audited with probability ``coverage`` and, if audited, a problem is found
with probability ``detection_rate``. A device found with auto-update switched off is
switched back on (the automation takes over again); one found silently stuck or botched
gets a technician ticket, and so does one overdue outside central management if its
department has approved a release it lacks (a device overdue only on releases not yet
approved gets its ticket from the approval: a visit now would install nothing). Each audited device
costs ``audit_per_device``.
"""

from __future__ import annotations

import numpy as np

from sim.model.record import LEVERS


class Audits:
    """The audit process (a mixin of ``FleetModel``)."""

    def _audit_process(self):
        interval = self.sc.levers.audits.interval_days
        while True:
            yield self.env.timeout(interval)
            self._audit(self.env.now)

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
        behind = self.approved[self.rcd[found]] > self.installed[found]
        rest = found[self.stuck[found] | self.botched[found] | (~self.enrolled[found] & behind)]
        if rest.size:
            self._open_tickets(rest, t, np.zeros(rest.size, dtype=bool))

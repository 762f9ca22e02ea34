"""Technicians: the hook between the model and the work queue of sim/tickets.py.

Tickets open for devices behind an approved release outside central management, for
installs whose retries ran out, and for problems found by audits and reports. A ticket is
urgent (served first, with ``prioritize_critical``) when the visit would install a
critical release: one after what the device runs, up to its department's newest approved.
At the end of each day the technicians spend ``count x hours_per_day`` hours on the queue,
at most one technician's ``hours_per_day`` on any one ticket, work carrying over to the
next day; each finished device is updated by hand to its department's newest approved
release, unless the technician botches it (``manual_error_rate``, cut by training), which
leaves a blind spot that looks done. docs/background/technicians.md tells it in full.
"""

from __future__ import annotations

import numpy as np

from sim.model.draws import Draws, Mechanism
from sim.model.releases import CRITICAL
from sim.tickets import TicketQueue, critical_counts, lacks_critical


class Technicians:
    """Tickets, the work day and manual updates (a mixin of ``FleetModel``)."""

    def _technicians_setup(self) -> None:
        sc, R = self.sc, self.R
        self.queue = TicketQueue(self.rep.astype(np.int64), self.minutes[self.cls], R)
        self.ticket = self.queue.open  # read-only view: devices with an open ticket
        self.budget = sc.levers.technicians.count * sc.levers.technicians.hours_per_day * 60.0
        self.shift = sc.levers.technicians.hours_per_day * 60.0  # the most one ticket gets a day
        self.critical_counts = critical_counts(self.rel.severity, CRITICAL)

    def _open_tickets(self, idx: np.ndarray, t: int, critical: np.ndarray | None, *, distinct: bool = False) -> None:
        """Open tickets for ``idx``; ``critical`` marks those opened for a critical release
        (None: none is, or it does not matter, without ``prioritize_critical``).
        With ``prioritize_critical`` a ticket is urgent when it is, or when the device lacks
        any critical release up to its department's approved one (the worst of what the
        visit installs, whoever opened the ticket: an audit, a report, retries running out)."""
        if self.sc.levers.update_policy.prioritize_critical:
            target = self.approved[self.rcd[idx]]
            lacks = lacks_critical(self.critical_counts, self.rc[idx], self.installed[idx], target)
            urgent = lacks if critical is None else np.asarray(critical, dtype=bool) | lacks
        else:
            urgent = None
        self.queue.add(idx, urgent, distinct=distinct)

    def _close_tickets(self, idx: np.ndarray) -> None:
        self.queue.close(idx)

    def _workday(self, t: int) -> None:
        """Technicians work the queue in order for ``count x hours_per_day`` hours, at most
        ``hours_per_day`` of them on any one ticket."""
        if t == 0:  # (the technicians' pay is added to the record at the end: _costs_to_record)
            return
        if self.budget <= 0 or not self.queue.in_log.any():
            return
        served, used = self.queue.serve(self.budget, self.shift)
        self.rec.utilisation[t] = used / self.budget
        if served.size:
            self._manual_update(served, t)

    def _manual_update(self, idx: np.ndarray, t: int) -> None:
        err = self.sc.human_factors.manual_error_rate * (1 - self.effect_mid[min(t, self.H)])
        visit = self.visits[idx]
        self.visits[idx] = visit + 1
        botch = Draws.uniform(self.dev_key[idx], Mechanism.MANUAL, visit) < err
        target = self.approved[self.rcd[idx]]
        if botch.any():
            bad, good, good_target = idx[botch], idx[~botch], target[~botch]
            # looks done, is not: a blind spot until found or the next ticket
            self.believed[bad] = np.maximum(self.believed[bad], target[botch])
            self.botched[bad] = self.installed[bad] < self.believed[bad]
            self._new_blind(bad, t)
        else:
            good, good_target = idx, target
        if good.size:
            if self.n_on_board:  # (only enrolled devices get stuck, switched off or broken)
                self.stuck[good] = False
                self._mend(good)  # repaired by hand
                off = good[self.disabled[good]]
                if off.size:
                    self.disabled[off] = False
                    self._new_drift_threshold(off, t)
            self.botched[good] = False
            new = np.maximum(self.installed[good], good_target)
            self._install(good, new, np.full(good.size, float(t)))
            self.offered[good] = np.maximum(self.offered[good], self.installed[good])

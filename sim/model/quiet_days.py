"""Quiet days: the day loop jumps to the next day on which something is due.

Most days of a run change nothing in many fleets: no release, approval or wave, no
check-in, no enrolment, no deadline or exploit day passing, no audit, no threshold of
drift, reports or the console crossed, no ticket in the technicians' queue. On such a
day every mechanism would find nothing to do and the record would repeat the day
before, apart from the day's spending. So after each day the model asks when the next
busy day is (``_next_busy_day``) and fills the quiet days in between in one step
(``_fill_quiet``): the device counts, backlog and exposure of the last busy day, the
monitored devices the day's spending is worked out from, and nothing else (the daily
spending other than audits' is added for every day at the end of the run, from the
recorded counts: record.py, ``_costs_to_record``).

The daily series and the summaries are the same, to the last bit, as with a step every
day (``FleetModel.skip_quiet_days = False``; tests/test_quiet_days.py compares the two on
every preset and on edge cases). A day that is only possibly busy is simply stepped:
the checks may wake the loop too early, never too late.
"""

from __future__ import annotations

import math

import numpy as np


def _day_of(moment: float) -> float:
    """The day whose end-of-day step handles something due at ``moment``."""
    return math.ceil(moment) if moment < math.inf else math.inf


class QuietDays:
    """Finding the next busy day and filling the quiet days (a mixin of ``FleetModel``)."""

    def _quiet_setup(self) -> None:
        """Days on which something is due whatever the devices do: a release comes out
        (its approvals are queued then; ``released`` counts it), a deadline passes (the
        KPI moves), a vulnerability becomes exploitable (exposure moves)."""
        rel = self.rel
        days = [np.ceil(rel.day[np.isfinite(rel.day) & (rel.day >= 0)])]
        dl = rel.deadline[np.isfinite(rel.deadline)]
        days.append(np.ceil(dl[dl > 0]))
        exploit = rel.day + self.sc.risk.exploit_delay_days
        exploit = exploit[np.isfinite(exploit)]
        days.append(np.ceil(exploit[exploit > 0]))
        self._fixed_days = np.unique(np.concatenate(days))

    def _next_busy_day(self, t: int) -> int:
        """The first day after ``t`` on which a step may do something (at most ``H + 1``).

        Cheap checks first; each returns as soon as the next day is busy, so a busy fleet
        pays for few of them."""
        nxt = t + 1
        if self.budget > 0 and self.queue.in_log.any():  # the technicians work every day
            return nxt
        if self._queue and self._queue[0][0] <= nxt:  # approvals and waves
            return nxt
        best = self.T
        i = int(np.searchsorted(self._fixed_days, t, side="right"))
        if i < self._fixed_days.size:
            best = min(best, int(self._fixed_days[i]))
        if self._queue:
            best = min(best, _day_of(self._queue[0][0]))
        if self.n_on_board < self.enrol_sorted.size:
            best = min(best, _day_of(self.enrol_sorted[self.n_on_board]))
        interval = self.sc.levers.audits.interval_days
        if interval > 0:
            best = min(best, _day_of((self.audit_round + 1) * interval))
        if best <= nxt:
            return nxt
        if self.enrolled_idx.size:  # check-ins, drift and the console concern enrolled devices only
            best = min(best, _day_of(self._least_enrolled("next_attempt", t)))
            if best <= nxt:
                return nxt
            if self.sc.human_factors.disable_rate_per_month > 0:
                lowest = self._least_enrolled("drift_threshold", self.H_drift[t])
                best = min(best, int(np.searchsorted(self.H_drift, lowest, side="left")))
            if self.visible is not None:
                best = min(best, _day_of(self._least_enrolled("console_at", t)))
        if best > nxt and self.sc.levers.reporting_channel.enabled and self.M:
            waiting = (self.stuck | self.disabled | self.botched) & ~self.ticket
            lowest = float(self.report_threshold[waiting].min(initial=np.inf))
            best = min(best, int(np.searchsorted(self.H_report, lowest, side="left")))
        return max(nxt, min(best, self.T))

    def _fill_quiet(self, a: int, b: int) -> None:
        """Record days ``a`` to ``b - 1`` (``a >= 1``), on which nothing is due: what the
        day process would have recorded, from the record of day ``a - 1``."""
        if b <= a:
            return
        rec, prev = self.rec, a - 1
        for name in ("blind", "backlog", "enrolled", "broken"):
            arr = getattr(rec, name)
            arr[a:b] = arr[prev]
        self._keep_levels(a, b)  # the KPI counts by state and exposure: as on day a - 1
        self._monitored_on[a:b] = self._monitored

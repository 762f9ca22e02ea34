"""People: staff who switch automatic updates off, and staff who report what looks wrong.

Both are hazards moderated by training (sim/model/training.py): switching off (drift)
happens at ``disable_rate_per_month`` cut by the training effect, reports through the
reporting channel at ``report_rate_per_day`` raised by it. Each hazard is integrated on
the daily grid once; each device draws an exponential threshold, and the event happens
on the first day the cumulative hazard passes the threshold. A device draws a drift
threshold each time its auto-update comes (back) on, and a report threshold each time it
becomes a blind spot (silently broken, switched off, botched by hand); the n-th threshold
of each kind is keyed by (device, n), each kind with its own key.
"""

from __future__ import annotations

import numpy as np

from sim.model.draws import Draws, Mechanism
from sim.model.training import DAYS_PER_MONTH, cumulative_hazard, training_effect


class People:
    """Drift and reports (a mixin of ``FleetModel``)."""

    def _hazards(self) -> None:
        sc = self.sc
        days = np.arange(self.H + 1) + 0.5
        self.effect_mid = training_effect(days, sc.levers.training)
        drift = sc.human_factors.disable_rate_per_month / DAYS_PER_MONTH * (1 - self.effect_mid)
        self.H_drift = cumulative_hazard(drift)
        rc = sc.levers.reporting_channel
        report = rc.report_rate_per_day * (1 + self.effect_mid) if rc.enabled else np.zeros_like(days)
        self.H_report = cumulative_hazard(report)

    def _drift(self, t: int) -> None:
        if self.sc.human_factors.disable_rate_per_month <= 0 or t == 0 or not self.enrolled_per_rep.any():
            return
        # the threshold is finite only for enrolled devices with auto-update on
        hit = self._due_enrolled("drift_threshold", self.H_drift[t])
        if hit.size:
            self.drift_threshold[hit] = np.inf
            self.disabled[hit] = True
            self.next_attempt[hit] = np.inf
            self._new_blind(hit, t)
            self._watch(hit, np.float64(t))

    def _new_blind(self, idx: np.ndarray, t: int) -> None:
        """Devices that just became silently broken: when will somebody report them? (Only
        asked with a reporting channel: without one, nobody ever reports.)"""
        if not self.sc.levers.reporting_channel.enabled:
            return
        n = self.report_draws[idx]
        self.report_draws[idx] = n + 1
        self.report_threshold[idx] = self.H_report[t] + Draws.exponential(self.dev_key[idx], Mechanism.REPORT, n)

    def _new_drift_threshold(self, idx: np.ndarray, t: int) -> None:
        """Devices whose auto-update is (back) on from day ``t``: when will staff switch it off?"""
        n = self.drift_draws[idx]
        self.drift_draws[idx] = n + 1
        self.drift_threshold[idx] = self.H_drift[t] + Draws.exponential(self.dev_key[idx], Mechanism.DRIFT, n)
        self._lower_floor("drift_threshold", self.drift_threshold[idx])

    def _reports(self, t: int) -> None:
        if not self.sc.levers.reporting_channel.enabled or t == 0:
            return
        hit = (self.stuck | self.disabled | self.botched) & ~self.ticket & (self.report_threshold <= self.H_report[t])
        idx = np.flatnonzero(hit)
        if idx.size:
            self._open_tickets(idx, t, np.zeros(idx.size, dtype=bool))

"""The console: what central management sees of each enrolled device.

Without monitoring (``console_visibility`` 0) the console trusts what devices report, so
a silent failure (the device reports success; its update agent is stuck) and a
switched-off auto-update stay invisible until an audit or a report finds them. A share
``console_visibility`` of the devices (drawn per device) has its running version read at
each check-in: when one of them goes wrong, the console sees it at the device's next
check-in (an exponential wait of mean ``checkin_days``, keyed by the device and how many
times it has gone wrong) and opens a technician ticket, so it is no longer a blind spot.
Monitored devices cost ``costs.monitoring_per_device_month`` while enrolled.
"""

from __future__ import annotations

import numpy as np

from sim.model.draws import Draws, Mechanism


class Console:
    """Monitoring of enrolled devices' running versions (a mixin of ``FleetModel``)."""

    def _console_setup(self) -> None:
        self.console_at = np.full(self.M, np.inf)  # when the console next sees a device that went wrong
        self.console_draws = np.zeros(self.M, dtype=np.int32)
        # monitored enrolled devices per replication
        self._monitored = np.zeros(self.R) if self.visible is None else np.zeros(self.R, dtype=np.int64)

    def _watch(self, idx: np.ndarray, when: np.ndarray) -> None:
        """Devices ``idx`` just went silently wrong at ``when``: monitored ones are seen at
        their next check-in."""
        if self.visible is None or not idx.size:
            return
        seen = self.visible[idx]
        idx, when = idx[seen], np.broadcast_to(when, seen.shape)[seen]
        if not idx.size:
            return
        n = self.console_draws[idx]
        self.console_draws[idx] = n + 1
        wait = Draws.exponential(self.dev_key[idx], Mechanism.CONSOLE, n, mean=self.checkin)
        self.console_at[idx] = np.minimum(self.console_at[idx], when + wait)
        self._lower_floor("console_at", self.console_at[idx])

    def _console(self, t: int) -> None:
        """Open tickets for the monitored devices the console saw go wrong by the end of day t."""
        if self.visible is None:
            return
        due = self._due_enrolled("console_at", t)
        if not due.size:
            return
        self.console_at[due] = np.inf
        wrong = due[(self.stuck[due] | self.disabled[due]) & ~self.ticket[due]]
        if wrong.size:
            self._open_tickets(wrong, t, np.zeros(wrong.size, dtype=bool))

    def _monitor_new(self, new: np.ndarray) -> None:
        """Devices ``new`` just enrolled: count those the console monitors."""
        if self.visible is not None:
            self._monitored += np.bincount(self.rep[new[self.visible[new]]], minlength=self.R)

    def monitored_per_rep(self) -> np.ndarray:
        """Enrolled devices the console monitors, per replication (kept up to date at
        enrolment: a device never leaves central management)."""
        return self._monitored

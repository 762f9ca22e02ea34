"""Rollout and attempts: enrolment, staged waves and the automated install attempts.

Devices come under central management at their enrolment moment. A rollout wave offers a
release to the enrolled devices of its slice (department and wave); a device that is
ready (auto-update on, not stuck, behind the offer, no attempt pending) gets its next
check-in, an exponential wait of mean ``checkin_days``. At a check-in the install
succeeds, fails loudly (retried at the next check-in until the retries run out, then a
technician ticket) or fails silently (the device looks updated and is a blind spot).

A faulty release (``faulty_release_share`` of a class's releases) breaks every device
that installs it automatically: the device is out of service (the console sees it; a
technician ticket opens), does not take the release, never tries it again, and works
again once it installs a newer release or a technician visits. Before offering a wave,
the rollout looks at the devices that have tried the release so far: when more than
``halt_failure_share`` of them were broken by it, the release's rollout halts for the
class (hawkBit's error threshold, AWS IoT Jobs' abort config), so later waves and later
departments never get it and wait for the next release.

The day's approvals and waves are applied together: each touches its own slice of
devices, so one vectorised step does what one step per event would.
"""

from __future__ import annotations

import heapq

import numpy as np

from sim.model.draws import Draws, Mechanism
from sim.model.fleet import ranges
from sim.model.releases import CRITICAL

_NONE = np.empty(0, dtype=np.int64)


class Rollout:
    """Enrolment, rollout waves and automated install attempts (a mixin of ``FleetModel``)."""

    def _due_rollouts(self, t: int) -> None:
        """Approvals and waves that fell due by the end of day ``t``.

        The day's events are applied together: each approval or wave touches its own slice
        of devices, so one vectorised step over the slices laid end to end does what one
        step per event would (every draw is keyed by its device, so order does not matter). A day on which one
        wave group comes due twice (two releases of a class close together) is cut in two
        there, because the second event must see what the first did.
        """
        q = self._queue
        approvals: list[tuple[int, int]] = []
        waves: list[tuple[float, int, int]] = []
        while q and q[0][0] <= t:
            when, _, kind, group, seq = heapq.heappop(q)
            if kind == "approve":
                approvals.append((group, seq))
            elif self.group_enrolled[group]:
                waves.append((when, group, seq))
        if approvals:
            self._approve(approvals, t)
        if not waves:
            return
        run_start, seen = 0, set()
        for i, (_, group, _) in enumerate(waves):  # cut where a group comes due again
            if group in seen:
                self._offer(np.array(waves[run_start:i]), t)
                run_start, seen = i, set()
            seen.add(group)
        self._offer(np.array(waves[run_start:]), t)

    def _offer(self, ev: np.ndarray, t: int) -> None:
        """Rollout waves (rows of time, wave group, release; each group once): enrolled
        devices are offered the release and those ready to install get their next check-in.

        A device of the slice whose check-in falls earlier in the day than the wave checks
        in first, and sees what was offered before the wave."""
        when, groups, seqs = ev[:, 0], ev[:, 1].astype(np.int64), ev[:, 2].astype(np.int64)
        go_on = ~self._halts(groups // (self.D * self.W), seqs)
        when, groups, seqs = when[go_on], groups[go_on], seqs[go_on]
        # the slices' enrolled devices, in device order: the enrolled list's stretch that
        # falls in each slice (nothing is offered to the others, nor do they check in)
        on = self.enrolled_idx
        first, end = np.searchsorted(on, self.group_start[groups]), np.searchsorted(on, self.group_start[groups + 1])
        at, pos = ranges(first, end)
        if not at.size:
            return
        idx = on[at]
        moment = when[pos]
        earlier = self.next_attempt[idx] < moment  # finite only for enrolled devices
        if earlier.any():
            self._attempt_chain(idx[earlier], t, moment[earlier])
        offered = np.maximum(self.offered[idx], seqs[pos])
        self.offered[idx] = offered
        ready = ~self.disabled[idx] & ~self.stuck[idx] & np.isinf(self.next_attempt[idx])
        ready &= (offered > self.installed[idx]) & (offered != self.bad_rel[idx])
        go = idx[ready]
        if go.size:
            self._schedule_checkin(go, when[pos[ready]])
            self.retries_left[go] = self.sc.levers.central_management.retries

    def _enrol(self, t: int) -> None:
        end = int(np.searchsorted(self.enrol_sorted, t, side="right"))
        if end == self.n_on_board:
            return
        new = np.sort(self.enrol_order[self.n_on_board : end])  # in device order, as drawn
        self.n_on_board = end
        self.enrolled[new] = True
        self.enrolled_idx = np.flatnonzero(self.enrolled)
        self.enrolled_per_rep += np.bincount(self.rep[new], minlength=self.R)
        self.group_enrolled += np.bincount(self.group_of[new], minlength=self.group_enrolled.size)
        self._monitor_new(new)
        approved = self.approved[self.rcd[new]]
        approved = approved - self.halted[self.rc[new], np.maximum(approved, 0)]  # a halted release is not offered
        self.offered[new] = np.maximum(self.offered[new], approved)
        self._new_drift_threshold(new, t)
        go = new[self.offered[new] > self.installed[new]]
        if go.size:
            # a release approved later on the day of enrolment is offered from its approval
            # (releases from before day 0 count as approved on day 0)
            k, rc = self.offered[go], self.rc[go]
            released = self.rel.day[rc, k]
            approved_at = np.where(released < 0, 0.0, released + self.approval_delay[rc, k, self.dept[go]])
            self._schedule_checkin(go, np.maximum(self.enrol_time[go], approved_at))

    def _schedule_checkin(self, idx: np.ndarray, start: np.ndarray) -> None:
        """Devices ``idx`` (distinct) check in next an exponential wait after ``start``.

        The wait is keyed by (device, release offered, attempt): attempts for a release are
        counted from 0, and the count starts again when a newer release is offered."""
        rel = self.offered[idx]
        a = np.where(self.attempt_rel[idx] == rel, self.attempt_no[idx], 0)
        self.attempt_rel[idx] = rel
        self.attempt_no[idx] = a + 1
        wait = Draws.exponential(self.dev_key[idx], Mechanism.CHECKIN, rel, a, mean=self.checkin)
        self.next_attempt[idx] = start + wait
        self._lower_floor("next_attempt", self.next_attempt[idx])
        new = idx[~self._in_pending[idx]]
        if new.size:
            self._in_pending[new] = True
            self._pending_new.append(new)

    def _attempts(self, t: int) -> None:
        """Automated install attempts due by the end of day ``t``, with retries."""
        if not self.enrolled_per_rep.any():  # attempts are only ever scheduled for enrolled devices
            return
        self._attempt_chain(self._due_checkins(t), t)

    def _pending_checkins(self) -> tuple[np.ndarray, np.ndarray]:
        """The devices that may have a check-in scheduled (a superset of those whose next
        attempt is finite, distinct, in no particular order) and their next attempts."""
        if self._pending_new:
            self._pending = np.concatenate([self._pending, *self._pending_new])
            self._pending_new = []
        return self._pending, self.next_attempt[self._pending]

    def _due_checkins(self, limit: float) -> np.ndarray:
        """``_due_enrolled("next_attempt", limit)`` from the list of devices with a check-in
        scheduled (a few percent of the enrolled ones) instead of every enrolled device: the
        same devices, in device order, and the same lower bound kept when none is due.

        The devices returned and those whose attempt is no longer scheduled leave the list
        (the caller makes or calls off the attempts of those returned; a device scheduled
        again joins it again)."""
        if self._floor["next_attempt"] > limit:
            return _NONE
        pending, when = self._pending_checkins()
        hit = when <= limit
        if not hit.any():
            self._floor["next_attempt"] = float(when.min(initial=np.inf))
            return _NONE
        keep = ~hit
        keep &= when < np.inf
        self._in_pending[pending[~keep]] = False
        self._pending = pending[keep]
        return np.sort(pending[hit])

    def _attempt_chain(self, due: np.ndarray, t: int, before: np.ndarray | None = None) -> None:
        """Check-ins of devices ``due`` (distinct), then their retries that fall by the end
        of day ``t`` or, with ``before`` (one moment per device), strictly before it."""
        retries = self.sc.levers.central_management.retries
        while due.size:
            when = self.next_attempt[due]
            self.next_attempt[due] = np.inf
            ok = self.enrolled[due] & ~self.disabled[due] & ~self.stuck[due] & (self.offered[due] > self.installed[due])
            ok &= self.offered[due] != self.bad_rel[due]
            due, when = due[ok], when[ok]
            if before is not None:
                before = before[ok]
            if not due.size:
                break
            np.add.at(self.tried, (self.rc[due], self.offered[due]), 1)
            # the outcome is keyed like the check-in that led to it
            u = Draws.uniform(self.dev_key[due], Mechanism.OUTCOME, self.attempt_rel[due], self.attempt_no[due] - 1)
            cls = self.cls[due]
            fail = u < self.fail_rate[cls]
            silent = u < self.fail_rate[cls] * self.silent_share[cls]
            success = due[~fail]
            faulty = self.rel.faulty[self.rc[success], self.offered[success]]
            if faulty.any():
                self._break(success[faulty], t)
                success, when_ok = success[~faulty], when[~fail][~faulty]
            else:
                when_ok = when[~fail]
            if success.size:
                self._install(success, self.offered[success], when_ok)
                self.retries_left[success] = retries
                self._close_tickets(success[self.ticket[success]])
            quiet = due[silent]
            if quiet.size:
                self.stuck[quiet] = True
                self.believed[quiet] = np.maximum(self.believed[quiet], self.offered[quiet])
                self._new_blind(quiet, t)
                self._watch(quiet, when[silent])
            loud = fail & ~silent
            if not loud.any():  # no retries: the chain ends here
                break
            again = due[loud]
            again_when = when[loud]
            retry = self.retries_left[again] > 0
            give_up = again[~retry]
            if give_up.size:
                self.retries_left[give_up] = retries
                sev = self.rel.severity[self.rc[give_up], self.offered[give_up]]
                self._open_tickets(give_up, t, sev == CRITICAL)
            again, again_when = again[retry], again_when[retry]
            if not again.size:
                break
            self.retries_left[again] -= 1
            self._schedule_checkin(again, again_when)
            if before is None:
                due = again[self.next_attempt[again] <= t]
            else:
                before = before[loud][retry]
                soon = self.next_attempt[again] < before
                due, before = again[soon], before[soon]

    def _halts(self, rc: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Whether the rollout of release ``k`` of each ``rc`` has halted: it had, or more
        than ``halt_failure_share`` of the devices that tried it were broken by it."""
        halted = self.halted[rc, k]
        tried = self.tried[rc, k]
        now = ~halted & (tried > 0) & (self.broke[rc, k] > self.sc.levers.central_management.halt_failure_share * tried)
        if now.any():
            self.halted[rc[now], k[now]] = True
        return halted | now

    def _break(self, idx: np.ndarray, t: int) -> None:
        """Devices that installed a faulty release: out of service until fixed."""
        k = self.offered[idx]
        np.add.at(self.broken_per_rep, self.rep[idx[~self.broken[idx]]], 1)
        self.broken[idx] = True
        self.bad_rel[idx] = k
        np.add.at(self.broke, (self.rc[idx], k), 1)
        np.add.at(self.rec.broken_new[t], self.rep[idx], 1)
        self.retries_left[idx] = self.sc.levers.central_management.retries
        self._open_tickets(idx, t, self.rel.severity[self.rc[idx], k] == CRITICAL)

    def _lower_floor(self, name: str, values: np.ndarray) -> None:
        """Keep ``self._floor[name]`` a lower bound of the array ``name`` after some of its
        entries were set to ``values``."""
        if values.size:
            self._floor[name] = min(self._floor[name], float(values.min()))

    def _due_enrolled(self, name: str, limit: float) -> np.ndarray:
        """Devices whose entry of the per-device array ``name`` (finite only on enrolled
        devices: next attempt, drift threshold, console look) is at most ``limit``.

        Nothing is looked at while the array's lower bound is above ``limit``; a look that
        finds nothing makes the bound exact, so the quiet days until the next one due cost
        one comparison each."""
        if self._floor[name] > limit:
            return _NONE
        on, part = self._looked_at(name)
        hit = part <= limit
        if not hit.any():
            self._floor[name] = float(part.min(initial=np.inf))
            return _NONE
        return np.flatnonzero(hit) if on is None else on[hit]

    def _least_enrolled(self, name: str, after: float) -> float:
        """A lower bound of the array ``name`` known to hold nothing at or below ``after``
        (the exact least value, worked out only when the bound kept is not above it)."""
        if self._floor[name] <= after:
            self._floor[name] = float(self._looked_at(name)[1].min(initial=np.inf))
        return self._floor[name]

    def _looked_at(self, name: str) -> tuple[np.ndarray | None, np.ndarray]:
        """The entries of the per-device array ``name`` that may be finite, as (their
        devices, None for every device; their values): for check-ins the devices with one
        scheduled, in no particular order (``_due_checkins`` looks at them for the day's
        attempts), else the enrolled devices while they are few."""
        if name == "next_attempt":
            return self._pending_checkins()
        values = getattr(self, name)
        on = self.enrolled_idx
        return (on, values[on]) if on.size * 3 < values.size else (None, values)

    def _enrolled_at_most(self, values: np.ndarray, limit: float) -> np.ndarray:
        """Devices whose ``values`` entry is at most ``limit``, in device order, for values
        finite only on enrolled devices (next attempt, drift threshold): looks at the
        enrolled devices alone while they are few."""
        on = self.enrolled_idx
        if on.size * 3 < values.size:
            return on[values[on] <= limit]
        return np.flatnonzero(values <= limit)

"""The technicians' work queue: first come, first served, critical updates first if asked.

Tickets are appended to one of two logs (critical-first and normal) in the order they
are opened, so each log is already in service order. A ticket that is closed some other
way (the automation installed the update, or the ticket moved to the critical log) is
left in its log and skipped when reached: an entry is live while the device's current
ticket number equals the entry's. Dead entries are dropped when the front passes them or
when a full log is compacted, so a log holds about as many entries as tickets are open.

Work carries over: each open ticket keeps the minutes it still needs. A work day spends
the team's minutes on the tickets in order, each ticket taking at most one technician's
working day (a job is never worked on by two people at once), and a ticket left half done
keeps its place and its remaining minutes for the next day. So a job longer than a day is
served over several days, and the day never ends early because the next job is long.
Splitting the team's minutes this way is always possible person by person (McNaughton's
wrap-around rule: with jobs that may be handed over, a team of ``n`` people working ``s``
minutes each can do any set of jobs of at most ``s`` minutes each and ``n × s`` in all).

Each work day looks only at the front of the logs, as far as the day's minutes reach and
never further than the tickets queued, so its cost follows the work done that day and the
queue's length, not the size of the team's budget.

All replications of a batch share the logs; each replication has its own technicians
and its own daily budget of minutes.
"""

from __future__ import annotations

import numpy as np


def ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The integer ranges [lo, hi) laid end to end, and for each element the range it came from."""
    n = hi - lo
    pos = np.repeat(np.arange(n.size), n)
    return np.arange(pos.size) + (lo - (np.cumsum(n) - n))[pos], pos


DONE = 1e-6  # minutes: a ticket with less than this left is finished (float rounding)


class _Log:
    """One append-only row of (device, ticket number) per replication, with a moving front
    per row; rows are kept in one 2-D array so a work day is a few whole-array steps.
    ``current`` is the queue's ticket number per device: an entry whose number differs is
    dead."""

    def __init__(self, n_reps: int, current: np.ndarray) -> None:
        self.current = current
        self.dev = np.zeros((n_reps, 256), dtype=np.int64)
        self.key = np.full((n_reps, 256), -2, dtype=np.int64)
        self.head = np.zeros(n_reps, dtype=np.int64)
        self.size = np.zeros(n_reps, dtype=np.int64)

    def append(self, reps: np.ndarray, dev: np.ndarray, key: np.ndarray, adds: np.ndarray | None = None) -> None:
        """Append entries; ``reps`` gives each entry's row. Order within a row is kept.
        ``adds`` (optional) is ``np.bincount(reps, minlength=rows)``, if the caller has it."""
        if reps.size > 1 and not (reps[1:] >= reps[:-1]).all():
            order = np.argsort(reps, kind="stable")
            reps, dev, key = reps[order], dev[order], key[order]
        n_rows = self.head.size
        if adds is None:
            adds = np.bincount(reps, minlength=n_rows)
        if (self.size + adds).max() > self.dev.shape[1]:
            self._compact(adds)
        # entry i of row r goes to the row's end, less the entries of rows before it
        offset = self.size - (np.cumsum(adds) - adds)
        offset += np.arange(0, n_rows * self.dev.shape[1], self.dev.shape[1])
        at = offset[reps]
        at += np.arange(reps.size)
        self.dev.reshape(-1)[at] = dev
        self.key.reshape(-1)[at] = key
        self.size += adds

    def _compact(self, adds: np.ndarray) -> None:
        """Keep only the live entries, in order, at the start of each row; size the rows for
        twice what the fullest row needs with ``adds`` more (growing or shrinking). Only the
        entries between each row's front and end are looked at."""
        n_rows, old_cap = self.head.size, self.dev.shape[1]
        rows = np.arange(n_rows)
        at, row = ranges(rows * old_cap + self.head, rows * old_cap + self.size)
        dev, key = self.dev.reshape(-1)[at], self.key.reshape(-1)[at]
        alive = self.current[dev] == key
        row = row[alive]
        live = np.bincount(row, minlength=n_rows)
        cap = max(256, 2 * int((live + adds).max()))
        slot = np.arange(row.size) - (np.cumsum(live) - live)[row]  # place in its row, in order
        self.dev = np.zeros((n_rows, cap), dtype=np.int64)
        self.key = np.full((n_rows, cap), -2, dtype=np.int64)
        slot += row * cap
        self.dev.reshape(-1)[slot] = dev[alive]
        self.key.reshape(-1)[slot] = key[alive]
        self.head = np.zeros_like(self.head)
        self.size = live.astype(np.int64)


class TicketQueue:
    """Open tickets of ``n_devices`` devices in ``n_reps`` replications."""

    def __init__(self, rep: np.ndarray, minutes: np.ndarray, n_reps: int) -> None:
        n = rep.size
        self.rep = rep  # replication of each device
        self.minutes = minutes  # technician minutes each device's update takes
        self.shortest = float(minutes.min()) if minutes.size else 1.0
        self.R = n_reps
        self.open = np.zeros(n, dtype=bool)
        self.urgent = np.zeros(n, dtype=bool)  # the open ticket is in the critical log
        self.remaining = np.zeros(n)  # minutes the open ticket still needs
        self.key = np.full(n, -1, dtype=np.int64)
        self.in_log = np.zeros((2, n_reps), dtype=np.int64)  # open tickets per (log, replication)
        self.logs = (_Log(n_reps, self.key), _Log(n_reps, self.key))  # critical first, then normal
        self._next = 0

    def add(self, idx: np.ndarray, urgent: np.ndarray | None, *, distinct: bool = False) -> None:
        """Open tickets (``urgent`` ones go to the critical log; None: none is). An open
        ticket only ever moves up to the critical log, keeping the work already done on it;
        otherwise it keeps its place. ``distinct`` says the caller knows no device is listed
        twice."""
        if not idx.size:
            return
        if urgent is None:
            if not distinct:
                idx = _first_each(idx, np.zeros(idx.size, dtype=bool))[0]
        elif not distinct:
            idx, urgent = _first_each(idx, urgent)
        if urgent is None or not urgent.any():  # then no ticket moves up: only devices without one get one
            idx = idx[~self.open[idx]]
            if idx.size:  # (a device without an open ticket is not marked urgent)
                rep = self.rep[idx]
                adds = np.bincount(rep, minlength=self.R)
                self.in_log[1] += adds
                keys = np.arange(self._next, self._next + idx.size, dtype=np.int64)
                self._next += idx.size
                self.remaining[idx] = self.minutes[idx]
                self.open[idx] = True
                self.key[idx] = keys
                self.logs[1].append(rep, idx, keys, adds)
            return
        already = self.open[idx]
        move = already & urgent & ~self.urgent[idx]
        keep = ~already | move
        idx, urgent = idx[keep], urgent[keep]
        if not idx.size:
            return
        moved = self.open[idx]
        self.in_log[1] -= np.bincount(self.rep[idx[moved]], minlength=self.R)
        self.in_log[0] += np.bincount(self.rep[idx[urgent]], minlength=self.R)
        self.in_log[1] += np.bincount(self.rep[idx[~urgent]], minlength=self.R)
        keys = self._next + np.arange(idx.size, dtype=np.int64)
        self._next += idx.size
        fresh = idx[~moved]
        self.remaining[fresh] = self.minutes[fresh]
        self.open[idx] = True
        self.urgent[idx] = urgent
        self.key[idx] = keys
        for log, mask in ((self.logs[0], urgent), (self.logs[1], ~urgent)):
            if mask.any():
                log.append(self.rep[idx[mask]], idx[mask], keys[mask])

    def close(self, idx: np.ndarray) -> None:
        """Close tickets (their log entries become dead and are skipped); work done on
        them is lost."""
        idx = idx[self.open[idx]]
        if not idx.size:
            return
        urgent = self.urgent[idx]
        if urgent.any():
            self.in_log[0] -= np.bincount(self.rep[idx[urgent]], minlength=self.R)
            self.in_log[1] -= np.bincount(self.rep[idx[~urgent]], minlength=self.R)
        else:
            self.in_log[1] -= np.bincount(self.rep[idx], minlength=self.R)
        self.open[idx] = False
        self.urgent[idx] = False
        self.remaining[idx] = 0.0
        self.key[idx] = -1

    def serve(self, budget: float, shift: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """One work day: each replication spends up to ``budget`` minutes on its tickets in
        order, at most ``shift`` minutes (one technician's day; default: the whole budget)
        on any one ticket. Returns the devices whose tickets were finished (and closed) and
        the minutes used per replication."""
        shift = float(budget) if shift is None else min(float(shift), float(budget))
        left = np.full(self.R, float(budget))
        served: list[np.ndarray] = []
        if shift > 0:
            for which, log in enumerate(self.logs):
                done = self._serve_log(log, left, self.in_log[which], shift)
                if done.size:
                    served.append(done)
        out = np.concatenate(served) if served else np.empty(0, dtype=np.int64)
        used = budget - left
        self.close(out)
        return out, used

    @property
    def count(self) -> np.ndarray:
        """Open tickets per replication."""
        return self.in_log.sum(axis=0)

    def _serve_log(self, log: _Log, left: np.ndarray, live_total: np.ndarray, shift: float) -> np.ndarray:
        if not (live_total > 0).any() or not (left > 0).any():
            return np.empty(0, dtype=np.int64)
        # Window: what the day's minutes can cover (a fresh ticket takes at least the
        # shortest job or a shift), never wider than the longest row, widened while some
        # replication still has minutes left and entries beyond the window.
        longest = int((log.size - log.head).max())
        per_ticket = min(self.shortest, shift)
        width = min(longest, int(max(16, 2 * (left.max() / per_ticket + 1))))
        cap = log.dev.shape[1]
        row_start = np.arange(0, self.R * cap, cap)[:, None]  # where each row starts in the flat log
        while True:
            cols = log.head[:, None] + np.arange(width)
            inside = cols < log.size[:, None]
            np.minimum(cols, cap - 1, out=cols)
            cols += row_start  # now places in the flattened log
            dev, key = log.dev.reshape(-1)[cols], log.key.reshape(-1)[cols]
            live = inside & (self.key[dev] == key)
            remaining = self.remaining[dev]
            today = np.where(live, np.minimum(remaining, shift), 0.0)  # most a ticket takes today
            within = np.cumsum(today, axis=1)
            wants_more = within[:, -1] < left - DONE
            beyond = log.head + width < log.size
            if width >= longest or not (wants_more & beyond).any():
                break
            width = min(2 * width, longest)
        # In order, each ticket gets what it can take today or what is left of the day.
        work = np.clip(left[:, None] - (within - today), 0.0, today)
        left -= work.sum(axis=1)
        rest = remaining - work  # (read only where live)
        worked = work > 0  # (only live entries get work: today is 0 elsewhere)
        finished = worked & (rest <= DONE)
        keep = live & ~finished
        partial = worked & ~finished
        self.remaining[dev[partial]] = rest[partial]
        # The row's new front is its first live entry left unfinished (or the window's end).
        end = np.minimum(log.head + width, log.size)
        log.head = np.where(keep.any(axis=1), log.head + keep.argmax(axis=1), end)
        return dev[finished]


def _first_each(idx: np.ndarray, urgent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each device once, at its first position; urgent if any of its requests was."""
    if idx.size < 2 or bool((idx[1:] > idx[:-1]).all()):  # strictly increasing: no repeats
        return idx, urgent
    uniq, first, inverse = np.unique(idx, return_index=True, return_inverse=True)
    if uniq.size == idx.size:
        return idx, urgent
    any_urgent = np.zeros(uniq.size, dtype=bool)
    np.logical_or.at(any_urgent, inverse, urgent)
    order = np.argsort(first, kind="stable")
    return uniq[order], any_urgent[order]


def critical_counts(severity: np.ndarray, critical: int) -> np.ndarray:
    """Per release schedule row (replication x class): column ``j + 1`` counts the critical
    releases among releases ``0 .. j``; column 0 is 0. ``severity`` is (rows, releases),
    negative where a row has no such release."""
    crit = (severity == critical).astype(np.int64)
    return np.concatenate([np.zeros((crit.shape[0], 1), dtype=np.int64), np.cumsum(crit, axis=1)], axis=1)


def lacks_critical(counts: np.ndarray, row: np.ndarray, installed: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Whether a release after ``installed`` up to ``target`` (what a visit would install)
    is critical, per device; ``counts`` from ``critical_counts``, ``row`` each device's
    schedule row."""
    last = counts.shape[1] - 1
    hi = np.clip(np.asarray(target, dtype=np.int64) + 1, 0, last)
    lo = np.clip(np.asarray(installed, dtype=np.int64) + 1, 0, last)
    return counts[row, hi] > counts[row, lo]

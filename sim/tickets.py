"""The technicians' work queue: first come, first served, critical updates first if asked.

Tickets are appended to one of two logs (critical-first and normal) in the order they
are opened, so each log is already in service order. A ticket that is closed some other
way (the automation installed the update, or the ticket moved to the critical log) is
left in its log and skipped when reached: an entry is live while the device's current
ticket number equals the entry's. Each work day looks only at the front of the logs,
so its cost follows the work done that day, not the length of the backlog.

All replications of a batch share the logs; each replication has its own technicians
and its own daily budget of minutes.
"""

from __future__ import annotations

import numpy as np


class _Log:
    """One append-only row of (device, ticket number) per replication, with a moving front
    per row; rows are kept in one 2-D array so a work day is a few whole-array steps."""

    def __init__(self, n_reps: int) -> None:
        self.dev = np.zeros((n_reps, 256), dtype=np.int64)
        self.key = np.full((n_reps, 256), -2, dtype=np.int64)
        self.head = np.zeros(n_reps, dtype=np.int64)
        self.size = np.zeros(n_reps, dtype=np.int64)

    def append(self, reps: np.ndarray, dev: np.ndarray, key: np.ndarray) -> None:
        """Append entries; ``reps`` gives each entry's row. Order within a row is kept."""
        if reps.size > 1 and not (reps[1:] >= reps[:-1]).all():
            order = np.argsort(reps, kind="stable")
            reps, dev, key = reps[order], dev[order], key[order]
        n_rows = self.head.size
        adds = np.bincount(reps, minlength=n_rows)
        first = np.concatenate([[0], np.cumsum(adds)[:-1]])
        slot = self.size[reps] + np.arange(reps.size) - first[reps]
        if (self.size + adds).max() > self.dev.shape[1]:
            self._compact_and_grow(int((self.size - self.head + adds).max()))
            slot = self.size[reps] + np.arange(reps.size) - first[reps]
        self.dev[reps, slot] = dev
        self.key[reps, slot] = key
        self.size += adds

    def _compact_and_grow(self, need: int) -> None:
        live = self.size - self.head
        cap = max(256, 2 * need)
        cols = np.arange(cap)[None, :]
        src = np.minimum(self.head[:, None] + cols, self.dev.shape[1] - 1)
        rows = np.arange(self.head.size)[:, None]
        inside = cols < live[:, None]
        self.dev = np.where(inside, self.dev[rows, src], 0)
        self.key = np.where(inside, self.key[rows, src], -2)
        self.head = np.zeros_like(self.head)
        self.size = live


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
        self.key = np.full(n, -1, dtype=np.int64)
        self.in_log = np.zeros((2, n_reps), dtype=np.int64)  # open tickets per (log, replication)
        self.logs = (_Log(n_reps), _Log(n_reps))  # critical first, then normal
        self._next = 0

    def add(self, idx: np.ndarray, urgent: np.ndarray, *, distinct: bool = False) -> None:
        """Open tickets (``urgent`` ones go to the critical log). An open ticket only ever
        moves up to the critical log; otherwise it keeps its place. ``distinct`` says the
        caller knows no device is listed twice."""
        if not idx.size:
            return
        if not distinct:
            idx, urgent = _first_each(idx, urgent)
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
        self.open[idx] = True
        self.urgent[idx] = urgent
        self.key[idx] = keys
        for log, mask in ((self.logs[0], urgent), (self.logs[1], ~urgent)):
            if mask.any():
                log.append(self.rep[idx[mask]], idx[mask], keys[mask])

    def close(self, idx: np.ndarray) -> None:
        """Close tickets (their log entries become dead and are skipped)."""
        idx = idx[self.open[idx]]
        if not idx.size:
            return
        urgent = self.urgent[idx]
        self.in_log[0] -= np.bincount(self.rep[idx[urgent]], minlength=self.R)
        self.in_log[1] -= np.bincount(self.rep[idx[~urgent]], minlength=self.R)
        self.open[idx] = False
        self.urgent[idx] = False
        self.key[idx] = -1

    def serve(self, budget: float) -> tuple[np.ndarray, np.ndarray]:
        """One work day: each replication spends up to ``budget`` minutes on its tickets in
        order. Returns the devices served (their tickets closed) and minutes used per rep."""
        left = np.full(self.R, float(budget))
        served: list[np.ndarray] = []
        for which, log in enumerate(self.logs):
            done = self._serve_log(log, left, self.in_log[which])
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

    def _serve_log(self, log: _Log, left: np.ndarray, live_total: np.ndarray) -> np.ndarray:
        if not (live_total > 0).any() or not (left > 0).any():
            return np.empty(0, dtype=np.int64)
        # Window: what the day's budget can cover, widened while some replication still has
        # minutes left and unseen entries beyond the window.
        per_min = self.shortest
        width = int(max(16, 2 * (left.max() / per_min + 1)))
        rows = np.arange(self.R)[:, None]
        while True:
            cols = log.head[:, None] + np.arange(width)[None, :]
            inside = cols < log.size[:, None]
            cols = np.minimum(cols, log.dev.shape[1] - 1)
            dev, key = log.dev[rows, cols], log.key[rows, cols]
            live = inside & (self.key[dev] == key)
            m = np.where(live, self.minutes[dev], 0.0)
            within = np.cumsum(m, axis=1)
            take = live & (within <= left[:, None] + 1e-9)
            blocked = (live & ~take).any(axis=1)
            more = log.head + width < log.size
            if not (~blocked & more).any():
                break
            width *= 2
        left -= np.where(take, m, 0.0).sum(axis=1)
        # Minutes add up along a row, so the served tickets are the row's first live entries:
        # the row's new front is its first live entry left unserved (or the window's end).
        keep = live & ~take
        end = np.minimum(log.head + width, log.size)
        log.head = np.where(keep.any(axis=1), log.head + keep.argmax(axis=1), end)
        return dev[take]


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

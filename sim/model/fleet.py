"""Fleet layout: how many devices of each class sit in each department and rollout wave.

Devices of every replication in the batch are laid out contiguously by (replication,
class, department, wave), so a rollout wave or an approval touches a slice, not a
scattered index. A device is named by its number ``j`` within its class, and every draw
about it is keyed by (replication, class, ``j``) (sim/model/draws.py): its department
(drawn with the departments' shares) and its rollout wave (with the waves' shares) are
two separate draws, so the departments do not move when the waves change. Each device
then draws whether its class lets it be managed over the air (``ota_capable``), whether
and when it comes under central management (an enrolled device comes on board at a
uniformly random moment in ``[0, onboarding_days]``), and whether it starts compliant
(``initial_compliance``).
"""

from __future__ import annotations

import numpy as np

from sim.model.draws import Draws, Mechanism
from sim.tickets import ranges

__all__ = ["FleetLayout", "ranges"]


def _count_at_most(edges: np.ndarray, x: np.ndarray) -> np.ndarray:
    """For each ``x``, how many of the (sorted) ``edges`` are at most it: what
    ``np.searchsorted(edges, x, side="right")`` gives, as one comparison per edge while the
    edges are few (cheaper than a binary search per element)."""
    if edges.size > 16:
        return np.searchsorted(edges, x, side="right")
    out = np.zeros(x.shape, dtype=np.int64)
    for edge in edges:
        out += x >= edge
    return out


class FleetLayout:
    """Fleet layout and per-device draws (a mixin of ``FleetModel``)."""

    def _layout(self) -> np.ndarray:
        """Lay the devices out and draw their enrolment moments; returns each device's
        uniform for day-0 compliance."""
        sc, R, C, D, W = self.sc, self.R, self.C, self.D, self.W
        classes = sc.fleet.device_classes
        dept_cum = np.cumsum([d.share for d in sc.fleet.departments], dtype=float)
        wave_cum = np.cumsum(sc.levers.central_management.waves, dtype=float)
        # Device j of class c in replication r, in that order, before the layout sorts them.
        counts = np.array([cls.count for cls in classes], dtype=np.int64)
        per_rep = int(counts.sum())
        rep = np.repeat(np.arange(R, dtype=np.int64), per_rep)
        cls = np.tile(np.repeat(np.arange(C, dtype=np.int64), counts), R)
        j = np.tile(np.concatenate([np.arange(n, dtype=np.int64) for n in counts] or [np.zeros(0, np.int64)]), R)
        key = self.draws.key(self.replications[rep], cls, j) if rep.size else np.zeros(0, dtype=np.uint64)
        # Each device's department and wave: a category drawn from its own uniform, so the
        # counts are multinomial and the departments do not depend on the waves.
        pick = lambda mech, cum: np.minimum(  # noqa: E731
            _count_at_most(cum, Draws.uniform(key, mech) * cum[-1]), cum.size - 1
        )
        dept, wave = pick(Mechanism.DEPARTMENT, dept_cum), pick(Mechanism.WAVE, wave_cum)
        group = ((rep * C + cls) * D + dept) * W + wave
        # by (replication, class, department, wave), then j (a stable sort: a radix sort when
        # the groups fit in 16 bits)
        order = np.argsort(group.astype(np.uint16) if R * C * D * W <= 2**16 else group, kind="stable")
        self.dev_key = key[order]
        self.dev_index = j[order]  # each device's number within its class
        self.group_sizes = np.bincount(group, minlength=R * C * D * W)
        self.group_start = np.concatenate([[0], np.cumsum(self.group_sizes)])
        self.N = per_rep if R else 0  # devices per replication
        M = int(self.group_start[-1])
        self.M = M
        g = group[order]
        self.rep = (g // (C * D * W)).astype(np.int32)
        self.cls = ((g // (D * W)) % C).astype(np.int32)
        self.dept = ((g // W) % D).astype(np.int32)
        self.rc = (self.rep * C + self.cls).astype(np.int32)
        self.rcd = (self.rc * D + self.dept).astype(np.int32)
        self.rcd_start = self.group_start[::W]
        self.rc_start = self.group_start[:: D * W]
        self.rep_start = self.group_start[:: C * D * W]

        # Per-device draws, one uniform each, keyed by the device.
        u_init = Draws.uniform(self.dev_key, Mechanism.INITIAL)
        # whether the console reads the device's running version (once enrolled)
        visibility = sc.levers.central_management.console_visibility
        self.visible = Draws.uniform(self.dev_key, Mechanism.VISIBLE) < visibility if visibility > 0 else None

        ota = np.array([c.ota_capable for c in classes])[self.cls]
        self.fail_rate = np.array([c.install_failure_rate for c in classes])
        self.silent_share = np.array([c.silent_failure_share for c in classes])
        self.minutes = np.array([c.manual_minutes for c in classes], dtype=float)
        cm = sc.levers.central_management
        self.checkin = cm.checkin_days
        share = cm.enrolled_share
        if share > 0:
            # whether the device's class lets it be managed over the air, and its enrolment
            # draw: device i is on board at onboarding_days * u_i / share if u_i < share;
            # dividing only there keeps a vanishingly small share from overflowing in the
            # devices never enrolled
            u_ota = Draws.uniform(self.dev_key, Mechanism.OTA)
            enrol_u = np.where(u_ota < ota, Draws.uniform(self.dev_key, Mechanism.ENROL), np.inf)
            enrolled = enrol_u < share
            self.enrol_time = np.divide(
                cm.onboarding_days * np.where(enrolled, enrol_u, 0.0), share, out=np.full(M, np.inf), where=enrolled
            )
            # devices in the order they come on board
            self.enrol_order = np.argsort(self.enrol_time, kind="stable")
        else:  # nobody enrols (and those two draws would not be used)
            self.enrol_time = np.full(M, np.inf)
            self.enrol_order = np.arange(M)  # what a stable sort of equal moments gives
        self.enrol_sorted = self.enrol_time[self.enrol_order]
        self.n_on_board = 0  # how many of them already have come on board
        self.group_of = g.astype(np.int32)
        self.group_enrolled = np.zeros(self.group_sizes.size, dtype=np.int64)
        # per wave group: whether any of its devices ever comes under central management
        # (a rollout wave of a group that never does offers nothing, and is not queued)
        ever = np.bincount(self.group_of[np.isfinite(self.enrol_time)], minlength=self.group_sizes.size) > 0
        self.group_managed: list[bool] = ever.tolist()
        self.enrolled_per_rep = np.zeros(R, dtype=np.int64)
        return u_init

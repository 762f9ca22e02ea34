"""Fleet layout: how many devices of each class sit in each department and rollout wave.

Devices of every replication in the batch are laid out contiguously by (replication,
class, department, wave), so a rollout wave or an approval touches a slice, not a
scattered index. Each replication splits each class's devices over departments, and
each department's over waves, by multinomial draws. Each device then draws whether its
class lets it be managed over the air (``ota_capable``), when it comes under central
management (enrolled devices come on board at moments spread over ``onboarding_days``),
and whether it starts compliant (``initial_compliance``).
"""

from __future__ import annotations

import numpy as np


def ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The integer ranges [lo, hi) laid end to end, and for each element the range it came from."""
    n = hi - lo
    pos = np.repeat(np.arange(n.size), n)
    return np.arange(pos.size) + (lo - (np.cumsum(n) - n))[pos], pos


class FleetLayout:
    """Fleet layout and per-device draws (a mixin of ``FleetModel``)."""

    def _layout(self, fleet_rngs: list[np.random.Generator]) -> np.ndarray:
        """Lay the devices out and draw their enrolment moments; returns each device's
        uniform for day-0 compliance."""
        sc, R, C, D, W = self.sc, self.R, self.C, self.D, self.W
        classes = sc.fleet.device_classes
        dept_share = np.array([d.share for d in sc.fleet.departments], dtype=float)
        dept_share /= dept_share.sum()
        wave_share = np.array(sc.levers.central_management.waves, dtype=float)
        wave_share /= wave_share.sum()
        sizes = np.zeros((R, C, D, W), dtype=np.int64)
        for r, rng in enumerate(fleet_rngs):
            for c, cls in enumerate(classes):
                per_dept = rng.multinomial(cls.count, dept_share)
                for d in range(D):
                    sizes[r, c, d] = rng.multinomial(per_dept[d], wave_share)
        self.group_sizes = sizes.reshape(-1)
        self.group_start = np.concatenate([[0], np.cumsum(self.group_sizes)])
        self.N = int(sizes[0].sum()) if R else 0  # devices per replication
        M = int(self.group_start[-1])
        self.M = M
        g = np.repeat(np.arange(self.group_sizes.size), self.group_sizes)
        self.rep = (g // (C * D * W)).astype(np.int32)
        self.cls = ((g // (D * W)) % C).astype(np.int32)
        self.dept = ((g // W) % D).astype(np.int32)
        self.rc = (self.rep * C + self.cls).astype(np.int32)
        self.rcd = (self.rc * D + self.dept).astype(np.int32)
        self.rcd_start = self.group_start[::W]
        self.rc_start = self.group_start[:: D * W]
        self.rep_start = self.group_start[:: C * D * W]

        # Per-device draws, one uniform each, made per replication so a replication's fleet
        # does not depend on how many replications run beside it.
        u = np.empty((M, 3))
        for r, rng in enumerate(fleet_rngs):
            lo, hi = self.rep_start[r], self.rep_start[r + 1]
            u[lo:hi] = rng.random((hi - lo, 3))
        u_ota, u_enrol, u_init = u[:, 0], u[:, 1], u[:, 2]

        ota = np.array([c.ota_capable for c in classes])[self.cls]
        self.fail_rate = np.array([c.install_failure_rate for c in classes])
        self.silent_share = np.array([c.silent_failure_share for c in classes])
        self.minutes = np.array([c.manual_minutes for c in classes], dtype=float)
        cm = sc.levers.central_management
        self.checkin = cm.checkin_days
        enrol_u = np.where(u_ota < ota, u_enrol, np.inf)
        share = cm.enrolled_share
        if share > 0:
            # device i is on board at onboarding_days * u_i / share if u_i < share; dividing only
            # there keeps a vanishingly small share from overflowing in the devices never enrolled
            enrolled = enrol_u < share
            self.enrol_time = np.divide(
                cm.onboarding_days * np.where(enrolled, enrol_u, 0.0), share, out=np.full(M, np.inf), where=enrolled
            )
        else:
            self.enrol_time = np.full(M, np.inf)
        # devices in the order they come on board, and how many of them already have
        self.enrol_order = np.argsort(self.enrol_time, kind="stable")
        self.enrol_sorted = self.enrol_time[self.enrol_order]
        self.n_on_board = 0
        self.group_of = g.astype(np.int32)
        self.group_enrolled = np.zeros(self.group_sizes.size, dtype=np.int64)
        self.enrolled_per_rep = np.zeros(R, dtype=np.int64)
        return u_init

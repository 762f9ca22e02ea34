"""The model: one batch of replications, with the mechanisms orchestrated in time.

Device state lives in numpy arrays, one entry per device of every replication in the
batch (replications are simply more devices, so every daily step is one vectorised
operation). SimPy processes stand for the things that happen at points in time:

* one release process per (replication, device class) walks the release schedule and
  queues each department's approval and rollout waves (approvals.py);
* the day process, at the end of each day on which something is due (quiet days in
  between are filled in one step, quiet_days.py), applies what fell due during the day:
  approvals and rollout waves, enrolment and automated install attempts (rollout.py),
  staff switching off auto-update and reports (people.py), what the console sees
  (console.py), the technicians' work day
  (technicians.py); then it records the day (record.py); an audit round that falls
  in the day (every ``audits.interval_days``) comes before the work day (audits.py).

Each mechanism lives in its own module as a mixin over the shared state of the batch
(fleet.py lays the devices out, state.py holds what each has installed, draws.py makes
every random draw from a key naming what it is about). Mechanisms are described in
plain words in docs/background/model.md.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np
import simpy

from sim.model.approvals import Approvals
from sim.model.audits import Audits
from sim.model.console import Console
from sim.model.draws import Draws
from sim.model.fleet import FleetLayout
from sim.model.people import People
from sim.model.quiet_days import QuietDays
from sim.model.record import Record, Recording
from sim.model.releases import ReleaseSchedule, draw_releases
from sim.model.rollout import Rollout
from sim.model.state import DeviceState
from sim.model.technicians import Technicians
from sim.scenario import Scenario


class Interrupted(Exception):
    """Raised through ``run`` when a progress callback asks to stop."""


class _DayEnd(simpy.events.Event):
    """The end of a day, ``delay`` from now: after every other event at that moment, so a
    release or approval that falls exactly on a day's end belongs to that day."""

    def __init__(self, env: simpy.Environment, delay: float) -> None:
        self.env = env
        self.callbacks = []
        self._value = None
        self._ok = True
        env.schedule(self, DAY_END_PRIORITY, delay)


DAY_END_PRIORITY = simpy.core.NORMAL + 1  # after SimPy's normal events at the same moment


class FleetModel(
    FleetLayout, DeviceState, Approvals, Rollout, People, Console, Audits, Technicians, Recording, QuietDays
):
    """One batch of replications of a scenario, simulated together."""

    skip_quiet_days = True  # False steps every day (the same results, slower: for tests)

    def __init__(self, scenario: Scenario, replications: Sequence[int], draws: Draws) -> None:
        """Simulate the replications numbered ``replications`` (their numbers in the whole
        run, which key their random draws) with the keyed draws of ``draws``."""
        self.sc = scenario
        self.replications = np.asarray(replications, dtype=np.int64)
        self.R = self.replications.size
        self.H = scenario.simulation.horizon_days
        self.T = self.H + 1
        classes = scenario.fleet.device_classes
        depts = scenario.fleet.departments
        cm = scenario.levers.central_management
        self.C, self.D, self.W = len(classes), len(depts), len(cm.waves)
        self.draws = draws
        self.rel: ReleaseSchedule = draw_releases(scenario, draws, self.replications.tolist())
        self.K = self.rel.width
        u_init = self._layout()
        self._initial_state(u_init)
        self._console_setup()
        self._approval_delays()
        self._technicians_setup()
        self._hazards()
        self._calendar()
        self.rec = self._new_record()
        self._quiet_setup()
        self.env = simpy.Environment()
        self._queue: list[tuple[float, int, str, int, int]] = []
        self._counter = itertools.count()
        self._ttp_rows: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._ttp_buffered = 0  # installs since the time-to-patch sums last reached the record's totals
        self._ttp_held = 0  # installs held, not yet tallied
        self.progress: Callable[[float], None] | None = None
        self._table_time = np.inf  # the state table is built on first use
        self.audit_round = 0

    def run(self) -> Record:
        env = self.env
        # Devices known to be behind on day 0 are the technicians' starting backlog, except
        # those that central management takes over on day 0.
        behind = np.flatnonzero((self.installed < self.approved[self.rcd]) & (self.enrol_time > 0))
        self._open_tickets(behind, 0, np.zeros(behind.size, dtype=bool))
        for rc in range(self.R * self.C):
            env.process(self._release_process(rc))
        env.process(self._day_process())
        env.run(until=self.H + 0.5)
        self._levels_to_record()
        self._costs_to_record()
        self._flush_ttp()
        return self.rec

    def _day_process(self):
        """Step the days on which something is due; fill the quiet days between them."""
        t = 0
        while t <= self.H:
            if t > 0:
                yield _DayEnd(self.env, t - self.env.now)
            self._due_rollouts(t)
            self._enrol(t)
            self._attempts(t)
            self._drift(t)
            self._reports(t)
            self._console(t)
            self._due_audits(t)
            self._workday(t)
            self._record(t)
            self._flush_ttp_if_full(t)
            nxt = self._next_busy_day(t) if self.skip_quiet_days else t + 1
            self._fill_quiet(t + 1, nxt)
            if self.progress is not None and (t % 16 == 0 or t // 16 != (nxt - 1) // 16):
                self.progress(t / self.H if self.H else 1.0)
            t = nxt

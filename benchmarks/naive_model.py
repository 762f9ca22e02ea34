"""The yardstick: a straightforward SimPy model with one process per device per update.

Issue 2 (section 5) asks the engine in ``sim/`` to process at least 50x the
device-updates per second of the obvious way to write this model in SimPy. This module
is that obvious way, kept honest so the comparison is fair: it is written the way a
careful engineer would write it first (``random.Random`` scalar draws, which are faster
than numpy's for one number at a time; no per-day loop over devices; the KPI computed
afterwards from an install log with numpy), and it does the same kind of work per
device-update as the engine.

What it covers, for the fleet of a given :class:`sim.Scenario`:

* the release schedule of every device class, drawn by ``sim.model.releases.draw_releases``
  (the same cadence, severities, deadlines and pre-day-0 history as the engine);
* the fleet: per device a department (by ``share``), a rollout wave (by ``waves``),
  OTA capability and an enrolment day (the same linear onboarding ramp as the engine);
* one release process per device class that, at each release, draws each department's
  approval delay (gamma, mean and spread set by ``update_policy.clarity``; none for
  critical updates when ``prioritize_critical``) and spawns **one process per device**;
* each device process waits for the approval delay; an enrolled device then waits for
  its wave (``wave_gap_days`` apart) and for the device's next check-in (exponential,
  mean ``checkin_days``; one check-in clock per device, shared by its pending updates),
  attempts the install, fails with ``install_failure_rate`` (a share
  ``silent_failure_share`` silently: the device is stuck until a technician visits it),
  retries a reported failure up to ``retries`` times at later check-ins, then escalates
  to a technician;
* devices not enrolled at approval queue for a ``simpy.Resource`` of
  ``technicians.count`` technicians (a ``PriorityResource``, critical first, when
  ``prioritize_critical``); each ticket takes ``manual_minutes`` of one technician's
  ``hours_per_day`` working day and is botched with ``manual_error_rate``; a technician
  installs the newest approved update of the device's class and department;
* updates are cumulative: a process whose update was already covered by a newer install
  stops at its next step;
* the day-0 state as the engine sets it: compliant devices have every release whose
  deadline has passed, the others miss the newest of those; devices behind the newest
  pre-day-0 release catch up automatically if enrolled on day 0, else start as technician
  tickets.

Not covered (the engine has them, they add little per-device work in this form): staff
switching off auto-update, audits, the reporting channel, training, faulty releases and
halted rollouts, the console's monitoring, costs, and every
output except the daily compliance KPI.

"Device-updates" are the (device, release) pairs whose release falls in
``[0, horizon_days]``: exactly the per-device processes this model spawns, and the count
``bench_engine.py`` recovers from the engine's ``release_ratio`` series.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np
import simpy

from sim.model.draws import Draws
from sim.model.releases import draw_releases
from sim.scenario import SEVERITIES, Scenario

CRITICAL = SEVERITIES.index("critical")


@dataclass
class NaiveResult:
    """What one run of the naive model produced."""

    device_updates: int  # (device, release) pairs released in [0, horizon]: one process each
    installs: int  # successful installs (automated or manual)
    tickets: int  # technician visits requested
    compliance: np.ndarray  # (horizon + 1,) share of devices compliant at the end of each day


class Device:
    """One device: where it sits in the fleet and what it has installed."""

    __slots__ = ("dept", "enrolled_at", "group", "index", "installed", "klass", "next_checkin", "stuck", "wave")

    def __init__(self, index: int, klass: int, dept: int, wave: int, enrolled_at: float, installed: int):
        self.index = index
        self.klass = klass
        self.dept = dept
        self.group = (klass, dept)
        self.wave = wave
        self.enrolled_at = enrolled_at
        self.installed = installed
        self.stuck = False
        self.next_checkin = -math.inf  # the device's own check-in clock, shared by its update processes


class NaiveModel:
    """One replication of a scenario, one SimPy process per device per update."""

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        self.sc = scenario
        self.H = scenario.simulation.horizon_days
        self.random = random.Random(seed)
        self.rel = draw_releases(scenario, Draws(seed), [0])
        self.env = simpy.Environment()
        tech = scenario.levers.technicians
        self.prioritise = scenario.levers.update_policy.prioritize_critical
        # A plain FIFO Resource unless critical tickets jump the queue: simpy's
        # PriorityResource re-sorts its queue on every request, which would handicap the
        # yardstick more than the naive design itself does.
        kind = simpy.PriorityResource if self.prioritise else simpy.Resource
        self.technicians = kind(self.env, capacity=max(tech.count, 1))
        self.has_technicians = tech.count > 0 and tech.hours_per_day > 0
        self.day_minutes = tech.hours_per_day * 60.0
        self.approved: dict[tuple[int, int], int] = {}
        self.log_device: list[int] = []
        self.log_time: list[float] = []
        self.log_release: list[int] = []
        self.device_updates = 0
        self.tickets = 0
        self._build_fleet()

    def _build_fleet(self) -> None:
        sc, rnd = self.sc, self.random
        cm = sc.levers.central_management
        depts = range(len(sc.fleet.departments))
        dept_share = [d.share for d in sc.fleet.departments]
        waves = range(len(cm.waves))
        self.devices: list[Device] = []
        self.by_class: list[list[Device]] = []
        for c, cls in enumerate(sc.fleet.device_classes):
            days = self.rel.day[c]
            last_before = int(np.count_nonzero(days < 0)) - 1
            overdue0 = int(np.flatnonzero(self.rel.deadline[c] <= 0).max(initial=-1))
            members = []
            for _ in range(cls.count):
                enrolled_at = math.inf
                u = rnd.random()
                if rnd.random() < cls.ota_capable and u < cm.enrolled_share:
                    enrolled_at = cm.onboarding_days * u / cm.enrolled_share
                compliant = rnd.random() < sc.fleet.initial_compliance
                dev = Device(
                    index=len(self.devices),
                    klass=c,
                    dept=rnd.choices(depts, dept_share)[0],
                    wave=rnd.choices(waves, cm.waves)[0],
                    enrolled_at=enrolled_at,
                    installed=overdue0 if compliant else overdue0 - 1,
                )
                self.devices.append(dev)
                members.append(dev)
            self.by_class.append(members)
            for d in depts:
                self.approved[(c, d)] = last_before
        self.day0_installed = np.array([d.installed for d in self.devices], dtype=np.int64)

    # ------------------------------------------------------------------ processes

    def _release_process(self, c: int):
        env, sc, rnd = self.env, self.sc, self.random
        policy = sc.levers.update_policy
        clarity = policy.clarity
        spread = 1.0 - clarity
        means = [
            clarity * policy.approval_delay_days + (1 - clarity) * d.approval_delay_days for d in sc.fleet.departments
        ]
        for k in range(int(self.rel.count[c])):
            day = float(self.rel.day[c, k])
            if day < 0:
                continue
            yield env.timeout(day - env.now)
            critical = int(self.rel.severity[c, k]) == CRITICAL
            urgent = critical and policy.prioritize_critical
            delays = []
            for mean in means:
                if urgent or mean <= 0:
                    delays.append(0.0)
                elif spread > 0:
                    shape = 1.0 / spread**2
                    delays.append(rnd.gammavariate(shape, mean / shape))
                else:
                    delays.append(mean)
            for dev in self.by_class[c]:
                self.device_updates += 1
                env.process(self._device_update(dev, k, delays[dev.dept], critical))

    def _device_update(self, dev: Device, k: int, approval_delay: float, critical: bool):
        env = self.env
        yield env.timeout(approval_delay)
        if self.approved[dev.group] < k:
            self.approved[dev.group] = k
        if dev.installed >= k:
            return
        if dev.enrolled_at > env.now:  # not under central management: a technician's job
            yield from self._technician_visit(dev, k, critical)
            return
        yield env.timeout(dev.wave * self.sc.levers.central_management.wave_gap_days)
        yield from self._automated(dev, k, critical)

    def _automated(self, dev: Device, k: int, critical: bool):
        """Check in, attempt, retry a reported failure, then escalate to a technician."""
        env, rnd = self.env, self.random
        cm = self.sc.levers.central_management
        cls = self.sc.fleet.device_classes[dev.klass]
        attempts = 0
        while True:
            # Wait for the device's next check-in: one clock per device, not per update
            # (two clocks would make a device with two pending updates check in twice as often).
            if dev.next_checkin <= env.now:
                dev.next_checkin = env.now + rnd.expovariate(1.0 / cm.checkin_days)
            yield env.timeout(dev.next_checkin - env.now)
            if dev.installed >= k or dev.stuck:
                return
            u = rnd.random()
            if u >= cls.install_failure_rate:
                self._install(dev, k)
                return
            if u < cls.install_failure_rate * cls.silent_failure_share:
                dev.stuck = True  # looks updated, is not: only a technician visit clears it
                return
            attempts += 1
            if attempts > cm.retries:
                break
        yield from self._technician_visit(dev, k, critical)

    def _technician_visit(self, dev: Device, k: int, critical: bool):
        if not self.has_technicians:
            return
        self.tickets += 1
        prioritise = critical and self.prioritise
        request = (
            self.technicians.request(priority=0 if prioritise else 1) if self.prioritise else self.technicians.request()
        )
        with request as turn:
            yield turn
            if dev.installed >= k:
                return
            minutes = self.sc.fleet.device_classes[dev.klass].manual_minutes
            yield self.env.timeout(minutes / self.day_minutes)
            if self.random.random() < self.sc.human_factors.manual_error_rate:
                return  # skipped or botched
            dev.stuck = False
            self._install(dev, max(k, self.approved[dev.group]))

    def _install(self, dev: Device, k: int) -> None:
        if k > dev.installed:
            dev.installed = k
            self.log_device.append(dev.index)
            self.log_time.append(self.env.now)
            self.log_release.append(k)

    # ------------------------------------------------------------------ running

    def run(self) -> NaiveResult:
        env = self.env
        for dev in self.devices:  # behind on day 0: automated catch-up if enrolled, else a ticket
            newest = self.approved[dev.group]
            if dev.installed < newest:
                critical = int(self.rel.severity[dev.klass, newest]) == CRITICAL
                if dev.enrolled_at <= 0:
                    env.process(self._automated(dev, newest, critical))
                else:
                    env.process(self._technician_visit(dev, newest, critical))
        for c in range(len(self.by_class)):
            env.process(self._release_process(c))
        env.run(until=self.H + 0.5)
        return NaiveResult(
            device_updates=self.device_updates,
            installs=len(self.log_device),
            tickets=self.tickets,
            compliance=self._compliance(),
        )

    def _compliance(self) -> np.ndarray:
        """Daily KPI from the install log: compliant at the end of day t if the device has
        installed every release whose deadline is at or before t (as the engine scores it)."""
        T = self.H + 1
        n = len(self.devices)
        if n == 0:
            return np.ones(T)
        klass = np.array([d.klass for d in self.devices])
        installed = np.full((n, T), -(2**30), dtype=np.int64)
        installed[:, 0] = self.day0_installed
        dev = np.array(self.log_device, dtype=np.int64)
        day = np.ceil(np.array(self.log_time)).astype(np.int64)
        rel = np.array(self.log_release, dtype=np.int64)
        keep = day <= self.H
        np.maximum.at(installed, (dev[keep], np.maximum(day[keep], 0)), rel[keep])
        installed = np.maximum.accumulate(installed, axis=1)
        days = np.arange(T)
        need = np.empty((len(self.by_class), T), dtype=np.int64)
        for c in range(len(self.by_class)):
            due = self.rel.deadline[c][:, None] <= days[None, :]  # (K, T)
            k = np.arange(self.rel.width)[:, None]
            need[c] = np.where(due, k, -(2**30)).max(axis=0)
        return (installed >= need[klass]).mean(axis=0)


def run_naive(scenario: Scenario, seed: int = 0) -> NaiveResult:
    """Build and run the naive model for one replication of ``scenario``."""
    return NaiveModel(scenario, seed).run()

"""The SimPy model of an IoT security-update programme, one module per mechanism.

``FleetModel`` (model.py) simulates one batch of replications; the mechanisms it
orchestrates live beside it: draws.py (random draws), fleet.py (layout), state.py
(device state), releases.py (vendor releases), approvals.py, rollout.py (enrolment,
waves and install attempts), people.py (drift and reports), console.py (what central
management sees), training.py, audits.py,
technicians.py (the hook into sim/tickets.py), record.py (the daily record) and
quiet_days.py (jumping over days on which nothing is due).
"""

from sim.model.draws import Draws, Mechanism
from sim.model.model import FleetModel, Interrupted
from sim.model.record import LEVERS, TTP_BUFFER_INSTALLS, Record
from sim.model.releases import CRITICAL, N_SEV

__all__ = [
    "CRITICAL",
    "LEVERS",
    "N_SEV",
    "TTP_BUFFER_INSTALLS",
    "Draws",
    "FleetModel",
    "Interrupted",
    "Mechanism",
    "Record",
]

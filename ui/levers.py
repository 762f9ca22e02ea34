"""The improvement levers as the app shows them.

The catalogue has no user-interface code and the goal seek searches over the same levers,
so it lives in ``sim.levers``; the app keeps importing it from here.
"""

from sim.levers import *  # noqa: F403
from sim.levers import __all__  # noqa: F401

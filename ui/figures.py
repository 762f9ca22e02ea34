"""Figures as the page prints them, honest on their face.

A KPI share is printed with as few decimals as keep its printed value in the same band as
the value itself: 94.6% is "94.6%" (Good), never "95%" beside a "Good" badge; 94.96% is
"94.96%". Blind spots and overdue device-days are put per 100 devices and per device, so a
reader can compare fleets of any size. No streamlit here: the functions return text.
"""

from __future__ import annotations

import sim

BAND_NAMES = {"excellent": "Excellent", "good": "Good", "poor": "Poor"}
MAX_DECIMALS = 4


def kpi_text(value: float | None, decimals: int = 0) -> str:
    """``value`` (a share) as a percentage whose printed figure lies in the value's band:
    ``decimals`` decimals (none by default), more only where rounding would cross a band
    edge (95% or 80%)."""
    if value is None:
        return "–"
    wanted = sim.band(value)
    for shown in range(decimals, MAX_DECIMALS + 1):
        text = f"{value * 100:.{shown}f}"
        if sim.band(float(text) / 100) == wanted:
            return f"{text}%"
    return f"{value * 100:.{MAX_DECIMALS}f}%"


def band_name(value: float | None) -> str:
    """'Excellent', 'Good' or 'Poor' for a share; '–' without a value."""
    name = sim.band(value)
    return BAND_NAMES[name] if name else "–"


def per_hundred(count: float, devices: int) -> float:
    """``count`` devices as a number per 100 devices of the fleet."""
    return 100 * count / devices if devices else float("nan")


def overdue_per_device(device_days: float, devices: int) -> float:
    """Overdue device-days as the days an average device spent overdue."""
    return device_days / devices if devices else float("nan")

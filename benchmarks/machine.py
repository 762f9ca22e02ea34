"""Where and when a benchmark ran, as its JSON report records it: the date, the commit, the
machine and the load average before and after the measurements."""

from __future__ import annotations

import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]


def git(*args: str) -> str:
    """``git`` in the repository, its output stripped; 'unknown' without git or a checkout."""
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def now_utc() -> str:
    """The date and time, UTC, to the minute: '2026-12-07 21:45 UTC'."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def description(*, memory: bool = False) -> str:
    """'host · processor · N logical CPUs[ · M GiB] · Python 3.x.y' for the report and the console."""
    size = f" · {psutil.virtual_memory().total / 2**30:.1f} GiB" if memory else ""
    return (
        f"{platform.node()} · {platform.processor() or platform.machine()} · "
        f"{psutil.cpu_count(logical=True)} logical CPUs{size} · Python {platform.python_version()}"
    )


def load_averages(before: tuple[float, ...], after: tuple[float, ...]) -> dict[str, list[float]]:
    """The 1-, 5- and 15-minute load averages before and after, to two decimals."""
    return {
        "load_average_before": [round(x, 2) for x in before],
        "load_average_after": [round(x, 2) for x in after],
    }


def stamp(machine: Any, before: tuple[float, ...], after: tuple[float, ...]) -> dict[str, Any]:
    """The head of a report: date, commit, machine, load averages before and after."""
    return {"date_utc": now_utc(), "commit": git("rev-parse", "--short", "HEAD"), "machine": machine} | load_averages(
        before, after
    )

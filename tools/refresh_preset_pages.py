"""Rewrite the 'Key numbers' tables of docs/presets/*.md with what the presets give now.

    python tools/refresh_preset_pages.py          # rewrite the pages in place
    python tools/refresh_preset_pages.py --check  # only say which cells would change

Each preset runs with its own settings at seed 7 (the figures the pages promise and
tests/test_presets.py checks). Only the numbers in a cell change: the wording around
them, the number of decimals and the units stay as written. A cell's first number is the
figure of its row; a "lo–hi%" range in a KPI cell is the 5%–95% band of replications, and
so is a "5–95%: $lo–$hi" range in the expected breach loss cell.
Prose outside the table is not touched: read the diff and fix sentences that quote a
number that moved.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402

PAGES = {  # docs page -> the presets in its key-number columns, in order
    "baseline": ["baseline"],
    "case_study": ["case_study"],
    "global_average": ["global_average"],
    "top_quartile": ["top_quartile"],
    "no_clear_policy": ["no_clear_policy"],
    "automation_audits": ["automation_without_audits", "automation_with_audits"],
}
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
RANGE = re.compile(r"(\d+(?:\.\d+)?)(%? and |–)(\d+(?:\.\d+)?)%")  # "84.6–89.6%", "44.1% and 93.1%"
MONEY_RANGE = re.compile(r"(5–95%: \$)([\d,]+)(–\$)([\d,]+)")  # "5–95%: $16,616–$35,116"
NAMED = {  # a number after these words in a cell is another figure of the run
    "90th percentile": "p90_time_to_patch_days",
    "critical": "mean_time_to_patch_critical_days",
}


def _like(old: str, value: float) -> str:
    """``value`` written the way ``old`` is (decimals, thousands separators)."""
    decimals = len(old.split(".")[1]) if "." in old else 0
    return f"{value:,.{decimals}f}" if "," in old or abs(value) >= 10_000 else f"{value:.{decimals}f}"


def figures(name: str) -> dict[str, tuple[float, ...] | str]:
    r = sim.run(sim.load_scenario(ROOT / "scenarios" / f"{name}.yaml"), seed=7)
    s, series = r.summary, r.series
    k, lo, hi = (series[c].to_numpy() * 100 for c in ("compliance_mean", "compliance_p05", "compliance_p95"))
    out: dict[str, tuple[float, ...] | str] = {
        f"KPI on day {d}": (k[d], lo[d], hi[d]) for d in (0, 30, 60, 182, 365) if d < len(k)
    }
    out |= {
        "mean KPI over days 30–365": (k[30:].mean(),),
        "lowest daily mean KPI from day 60 on": (k[60:].min(),),
        "band at day 365": str(s["band_end"]).capitalize(),
        "mean time to patch": (s["mean_time_to_patch_days"],),
        **{words: (s[key],) for words, key in NAMED.items()},
        "overdue device-days": (s["overdue_device_days"],),
        "blind-spot devices at day 365": (series["blind_spot_devices_mean"].iloc[-1],),
        "technician backlog at day 365": (s["technician_backlog_end"],),
        "programme cost": (s["programme_cost"],),
        "expected breach loss": tuple(s[f"expected_breach_loss{x}"] for x in ("", "_p05", "_p95")),
    }
    return out


def rewrite_cell(cell: str, figure: tuple[float, ...] | str, extra: dict | None = None) -> str:
    if isinstance(figure, str):
        return re.sub(r"[A-Z][a-z]+", figure, cell, count=1)
    value = figure[0]
    match = NUMBER.search(cell)
    if match is None:
        return cell
    if re.match(r"\s*M\b", cell[match.end() :]):
        value /= 1e6
    cell = cell[: match.start()] + _like(match.group(), value) + cell[match.end() :]
    money = MONEY_RANGE.search(cell, match.start() + 1) if len(figure) == 3 else None
    if money:
        band = f"{money.group(1)}{_like(money.group(2), figure[1])}{money.group(3)}{_like(money.group(4), figure[2])}"
        cell = cell[: money.start()] + band + cell[money.end() :]
    elif len(figure) == 3:
        rng = RANGE.search(cell, match.start() + 1)
        if rng:
            band = f"{_like(rng.group(1), figure[1])}{rng.group(2)}{_like(rng.group(3), figure[2])}%"
            cell = cell[: rng.start()] + band + cell[rng.end() :]
    for words in NAMED:
        named = re.search(rf"{words} ({NUMBER.pattern})", cell)
        if named and extra and words in extra:
            value = extra[words][0]
            cell = cell[: named.start(1)] + _like(named.group(1), value) + cell[named.end(1) :]
    return cell


def refresh(page: str, check: bool) -> list[str]:
    path = ROOT / "docs" / "presets" / f"{page}.md"
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("## Key numbers", 1)
    table, sep, tail = rest.partition("\n## ")
    columns = [figures(name) for name in PAGES[page]]
    changes, lines = [], []
    for line in table.split("\n"):
        cells = line.split("|")
        label = cells[1].strip() if line.startswith("|") and len(cells) > 2 else ""
        if label in columns[0]:
            for i, fig in enumerate(columns):
                new = rewrite_cell(cells[2 + i], fig[label], fig if label == "mean time to patch" else None)
                if new != cells[2 + i]:
                    changes.append(f"{page}: {label}: {cells[2 + i].strip()} -> {new.strip()}")
                    cells[2 + i] = new
            line = "|".join(cells)
        lines.append(line)
    if not check:
        path.write_text(head + "## Key numbers" + "\n".join(lines) + sep + tail, encoding="utf-8")
    return changes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only list the cells that would change")
    args = parser.parse_args()
    changes = [c for page in PAGES for c in refresh(page, args.check)]
    print("\n".join(changes) or "every page is up to date")
    return 1 if args.check and changes else 0


if __name__ == "__main__":
    raise SystemExit(main())

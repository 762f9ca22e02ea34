"""The summary sentence's lever clause names what the lever table holds: the levers changed
from the loaded scenario, not every lever (the panel beside the chart ranks those)."""

from __future__ import annotations

import pandas as pd

from ui import wording


def _effects(*rows: tuple[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "lever": lever,
                "clear": True,
                "average": avg,
                "average_low": avg - 0.01,
                "average_high": avg + 0.01,
                "cost_change": 16_000.0,
            }
            for lever, avg in rows
        ]
    )


def test_one_changed_lever_is_not_called_the_one_that_matters_most() -> None:
    text = wording.markdown(wording.top_lever(_effects(("Staff trained", 0.004))))
    assert text.startswith("; the lever changed from the loaded scenario is **staff trained** (+0.4 ± 1.0 pts")
    assert "matters most" not in text


def test_several_changed_levers_name_the_largest_first_in_the_table() -> None:
    text = wording.markdown(wording.top_lever(_effects(("Technicians", 0.12), ("Staff trained", 0.004))))
    assert "of the levers changed from the loaded scenario, the one that matters most is **technicians** (+12.0" in text


def test_no_table_no_clause() -> None:
    assert wording.top_lever(None) == []

"""Issue 15, "The executive's first minute": honest figures, saved files that say what they
hold, a link that names the saved file, and the Compare tab showing the CLI's table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from app_helpers import ROOT, make_app_test, scenarios_folder, shown  # noqa: F401

import sim
from sim import cli
from ui import figures
from ui import scenario_files as files

pytestmark = pytest.mark.usefixtures("scenarios_folder")


@pytest.mark.parametrize(
    ("value", "text", "band"),
    [
        (0.946, "94.6%", "Good"),  # 1: never "95%" beside "Good"
        (0.9496, "94.96%", "Good"),
        (0.95, "95%", "Excellent"),
        (0.951, "95%", "Excellent"),
        (0.7996, "79.96%", "Poor"),
        (0.804, "80%", "Good"),
        (0.7, "70%", "Poor"),
    ],
)
def test_kpi_shown_never_crosses_its_band(value: float, text: str, band: str) -> None:
    assert figures.kpi_text(value) == text
    assert figures.band_name(value) == band
    assert sim.band(float(text.rstrip("%")) / 100) == sim.band(value)


def _cards(at) -> list[tuple[str, str]]:
    """(band badge, figure) of the three KPI cards."""
    out = []
    for metric in at.metric:
        badge = re.search(r":\w+-badge\[(\w+)\]", metric.label)
        if badge:
            out.append((badge.group(1), metric.value))
    return out


def test_every_kpi_card_shows_a_figure_in_its_own_band():
    """1: on the case study (Good and Excellent cards), each card's printed figure lies in the band it names."""
    at = make_app_test({"scenario": "case_study.yaml"}).run()
    assert not at.exception
    cards = _cards(at)
    assert len(cards) == 3
    for badge, value in cards:
        assert figures.band_name(float(value.rstrip("%")) / 100) == badge, (badge, value)


def test_cards_say_their_basis_and_compare_per_device():
    """1: money cards carry their basis (breaches a year, the period); overdue time and blind
    spots per device and per 100 devices, against the loaded scenario; the band explained."""
    at = make_app_test({"scenario": "case_study.yaml"}).run()
    result = sim.run(sim.load_scenario(ROOT / "scenarios" / "case_study.yaml"), replications=3, seed=7)
    s = result.summary
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Days overdue per device"] == f"{s['overdue_device_days'] / s['devices']:,.0f} days"
    assert metrics["Blind spots per 100 devices"] == f"{100 * s['blind_spot_devices_end'] / s['devices']:,.1f}"
    captions = [shown(c.value) for c in at.caption]
    assert any(f"{s['breaches_per_year']:.3f} breaches a year × $4.4 M a breach, over 12 months" in c for c in captions)
    assert any(c.startswith("Total over 12 months; loaded scenario:") for c in captions)
    assert any("look updated but are not" in c and "per 100" in c for c in captions)
    band = next(c for c in captions if c.startswith("The line is the average of 3 simulated runs"))
    assert figures.kpi_text(s["compliance_end_p05"]) in band
    assert "9 runs in 10" in band


def test_a_saved_file_says_what_it_holds_and_the_link_names_it(scenarios_folder: Path):  # noqa: F811
    """1 and 2: the description box starts from what changed (not the preset's story); what the
    user writes there is what the file holds; after saving, the link names the saved file."""
    at = make_app_test().run()
    preset = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml")
    at.slider(key="enrolled_share").set_value(80.0).run()
    default = at.text_area(key="save_description").value
    assert (
        default == f"Starts from '{preset.name}' with these changes: Devices under central update management 0% → 80%."
    )
    at.number_input(key="technicians").set_value(preset.levers.technicians.count + 2).run()
    assert "Technicians" in at.text_area(key="save_description").value  # follows the levers until edited
    mine = "Q3 plan: enrol 80% of devices and hire two technicians."
    at.text_area(key="save_description").input(mine).run()
    at.number_input(key="technicians").set_value(preset.levers.technicians.count + 3).run()
    assert at.text_area(key="save_description").value == mine  # an edited text is kept
    at.text_input(key="save_name").input("Q3 plan").run()
    at.button(key="save").click().run()
    assert not at.exception
    saved = sim.load_scenario(scenarios_folder / "q3-plan.yaml")
    assert saved.description == mine
    assert saved.description != preset.description
    assert at.query_params["scenario"] == "q3-plan.yaml"  # the link names the saved file, alone
    assert sorted(at.query_params) == ["scenario"]
    assert at.selectbox(key="scenario_choice").value == "q3-plan.yaml"
    assert at.slider(key="enrolled_share").value == 80.0


def test_download_name_can_be_saved():
    """3: with the name box at 'baseline', the download offers a name the folder accepts."""
    assert files.savable_filename("baseline") == "baseline-what-if.yaml"
    assert files.savable_filename("Q3 plan") == "q3-plan.yaml"
    at = make_app_test().run()
    at.text_input(key="save_name").input("baseline").run()
    assert any("bundled preset's name" in shown(c.value) for c in at.caption)


def test_compare_tab_rows_equal_the_clis(capsys: pytest.CaptureFixture[str]):
    """2: the Compare tab's table is the CLI's: same rows, names, units and change column."""
    chosen = ["baseline.yaml", "top_quartile.yaml"]
    at = make_app_test()
    at.session_state["tab"] = "Compare scenarios"
    at.run()
    at.multiselect(key="compare_files").set_value(chosen).run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "KPI at the horizon" in d.value.index)
    assert cli.main(["compare", *(str(ROOT / "scenarios" / c) for c in chosen), "--replications", "3"]) == 0
    out = capsys.readouterr().out
    assert list(table.columns) == ["baseline", "top_quartile", "change"]
    assert [line.split("  ")[0] for line in out.splitlines()[-len(table) :]] == list(table.index)
    for label, cells in table.iterrows():
        line = next(line for line in out.splitlines() if line.startswith(label))
        for cell in cells:
            assert cell in line, (label, cell, line)


def test_model_tab_shows_the_models_documentation():
    """6: the Model & assumptions tab renders docs/background/model.md (and the other pages),
    instead of pointing at docs/ in the repository; a dollar is a dollar, not a formula."""
    at = make_app_test()
    at.session_state["tab"] = "Model & assumptions"
    at.run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "This page tells what happens to a device in the simulator" in text  # model.md's opening
    assert "`docs/` in the repository" not in text
    at.selectbox(key="doc_page").set_value("background/risk.md").run()
    risk = (ROOT / "docs" / "background" / "risk.md").read_text(encoding="utf-8")
    first = next(line for line in risk.splitlines()[1:] if line.strip() and not line.startswith("#"))
    shown_text = " ".join(m.value for m in at.markdown)
    assert first.split("[")[0].replace("$", "\\$")[:60] in shown_text


def test_documentation_pages_escape_dollars_and_repository_links():
    from ui import docs_pages

    page = docs_pages.for_page(
        "costs $4.44 M, see [the model](../background/model.md), [IBM](https://ibm.com)\n```\n$ python\n```"
    )
    assert page == "costs \\$4.44 M, see the model, [IBM](https://ibm.com)\n```\n$ python\n```"
    for _title, path in docs_pages.PAGES:
        assert docs_pages.page_text(path).startswith("#"), path


def test_first_screen_names_the_levers_with_the_largest_effect_computed():
    """5: the levers named beside the KPI chart are computed by paired runs (the loaded file
    and each lever alone, same seed), strongest first; the sidebar draws them first; 'Try' sets one."""
    from ui import advice
    from ui import levers as lv

    at = make_app_test().run()
    assert not at.exception
    base = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml")
    enrolled = base.model_copy(deep=True)
    enrolled.levers.central_management.enrolled_share = 0.9
    a, b = sim.run_many([base, enrolled], replications=3, seed=7)
    d = sim.paired_difference(a, b, "compliance_average")
    panel = " ".join(m.value for m in at.markdown)
    assert f"**Devices under central update management** 0% → 90%: **{d.mean * 100:+.1f}**" in panel
    ranking = advice.lever_ranking(base, 3, 7)
    top = list(advice.top_levers(ranking)["key"])
    assert len(top) == 3
    assert top[0] == "enrolled_share"
    assert list(ranking["average"]) == sorted(ranking["average"], reverse=True)
    assert at.session_state["top_levers"][1] == tuple(top)
    sidebar_keys = [w.key for w in at.sidebar.get("slider") + at.sidebar.get("number_input") if w.key in lv.BY_KEY]
    assert set(top) <= set(sidebar_keys)
    at.button(key="try_enrolled_share").click().run()
    assert at.slider(key="enrolled_share").value == 90.0
    assert at.query_params["enrolled_share"] == "90"


def _levers_shown_first(at) -> list[str]:
    """Keys of the lever controls drawn in the sidebar itself (not inside an expander), in order."""
    from ui import levers as lv

    keys: list[str] = []

    def walk(node, inside: bool) -> None:
        children = getattr(node, "children", None)
        if not isinstance(children, dict):
            return
        for child in children.values():
            if getattr(child, "key", None) in lv.BY_KEY and not inside:
                keys.append(child.key)
            walk(child, inside or getattr(child, "type", "") == "expander")

    walk(at.sidebar, False)
    return keys


def test_a_second_visitor_sees_the_ranked_levers_first_on_the_first_page_run():
    """The ranking is the server's: a new session opening the same file draws the levers
    beside the chart first in the sidebar at once, not the default order until its next run."""
    from ui import controls

    first = make_app_test().run()
    assert not first.exception
    top = list(first.session_state["top_levers"][1])
    assert top != list(controls.DEFAULT_FIRST)  # the baseline's ranking differs from the default order
    second = make_app_test().run()
    assert not second.exception
    assert _levers_shown_first(second) == top


def test_audit_interval_has_choices_and_a_number():
    """4: audits are set by a choice (none / yearly / quarterly / monthly / weekly) or a number of days."""
    at = make_app_test().run()
    choice = at.button_group(key="audit_interval_days_choice")
    assert choice.options == ["None", "Yearly", "Quarterly", "Monthly", "Weekly"]
    choice.set_value("Quarterly").run()
    assert at.number_input(key="audit_interval_days").value == 91
    assert at.query_params["audit_interval_days"] == "91"
    at.number_input(key="audit_interval_days").set_value(45).run()
    assert at.button_group(key="audit_interval_days_choice").value is None  # no named choice is 45 days
    links = make_app_test({"audit_interval_days": "30"}).run()
    assert links.number_input(key="audit_interval_days").value == 30
    assert links.button_group(key="audit_interval_days_choice").value == "Monthly"

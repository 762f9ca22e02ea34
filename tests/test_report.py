"""The board report: every section with the real figures of the results it was built from,
text from files escaped, offline in Chromium, a PDF that renders to pages, the command
line end to end and the app's download.
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from app_helpers import CHROMIUM, ROOT, make_app_test, scenarios_folder, values  # noqa: F401
from plotly.offline import get_plotlyjs

import report
import sim
from report import content as rc
from report.printing import ALL_CHARTS_DRAWN
from sim import effects
from ui import charts, figures

SECTIONS = ("summary", "headline", "kpi", "money", "levers", "cost", "assumptions", "run")
CREATED = dt.datetime(2026, 3, 4, 5, 6, tzinfo=dt.UTC)
REPS, SEED = 4, 3


def _whatif(loaded: sim.Scenario, **changes: Any) -> sim.Scenario:
    data = loaded.model_dump(mode="json")
    data["name"] = "Q3 plan: 60% enrolled"
    data["levers"]["central_management"]["enrolled_share"] = 0.6
    data["levers"]["training"]["coverage"] = 0.5
    data.update(changes)
    return sim.scenario_from_data(data)


def _run(scenario: sim.Scenario, reps: int, seed: int) -> sim.Result:
    return sim.run(scenario, replications=reps, seed=seed)


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    """Baseline against a what-if with two levers moved, few replications, lever effects included."""
    loaded = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml")
    whatif = _whatif(loaded)
    w, b = _run(whatif, REPS, SEED), _run(loaded, REPS, SEED)
    table = effects.lever_effects(whatif, loaded, REPS, SEED, simulate=_run)
    page = report.html(w, b, effects=table, created=CREATED)
    return {"whatif": w, "loaded": b, "effects": table, "html": page}


def text_of(page: str) -> str:
    """The page's visible words: scripts and styles removed, tags dropped, entities decoded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", page)))


def section(page: str, name: str) -> str:
    match = re.search(rf'<section id="{name}"[^>]*>(.*?)</section>', page, flags=re.S)
    assert match, f"no section {name!r}"
    return text_of(match.group(1))


def figure(page: str, div_id: str) -> dict[str, Any]:
    """The plotly figure drawn into ``div_id``: its data and layout, decoded from the page."""
    start = page.index(f'Plotly.newPlot(                        "{div_id}",') + len(
        f'Plotly.newPlot(                        "{div_id}",'
    )
    decoder = json.JSONDecoder()
    data, end = decoder.raw_decode(page, start + len(page[start:]) - len(page[start:].lstrip()))
    rest = page[end:].lstrip().removeprefix(",").lstrip()
    layout, _ = decoder.raw_decode(rest)
    return {"data": data, "layout": layout}


def test_every_section_is_there_with_the_figures_of_the_results(built: dict[str, Any]) -> None:
    page, w, b = built["html"], built["whatif"].summary, built["loaded"].summary
    ids = re.findall(r'<(?:section|header) id="([a-z]+)"', page)
    assert ids == list(SECTIONS)  # no plan was given: no plan section
    head = section(page, "headline")
    for key in ("compliance_start", "compliance_at_day_182", "compliance_end"):
        assert figures.kpi_text(w[key]) in head
        assert f"{figures.kpi_text(w[key], 1)} on average" in head
    series = built["whatif"].series
    for day in (182, 365):
        low, high = series.loc[day, "compliance_p05"], series.loc[day, "compliance_p95"]
        assert f"9 runs in 10: {low * 100:.1f}–{high * 100:.1f}%" in head
    assert f"{(w['compliance_end'] - b['compliance_end']) * 100:+.1f} pts vs loaded" in head
    summary = text_of(page[: page.index('<section id="headline"')])
    assert f"{figures.kpi_text(w['compliance_start'])} of devices are updated on time today" in summary
    assert f"against {figures.kpi_text(b['compliance_end'])} for the loaded scenario" in summary
    assert f"The programme costs {charts.usd_short(w['programme_cost'])}" in summary
    money = section(page, "money")
    assert charts.usd_short(w["programme_cost"]) in money
    assert charts.usd_short(w["expected_breach_loss"]) in money
    assert f"{w['overdue_device_days']:,.0f}" in money
    # the breach loss with its basis: breaches a year and the 5–95% range of runs
    assert f"{w['breaches_per_year']:.3f} IoT-origin breaches a year" in money
    assert f"a {w['breach_probability']:.1%} chance of at least one in the year" in money
    loss_range = f"{charts.usd_short(w['expected_breach_loss_p05'])}–{charts.usd_short(w['expected_breach_loss_p95'])}"
    assert f"5–95% of runs: {loss_range}" in money
    assert f"loaded scenario: {b['breaches_per_year']:.3f} IoT-origin breaches a year" in money
    cost = section(page, "cost")
    assert f"${w['programme_cost']:,.0f}" in cost
    assert f"${b['programme_cost']:,.0f}" in cost
    assert f"${w['programme_cost'] + w['expected_breach_loss']:,.0f}" in cost
    assert f"{w['breaches_per_year']:.4f}" in cost
    run = section(page, "run")
    assert "2026-03-04 05:06 UTC" in run
    assert f"Seed {SEED} " in run
    assert f"Replications {REPS} simulated runs of each scenario; {REPS} for each lever comparison" in run


def test_kpi_chart_is_the_apps_chart_of_the_same_results(built: dict[str, Any]) -> None:
    fig = figure(built["html"], "kpi-chart")
    lines = {t["name"]: t for t in fig["data"] if t.get("mode") == "lines"}
    assert values(lines["What-if"]["y"]) == pytest.approx(list(built["whatif"].series["compliance_mean"]))
    assert values(lines["Loaded scenario"]["y"]) == pytest.approx(list(built["loaded"].series["compliance_mean"]))
    band = next(t for t in fig["data"] if t["name"] == "What-if: 90% of runs")
    assert max(values(band["y"])) == pytest.approx(built["whatif"].series["compliance_p95"].max())
    notes = {a["text"] for a in fig["layout"]["annotations"]}
    assert {"Excellent", "Good", "Poor", "Global average 85%", "Top quartile 95% = target"} <= notes
    assert fig["layout"]["font"]["family"] == charts.FONT["family"]  # the app's one theme


def test_which_lever_matters_shows_the_paired_differences_with_intervals(built: dict[str, Any]) -> None:
    levers, table = section(built["html"], "levers"), built["effects"]
    assert len(table) == 2
    for _, row in table.iterrows():
        assert f"{row['lever']} {row['setting']}" in levers
        mean, low, high = row["average"] * 100, row["average_low"] * 100, row["average_high"] * 100
        if row["clear"]:
            assert f"{mean:+.1f} pts (±{(high - low) / 2:.1f}), {low:+.1f} to {high:+.1f}" in levers
    assert "0% → 60%" in levers
    fig = figure(built["html"], "lever-chart")
    averages = next(t for t in fig["data"] if t.get("type") == "bar" and t["name"].startswith("Average"))
    assert sorted(values(averages["x"])) == pytest.approx(sorted(table["average"] * 100))


def test_assumptions_list_what_the_whatif_changes_and_what_departs_from_defaults(built: dict[str, Any]) -> None:
    text = section(built["html"], "assumptions")
    changed = text[: text.index("Where the what-if departs")]
    assert "Devices under central update management 0% 60%" in changed
    assert "Staff trained 0% 50%" in changed
    assert "Technicians" not in changed  # the same in both files
    defaults = text[text.index("Where the what-if departs") :]
    assert "Technicians 2 " in defaults  # the model's default is 2; the baseline has its own count
    assert "IP cameras" in defaults  # the fleet table


def test_report_on_one_file_alone_and_mismatched_runs_are_refused() -> None:
    scenario = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml")
    result = _run(scenario, 2, 1)
    page = report.html(result, created=CREATED)
    assert "A report on this scenario alone." in text_of(page)
    assert "vs loaded" not in text_of(page)
    assert "lever-chart" not in page
    with pytest.raises(ValueError, match="same seed and replications"):
        report.html(result, _run(scenario, 2, 2))


def test_text_from_files_is_escaped_never_markup() -> None:
    hostile = "<script>alert('name')</script> & <b>Co</b>"
    data = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml").model_dump(mode="json")
    data["name"] = hostile
    data["description"] = '<img src=x onerror="alert(1)"> "quoted" <a href="https://example.com">link</a>'
    data["fleet"]["departments"][0]["name"] = "<iframe src=//example.com>"
    scenario = sim.scenario_from_data(data)
    result = _run(scenario, 2, 1)
    page = report.html(result, created=CREATED)
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;" in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page
    assert "&lt;iframe src=//example.com&gt;" in page
    ours = page.replace(get_plotlyjs(), "")  # plotly's bundle holds markup of its own (map credits)
    for raw in ("<script>alert", "<b>Co", "<img", "<iframe", "<a href"):
        assert raw not in ours
    assert hostile in text_of(page)  # shown to the reader as written
    # the only scripts are plotly's bundle and one per chart
    assert ours.count("<script") == 1 + ours.count('class="plotly-graph-div"')


def test_plotly_is_inlined_once_and_nothing_is_fetched(built: dict[str, Any]) -> None:
    page = built["html"]
    assert page.count(get_plotlyjs()[:300]) == 1
    assert 'src="' not in page.replace(get_plotlyjs(), "")  # no script, image or frame from a file or a server
    assert "<link" not in page
    assert "@import" not in page
    assert "default-src 'none'" in page  # the page's own policy refuses any request


@pytest.mark.slow
def test_plan_from_goal_seek_is_shown_with_its_changes_and_figures() -> None:
    from test_goal import BY_DAY, ONE, TARGET, small

    scenario = small()
    plan = sim.seek(scenario, target=TARGET, by_day=BY_DAY, levers=ONE, budget_runs=40)
    result = _run(scenario, plan.replications, plan.seed)
    page = report.html(result, plan=plan, created=CREATED)
    text = section(page, "plan")
    assert re.findall(r'<(?:section|header) id="([a-z]+)"', page).index("plan") == 6
    assert f"The cheapest plan found reaches {TARGET:.1%} by day {BY_DAY} in at least 90% of runs." in text
    (change,) = plan.changes
    assert f"{change.label} {change.before_text} {change.after_text}" in text
    assert f"Programme cost ${plan.loaded_cost:,.0f} ${plan.cost:,.0f}" in text
    assert f"{plan.kpi_lower:.1%}" in text
    assert f"{plan.runs:,} runs searched with seed {plan.seed}" in text


# --------------------------------------------------------------------------- in Chromium


def _write(tmp_path: Path, page: str) -> Path:
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


@pytest.mark.e2e
def test_report_opens_in_chromium_offline_with_no_request_and_no_console_error(
    built: dict[str, Any], tmp_path: Path
) -> None:
    from app_helpers import launch_chromium
    from playwright.sync_api import sync_playwright

    path = _write(tmp_path, built["html"])
    requests: list[str] = []
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(path.as_uri())
            page.wait_for_function(ALL_CHARTS_DRAWN, timeout=60_000)
            drawn = page.locator(".plotly-graph-div .main-svg").count()
            kpi = page.evaluate(
                "() => Array.from(document.getElementById('kpi-chart')._fullData"
                ".find(t => t.name === 'What-if' && t.mode === 'lines').y).slice(-1)[0]"
            )
            headings = page.locator("h2").all_inner_texts()
        finally:
            browser.close()
    assert requests == [path.as_uri()]  # the file itself, nothing else
    assert problems == []
    assert drawn >= 4  # KPI, levers, cost, loss (plotly draws two svg layers each)
    assert kpi == pytest.approx(built["whatif"].summary["compliance_end"])
    assert "Which lever matters" in headings
    assert "Cost and risk" in headings


def page_size(info: str) -> tuple[float, float]:
    width, height = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups()
    return float(width), float(height)


def _pdf_pages(pdf: bytes, tmp_path: Path) -> tuple[list[Path], str, str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    words = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    return sorted(tmp_path.glob("page-*.png")), info, words


@pytest.mark.e2e
@pytest.mark.slow
def test_pdf_renders_to_a4_pages_with_the_figures(built: dict[str, Any], tmp_path: Path) -> None:
    pdf = report.pdf(built["html"])
    assert pdf.startswith(b"%PDF-")
    pages, info, words = _pdf_pages(pdf, tmp_path)
    count = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 3 <= count <= 10
    assert len(pages) == count
    assert all(p.stat().st_size > 2_000 for p in pages)  # drawn pages, not blank ones
    assert page_size(info) == pytest.approx((595.3, 841.9), abs=1.5)  # A4 in points
    w = built["whatif"].summary
    assert f"{w['compliance_at_day_182']:.1%}" in words
    assert "Which lever matters" in words
    assert f"Page 1 of {count}" in words
    first = words.split("\f")[0]
    assert "Devices updated on time (the KPI)" in first  # the KPI chart's title: the chart is on page 1
    letter = report.pdf(built["html"], paper="Letter")
    (tmp_path / "letter").mkdir()
    _, info, _ = _pdf_pages(letter, tmp_path / "letter")
    assert page_size(info) == pytest.approx((612, 792), abs=1.5)  # US Letter


# --------------------------------------------------------------------------- command line


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", "report", *args], capture_output=True, text=True, cwd=cwd, timeout=600
    )


@pytest.mark.e2e
@pytest.mark.slow
def test_cli_writes_the_report_as_html_and_as_pdf(tmp_path: Path) -> None:
    case, baseline = str(ROOT / "scenarios" / "case_study.yaml"), str(ROOT / "scenarios" / "baseline.yaml")
    html_path, pdf_path = tmp_path / "board.html", tmp_path / "board.pdf"
    done = _cli(case, "--against", baseline, "-o", str(html_path), "--replications", "3", "--seed", "5")
    assert done.returncode == 0, done.stderr
    assert f"Wrote {html_path}: {case} against {baseline}, 3 replications, seed 5; 5 levers compared" in done.stdout
    page = html_path.read_text(encoding="utf-8")
    expected = sim.run(sim.load_scenario(case), replications=3, seed=5).summary
    assert f"{expected['compliance_end']:.1%}" in section(page, "headline")
    assert "Case study: central management and training" in text_of(page)
    assert "Baseline: manual patching" in text_of(page)
    assert section(page, "levers").count(" → ") == 5
    done = _cli(case, "-o", str(pdf_path), "--replications", "2")
    assert done.returncode == 0, done.stderr
    pages, _, words = _pdf_pages(pdf_path.read_bytes(), tmp_path)
    assert len(pages) >= 3
    assert "A report on this scenario alone." in words


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["scenarios/baseline.yaml", "-o", "board.txt"],
            "-o board.txt: a report is written as .html or .pdf (got '.txt')",
        ),
        (["scenarios/baseline.yaml", "-o", "board"], "-o board: a report is written as .html or .pdf (got no suffix)"),
        (["scenarios/no_such_file.yaml"], "scenarios/no_such_file.yaml: no such file"),
        (["scenarios/baseline.yaml", "--against", "tests/bad_scenarios/alias_bomb.yaml"], "alias_bomb.yaml: not valid"),
        (["scenarios/baseline.yaml", "-o", "no_such_folder/board.html"], "no_such_folder/board.html: No such file"),
    ],
)
def test_cli_refuses_bad_input_with_status_2_before_any_run(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.cli import main

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(report, "simulate", lambda *a, **k: pytest.fail("nothing may run after bad input"))
    assert main(["report", *args]) == 2
    out, err = capsys.readouterr()
    assert message in err
    assert "Traceback" not in err
    assert out == ""


def test_content_cards_read_the_summary() -> None:
    """The card values are the summary's numbers, formatted; a 90-day run has no 6-month card."""
    data = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml").model_dump(mode="json")
    data["simulation"]["horizon_days"] = 90
    result = _run(sim.scenario_from_data(data), 2, 1)
    cards = rc.kpi_cards(result, result)
    assert [c.label for c in cards] == ["Today", "In 3 months", "Reaches and holds the 95% target"]
    assert cards[1].value == figures.kpi_text(result.summary["compliance_end"])
    assert cards[1].band == sim.band(result.summary["compliance_end"])
    assert rc.sentence(result, result, None).plain.startswith(
        f"{figures.kpi_text(result.summary['compliance_start'])} of devices are updated on time today; with these "
        f"settings {figures.kpi_text(result.summary['compliance_end'])} in 3 months"
    )


def test_report_figures_never_cross_their_band() -> None:
    """As in the app: a KPI of 94.6% reads "94.6%" beside "Good" in the report's cards and
    sentence, never "95%"; 94.96% keeps its two decimals in the card's average too."""
    result = _run(sim.load_scenario(ROOT / "scenarios" / "baseline.yaml"), 2, 1)
    result.summary.update(compliance_start=0.946, compliance_at_day_182=0.9496, compliance_end=0.7996)
    cards = rc.kpi_cards(result, result)
    assert [(c.value, c.band, c.detail) for c in cards[:3]] == [
        ("94.6%", "good", "94.6% on average"),
        ("94.96%", "good", "94.96% on average"),
        ("79.96%", "poor", "79.96% on average"),
    ]
    assert rc.sentence(result, result, None).plain.startswith(
        "94.6% of devices are updated on time today; with these settings 94.96% in 6 months and 79.96% "
    )


# --------------------------------------------------------------------------- app


@pytest.mark.slow
@pytest.mark.usefixtures("scenarios_folder")
def test_app_offers_the_board_report_built_when_clicked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The two buttons register callables (nothing is built on a rerun); the HTML one builds
    the report of the results on the page: the cards match the app's metrics."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    registered: dict[str, Any] = {}
    original = MediaFileManager.add_deferred

    def record(self: Any, data_callable: Any, mimetype: Any, coordinates: Any, **kwargs: Any) -> str:
        registered[kwargs.get("file_name") or ""] = data_callable
        return original(self, data_callable, mimetype, coordinates, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    built_pdfs: list[str] = []
    monkeypatch.setattr(report, "pdf", lambda page, **kw: built_pdfs.append(page) or b"%PDF-")
    at = make_app_test({"enrolled_share": "40"})
    at.run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download board report (HTML)" in labels
    assert "Download board report (PDF)" in labels
    stem = "baseline-manual-patching-board-report"
    assert {f"{stem}.html", f"{stem}.pdf"} <= set(registered), registered.keys()
    assert built_pdfs == []  # not printed on a rerun
    page = registered[f"{stem}.html"]()
    for label in ("Today", "In 6 months", "In 12 months"):
        shown = next(m.value for m in at.metric if m.label.startswith(label))
        card = re.search(rf'{label}\b.*?<div class="value">(.*?)</div>', page, flags=re.S)
        assert card.group(1) == shown
    assert "Devices under central update management 0% → 40%" in section(page, "levers")
    assert registered[f"{stem}.pdf"]() == b"%PDF-"
    assert built_pdfs == [page]


@pytest.mark.e2e
@pytest.mark.slow
def test_app_board_report_downloads_in_real_browser(tmp_path: Path) -> None:
    """Clicking the buttons in the real app builds both files: the HTML with the page's
    what-if, the PDF printed by Chromium from the server's download thread."""

    from app_helpers import app_in_chromium, clicked_download, copied_scenarios, wait_for_app, wait_until_idle

    with app_in_chromium(copied_scenarios(tmp_path)) as (url, browser):
        page = browser.new_page(viewport={"width": 1440, "height": 1100}, accept_downloads=True)
        page.goto(url + "/?replications=5&enrolled_share=40")
        wait_for_app(page)
        wait_until_idle(page)
        html_download = clicked_download(page, "Download board report (HTML)", 120_000)
        board = Path(html_download.path()).read_text(encoding="utf-8")
        html_name = html_download.suggested_filename
        pdf_download = clicked_download(page, "Download board report (PDF)", 180_000)
        pdf = Path(pdf_download.path()).read_bytes()
        pdf_name = pdf_download.suggested_filename
    assert html_name == "baseline-manual-patching-board-report.html"
    assert "Devices under central update management 0% → 40%" in section(board, "levers")
    assert "Replications 5 simulated runs of each scenario" in section(board, "run")
    assert pdf_name == "baseline-manual-patching-board-report.pdf"
    pages, _, words = _pdf_pages(pdf, tmp_path)
    assert len(pages) >= 3
    assert "Which lever matters" in words


@pytest.mark.slow
def test_cli_plan_adds_the_goal_seek_plan_with_few_replications(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--plan-runs runs the seek on the file (screening with no more than the report's
    replications) and the report shows its plan."""
    from test_goal import SMALL

    from sim.cli import main

    scenario = tmp_path / "small.yaml"
    scenario.write_text(SMALL.replace("OTA", "1.0"), encoding="utf-8")
    out = tmp_path / "plan.html"
    assert main(["report", str(scenario), "--plan-runs", "40", "--replications", "4", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    runs = int(re.search(r"plan from (\d+) goal-seek runs", printed).group(1))
    assert 0 < runs <= 40
    plan = section(out.read_text(encoding="utf-8"), "plan")
    assert "The cheapest plan found reaches 80.0% by day 120 in at least 90% of runs." in plan  # 182: past the end
    assert f"{runs:,} runs searched with seed 3; the plan was checked with 4 replications" in plan

"""Command line: ``python -m sim run | compare | sweep | validate | seek | frontier | sensitivity | report``.

Every problem with an input file ends with exit status 2 and one readable message that
names the file and the field; nothing prints a traceback for bad input. Exit statuses:
0 success, 1 an unexpected internal error (one line; set SIM_DEBUG=1 for the traceback),
2 bad input (a file, an option, an output path), 130 interrupted. docs/reference/cli.md
describes the commands and the JSON layout. ``report`` loads the ``report`` package (plotly,
Jinja2, Playwright) only when it is used, so no other command and no ``import sim`` does.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import re
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from sim import compare
from sim.compare import PAIRED, paired_difference, summary_table
from sim.model import Interrupted
from sim.results import Result, _json_number
from sim.runner import checked_run_size, cluster_address, dask_executor, run, run_many
from sim.scenario import MAX_REPLICATIONS, Scenario, ScenarioError, Simulation, load_scenario, parse_yaml

EXIT_OK = 0
EXIT_INTERNAL_ERROR = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
MAX_SEED = 2**32 - 1
ONE_FILE_NOTE = "Note: only one file given, so there is nothing to compare it with; name two or more files.\n"
CSV_FLOAT_FORMAT = "%.6g"  # six significant digits, as the app's download: no float noise
# Numbers on the command line are plain ASCII digits: Python's int() and float() also take
# other scripts' digits ("٣٠") and underscores ("1_000"), which a reader would not expect.
_WHOLE = re.compile(r"[+-]?[0-9]{1,12}")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,12}(?:\.[0-9]{0,12})?|\.[0-9]{1,12})")
# What is printed never carries control characters (a file's name or text could hold
# terminal escape sequences): C0 and C1 controls other than tab and line breaks, and the
# Unicode marks that reorder text on screen.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class _Plain:
    """A text stream that drops control characters from everything written to it."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(_CONTROL.sub("", text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


SUMMARY_ROWS = tuple(row[:3] for row in compare.SUMMARY_ROWS)  # the rows compare prints, one vocabulary
_fmt = compare.fmt


class _Progress:
    """A one-line progress bar, shown only on a terminal."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream, self.label = stream, label
        self.active = stream.isatty()
        self.last = -1

    def __call__(self, fraction: float) -> None:
        if not self.active:
            return
        pct = int(fraction * 100)
        if pct == self.last:
            return
        self.last = pct
        bar = "#" * (pct // 4)
        self.stream.write(f"\r{self.label} [{bar:<25}] {pct:3d}%")
        if pct >= 100:
            self.stream.write("\r" + " " * (len(self.label) + 34) + "\r")
        self.stream.flush()


def _load(path: str, replications: int | None = None, why: str | None = None) -> Scenario:
    """Load a file; with ``replications`` the run-size limits are checked against that count
    instead of the file's, and a refusal names what set it (``why``; by default the
    --replications option)."""
    try:
        return load_scenario(Path(path), replications=replications)
    except ScenarioError as exc:
        if replications is not None and any(p.startswith("simulation.replications") for p in exc.problems):
            raise ScenarioError(exc.problems, _blamed(path, replications, why)) from None
        raise


def _blamed(path: str, replications: int | None, why: str | None) -> str:
    """The source named in a run-size refusal: the file, and what set its replications."""
    if why is None and replications is not None:
        why = f"--replications {replications}"
    return path if why is None else f"{path} with {why}"


def _asked_replications(path: str) -> int:
    """The replications a (valid, already loaded) file asks for itself."""
    settings = parse_yaml(Path(path).read_bytes()).get("simulation") or {}
    return int(settings.get("replications", Simulation.model_fields["replications"].default))


def _run(
    scenario: Scenario,
    file: str,
    replications: int | None,
    seed: int | None,
    progress: _Progress,
    why: str | None = None,
) -> Result:
    """``run``, with a size refusal blamed on the file and on what set the replications
    (``why``; by default the --replications option when one is given)."""
    try:
        return run(scenario, replications=replications, seed=seed, progress=progress)
    except ScenarioError as exc:
        raise ScenarioError(exc.problems, _blamed(file, replications, why)) from None


def _write_text(text: str, target: str) -> None:
    """Write ``text`` to the file ``target`` (``-``: standard output); a failed write names the file."""
    if target == "-":
        sys.stdout.write(text)
        return
    try:
        Path(target).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), target) from None


def _write_json(data: dict[str, Any], target: str) -> None:
    _write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", target)


def _write_csv(frame: Any, target: str, **kwargs: Any) -> None:
    """A table as CSV, numbers to six significant digits (as the app's download)."""
    _write_text(frame.to_csv(float_format=CSV_FLOAT_FORMAT, **kwargs), target)


def _print_summary(result: Result, out: TextIO) -> None:
    sc = result.scenario
    out.write(f"{sc.name}\n")
    out.write(
        f"  {result.summary['devices']:,} devices, {result.horizon_days} days, "
        f"{result.replications} replications, seed {result.seed}\n\n"
    )
    width = max(len(label) for _, label, _ in SUMMARY_ROWS)
    for key, label, kind in SUMMARY_ROWS:
        ci = result.summary.get(f"{key}_ci95")
        extra = ""
        if kind == "pct" and ci and result.replications > 1:
            extra = f"  (95% interval of the mean {ci[0] * 100:.1f}–{ci[1] * 100:.1f}%)"
        elif key == "expected_breach_loss" and result.replications > 1:
            lo, hi = result.summary["expected_breach_loss_p05"], result.summary["expected_breach_loss_p95"]
            extra = f"  (90% of replications ${lo:,.0f}–${hi:,.0f})"
        out.write(f"  {label:<{width}}  {_fmt(result.summary.get(key), kind)}{extra}\n")
    s = result.summary
    out.write(
        f"\n  Mean over replications; 90% of replications end between "
        f"{s['compliance_end_p05'] * 100:.1f}% and {s['compliance_end_p95'] * 100:.1f}%.\n"
    )


def _check_outputs(*targets: str | None) -> None:
    """Refuse an output path that cannot be written before simulating, not after: an empty
    name, a folder that does not exist or cannot be written to, a folder given as the file,
    or standard output (``-``) asked for twice."""
    given = [t for t in targets if t is not None]
    if given.count("-") > 1:
        raise ScenarioError(["only one output can go to standard output (-)"])
    for target in given:
        if target == "-":
            continue
        if not target.strip():
            raise ScenarioError(["an output path is empty"])
        path = Path(target)
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "Is a folder, not a file", target)
        if not path.parent.is_dir():
            raise FileNotFoundError(errno.ENOENT, "No such file or directory (the folder does not exist)", target)
        if not os.access(path if path.exists() else path.parent, os.W_OK):
            raise PermissionError(errno.EACCES, "Permission denied", target)


def cmd_run(args: argparse.Namespace) -> int:
    _check_outputs(args.json, args.csv)
    scenario = _load(args.file, args.replications)
    result = _run(scenario, args.file, args.replications, args.seed, _Progress(sys.stderr, "simulating"))
    if "-" not in (args.json, args.csv):
        _print_summary(result, sys.stdout)
    if args.json:
        _write_json(result.to_dict(), args.json)
    if args.csv:
        _write_csv(result.series, args.csv)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Every file runs with the same seed and the same number of replications (the first
    file's unless given): replications are drawn in batches whose size depends on their
    number, so two counts would make the files' runs differ by chance, not by their settings."""
    _check_outputs(args.json)
    first = _load(args.files[0], args.replications)
    reps = first.simulation.replications  # --replications, or the first file's own
    why = None if args.replications is not None else f"the first file's {reps} replications"
    # every file is checked against the count it will run with, before any is simulated
    scenarios = [first, *(_load(f, reps, why) for f in args.files[1:])]
    seed = args.seed if args.seed is not None else first.simulation.seed
    # every file was checked against these replications above: run them all at once, on the
    # local process pool or on the Dask cluster given
    address = args.cluster or cluster_address()
    executor = dask_executor(address) if address else None
    label = f"simulating {len(scenarios)} scenario{'' if len(scenarios) == 1 else 's'}"
    results = run_many(
        scenarios, replications=reps, seed=seed, executor=executor, progress=_Progress(sys.stderr, label)
    )
    if args.json:
        data = {"seed": seed, "replications": reps, "results": [r.to_dict() for r in results]}
        if len(results) == 2:  # the second against the first, paired by replication
            data["paired_differences"] = _differences(results[0], results[1])
        _write_json(data, args.json)
        if args.json == "-":
            return 0
    if len(results) == 1:
        sys.stdout.write(ONE_FILE_NOTE)
    own = {Path(f).stem: _asked_replications(f) for f in args.files}
    overridden = {name: n for name, n in own.items() if n != reps}
    _print_comparison(results, [Path(f).stem for f in args.files], seed, sys.stdout, overridden)
    return 0


def _differences(a: Result, b: Result) -> list[dict[str, Any]]:
    return [paired_difference(a, b, key).to_dict() for key in PAIRED]


def _print_comparison(
    results: Sequence[Result],
    labels: Sequence[str],
    seed: int,
    out: TextIO,
    overridden: dict[str, int] | None = None,
) -> None:
    """A side-by-side table: one column per file (headed by its file name), full names above.

    With exactly two scenarios a last column gives the change from the first to the second.
    ``overridden`` names the files whose own replication count was not the one used.
    """
    labels = [lab[:32] for lab in labels]
    reps = results[0].replications
    out.write(
        f"Same seed ({seed}) and {reps} replication{'' if reps == 1 else 's'} for every scenario, "
        "so differences come from the scenarios.\n"
    )
    if overridden:
        asked = ", ".join(f"{name} asks for {n}" for name, n in overridden.items())
        out.write(f"  ({asked}; all run with {reps} so that their random draws line up.)\n")
    lw = max(len(lab) for lab in labels)
    for lab, r in zip(labels, results, strict=True):
        out.write(f"  {lab:<{lw}}  {r.scenario.name}\n")
    out.write("\n")
    table = summary_table(results, labels)  # the same table as the app's Compare tab
    width = max(len(label) for label in table.index)
    header = list(table.columns)
    colw = [max(len(h), *(len(c) for c in table[h])) for h in header]
    out.write(" " * width + "".join(f"  {h:>{w}}" for h, w in zip(header, colw, strict=True)) + "\n")
    for label, cells in table.iterrows():
        row = "".join(f"  {c:>{w}}" for c, w in zip(cells, colw, strict=True))
        out.write(f"{label:<{width}}{row}".rstrip() + "\n")


def _vary(text: str) -> Any:
    from sim.sweep import parse_vary

    try:
        return parse_vary(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_sweep(args: argparse.Namespace) -> int:
    """The grid of --vary settings around FILE, one row per point, same seed and replications."""
    from sim.sweep import grid, table

    _check_outputs(args.json, args.csv)
    base = _load(args.file, args.replications)
    reps = base.simulation.replications
    seed = args.seed if args.seed is not None else base.simulation.seed
    try:
        points = grid(base, args.vary)
    except ScenarioError as exc:
        raise ScenarioError(exc.problems, args.file) from None
    for settings, sc in points:  # every point against the replications it will run with
        try:
            checked_run_size(sc, reps, seed)
        except ScenarioError as exc:
            where = ", ".join(f"{k}={v}" for k, v in settings.items())
            raise ScenarioError(exc.problems, f"{args.file} at {where}") from None
    address = args.cluster or cluster_address()
    executor = dask_executor(address) if address else None
    label = f"simulating {len(points)} point{'' if len(points) == 1 else 's'}"
    results = run_many(
        [sc for _, sc in points], replications=reps, seed=seed, executor=executor, progress=_Progress(sys.stderr, label)
    )
    frame = table([settings for settings, _ in points], results)
    if args.csv:
        _write_csv(frame, args.csv, index=False)
    if args.json:
        rows = [{k: _json_number(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
        _write_json({"file": args.file, "seed": seed, "replications": reps, "points": rows}, args.json)
    if "-" in (args.json, args.csv):
        return 0
    _print_sweep(frame, [v.path for v in args.vary], seed, reps, sys.stdout)
    return 0


def _print_sweep(frame: Any, paths: Sequence[str], seed: int, reps: int, out: TextIO) -> None:
    out.write(f"Same seed ({seed}) and {reps} replications at every point; KPI as mean (95% interval).\n\n")
    headers = [p.rsplit(".", 1)[-1] for p in paths] + [
        "KPI average",
        "KPI day 182",
        "KPI at end",
        "cost",
        "breaches/yr",
    ]

    def pct(row: Any, col: str) -> str:
        value, lo, hi = row[col], row[f"{col}_lo"], row[f"{col}_hi"]
        if value is None or value != value:
            return "n/a"
        return f"{value * 100:.1f}% ({lo * 100:.1f}–{hi * 100:.1f})"

    rows = []
    for _, row in frame.iterrows():
        cells = [str(row[p]) for p in paths]
        cells += [pct(row, "kpi_average"), pct(row, "kpi_day_182"), pct(row, "kpi_end")]
        cells += [f"${row['programme_cost']:,.0f}", f"{row['breaches_per_year']:.4f}"]
        rows.append(cells)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    out.write("  ".join(f"{h:>{w}}" for h, w in zip(headers, widths, strict=True)) + "\n")
    for r in rows:
        out.write("  ".join(f"{c:>{w}}" for c, w in zip(r, widths, strict=True)) + "\n")


def cmd_validate(args: argparse.Namespace) -> int:
    bad = 0
    for f in args.files:
        try:
            sc = _load(f)
        except ScenarioError as exc:
            sys.stderr.write(f"{exc}\n")
            bad += 1
            continue
        sys.stdout.write(f"{f}: valid ({sc.name!r}, {sc.fleet.device_count:,} devices)\n")
    return EXIT_BAD_INPUT if bad else 0


def cmd_import(args: argparse.Namespace) -> int:
    """A device inventory (CSV or JSON lines) read into a scenario (``sim.inventory``)."""
    from datetime import date

    from sim.inventory import format_report, import_inventory, parse_mapping, parse_types
    from sim.scenario import safe_scenario_filename, save_scenario

    target = args.output
    if target and target != "-":
        if Path(target).is_dir():
            target = str(Path(target) / safe_scenario_filename(Path(args.file).stem))
        if Path(target).suffix.lower() not in (".yaml", ".yml"):
            raise ScenarioError([f"-o {target}: a scenario file ends in .yaml or .yml"])
        if Path(target).exists() and not args.overwrite:
            raise ScenarioError([f"-o {target}: the file exists already; choose another name or add --overwrite"])
    _check_outputs(None if target == "-" else target, args.json)
    as_of = None
    if args.as_of:
        try:
            as_of = date.fromisoformat(args.as_of)
        except ValueError:
            raise ScenarioError([f"--as-of must be a date such as 2026-11-30 (got {args.as_of!r})"]) from None
    result = import_inventory(
        Path(args.file),
        base=args.base,
        profile=args.profile,
        mapping=parse_mapping(args.map or []),
        types=parse_types(args.type or []),
        skip_bad_rows=args.skip_bad_rows,
        as_of=as_of,
        timeframe_days=args.timeframe_days,
        source_name=args.file,
    )
    quiet = "-" in (target, args.json)
    if not quiet:
        sys.stdout.write(format_report(result.report))
    if target == "-":
        from sim.scenario import dump_scenario

        sys.stdout.write(dump_scenario(result.scenario))
    elif target:
        saved = save_scenario(result.scenario, target)
        if not quiet:
            sys.stdout.write(f"\nWrote {saved} (a valid scenario file; run it with: python -m sim run {saved})\n")
    elif not quiet:
        sys.stdout.write("\nNothing written: add -o FILE.yaml to save the scenario.\n")
    if args.json:
        _write_json(result.report.to_dict(), args.json)
    return EXIT_OK


def _bounded_int(name: str, low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number in [low, high], with a message naming the option."""

    def parse(text: str) -> int:
        try:
            if not _WHOLE.fullmatch(text.strip()):
                raise ValueError(text)
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number (got {text!r})") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{name} must be between {low:,} and {high:,} (got {value:,})")
        return value

    parse.__name__ = name  # argparse names the type in its own messages
    return parse


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors are bad input too: status 2
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


# --------------------------------------------------------------------------- goal seek


class _StopOnCtrlC:
    """The first Ctrl-C asks the search to stop (it returns the best plan so far); a second
    one interrupts at once."""

    def __init__(self) -> None:
        self.requested = False
        self.previous: Any = None

    def __enter__(self) -> _StopOnCtrlC:
        self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGINT, self.previous)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        sys.stderr.write("\nstopping after the current runs (Ctrl-C again to abort)\n")

    def progress(self, bar: _Progress) -> Callable[[Any], None]:
        def report(status: Any) -> None:
            if self.requested:
                raise Interrupted
            bar(status.fraction)

        return report


def _lever_list(text: str | None) -> list[str] | None:
    if text is None:
        return None
    keys = [k.strip() for k in text.split(",") if k.strip()]
    from sim.levers import BY_KEY

    unknown = [k for k in keys if k not in BY_KEY]
    if unknown or not keys:
        raise ScenarioError(
            [
                f"--levers: unknown lever {', '.join(map(repr, unknown)) or '(none given)'}; the levers are "
                + ", ".join(BY_KEY)
            ]
        )
    return keys


@contextlib.contextmanager
def _pool(workers: int | None, cluster: str | None = None) -> Any:
    """Where the search's runs go: the Dask cluster at ``cluster`` (or the one named by
    IOT_SIM_DASK_ADDRESS / DASK_SCHEDULER_ADDRESS), else a local process pool of
    ``workers`` processes (default: one per core; its workers ignore Ctrl-C, which the
    search handles), else, for one worker, this process alone."""
    address = cluster or (cluster_address() if workers is None else None)
    if address:
        yield dask_executor(address)
        return
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers <= 1:
        yield None
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, initializer=signal.signal, initargs=(signal.SIGINT, signal.SIG_IGN)) as pool:
        yield pool


def _goal_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "target": args.target,
        "by_day": args.by_day,
        "confidence": args.confidence,
        "levers": _lever_list(args.levers),
        "seed": args.seed,
        "sustained": args.sustained,
        "objective": args.objective,
    }
    if args.runs is not None:
        kwargs["budget_runs"] = args.runs
    return kwargs


def _kpi_words(plan: Any) -> str:
    day = f"day {plan.by_day}" + (" to the horizon" if plan.sustained else "")
    return f"KPI on {day}"


def _print_plan(plan: Any, file: str, out: TextIO) -> None:
    """The plan as a table: each moved lever before -> after, then cost and KPI with its interval."""
    sc = plan.scenario
    conf = f"{plan.confidence:.0%} of runs"
    when = f"day {plan.by_day}" + (" and kept to the horizon" if plan.sustained else "")
    if plan.reachable:
        out.write(f"Cheapest plan found: {plan.target:.1%} by {when} in at least {conf}\n")
    else:
        out.write(
            f"Not reachable with these levers: no plan found reaches {plan.target:.1%} by {when} in {conf}.\n"
            f"The best found reaches {plan.kpi_lower:.1%} in {conf}, at {_fmt(plan.cost, 'usd')} a horizon.\n"
        )
    if plan.stopped:
        out.write(f"(stopped early: the best plan so far, from {plan.replications} replications, not re-checked)\n")
    out.write(f"  from {file}\n\n")
    rows = [(c.label, c.before_text, c.after_text) for c in plan.changes]
    if not rows:
        rows = [("(no lever needs to move)", "", "")]
    rows += [
        ("Programme cost", _fmt(plan.loaded_cost, "usd"), _fmt(plan.cost, "usd")),
        (f"{_kpi_words(plan)}, mean", _fmt(plan.loaded_kpi_mean, "pct"), _fmt(plan.kpi_mean, "pct")),
        (f"{_kpi_words(plan)}, in {conf} at least", _fmt(plan.loaded_kpi_lower, "pct"), _fmt(plan.kpi_lower, "pct")),
    ]
    lw = max(len(r[0]) for r in rows)
    bw = max(len("loaded"), *(len(r[1]) for r in rows))
    out.write(f"  {'':<{lw}}  {'loaded':>{bw}}    plan\n")
    for label, before, after in rows:
        arrow = "->" if before else "  "
        out.write(f"  {label:<{lw}}  {before:>{bw}} {arrow} {after}\n".rstrip() + "\n")
    change = plan.cost - plan.loaded_cost
    out.write(
        f"\n  Cost change: {'+' if change >= 0 else '-'}${abs(change):,.0f} over the {sc.simulation.horizon_days}-day "
        f"horizon. KPI on day {plan.by_day}: {plan.kpi_mean:.1%} on average; {plan.kpi_lower:.1%} to "
        f"{plan.kpi_upper:.1%} between the {1 - plan.confidence:.0%} and {plan.confidence:.0%} points of the "
        f"replications; {plan.share_meeting:.0%} of them reach the target.\n"
    )
    loss = plan.breach.get("expected_breach_loss")
    if loss is not None:
        out.write(f"  Expected breach loss: {_fmt(loss, 'usd')}.\n")
    out.write(f"  {plan.runs:,} runs (replications) simulated, seed {plan.seed}; checked with {plan.replications}.\n")


def cmd_seek(args: argparse.Namespace) -> int:
    """The cheapest lever settings that reach the target (``sim.goal.seek``)."""
    from sim.goal import seek
    from sim.scenario import save_scenario

    _check_outputs(args.json, args.save)
    scenario = _load(args.file)
    stop = _StopOnCtrlC()
    with stop, _pool(args.workers, args.cluster) as pool:
        plan = seek(
            scenario, **_goal_kwargs(args), progress=stop.progress(_Progress(sys.stderr, "searching")), executor=pool
        )
    if args.json != "-":
        _print_plan(plan, args.file, sys.stdout)
    if args.save:
        saved = save_scenario(plan.scenario, args.save)
        if args.json != "-":
            sys.stdout.write(
                f"  Saved as {saved}" + ("" if plan.reachable else " (it does not reach the target)") + "\n"
            )
    if args.json:
        _write_json(plan.to_dict(), args.json)
    return EXIT_INTERRUPTED if plan.stopped else EXIT_OK


def cmd_frontier(args: argparse.Namespace) -> int:
    """Non-dominated plans, cost against the KPI's lower bound (``sim.goal.frontier``)."""
    from sim.goal import frontier

    _check_outputs(args.json, args.csv)
    scenario = _load(args.file)
    stop = _StopOnCtrlC()
    with stop, _pool(args.workers, args.cluster) as pool:
        front = frontier(
            scenario,
            **_goal_kwargs(args),
            points=args.points,
            progress=stop.progress(_Progress(sys.stderr, "searching")),
            executor=pool,
        )
    if "-" not in (args.json, args.csv):
        _print_frontier(front, args.file, sys.stdout)
    if args.csv:
        _write_csv(front.to_frame(), args.csv, index=False)
    if args.json:
        _write_json(front.to_dict(), args.json)
    return EXIT_INTERRUPTED if front.stopped else EXIT_OK


def _print_frontier(front: Any, file: str, out: TextIO) -> None:
    from sim.levers import BY_KEY, describe

    loaded = front.loaded
    conf = f"{loaded.confidence:.0%}"
    out.write(
        f"Cost against the KPI on day {loaded.by_day} reached in {conf} of runs: plans no other plan beats on both\n"
        f"  from {file}; target {loaded.target:.1%}\n\n"
    )
    keys = list(loaded.settings)
    header = ["", "cost", f"KPI in {conf}", "mean", *keys]
    rows = [
        [
            "loaded",
            _fmt(loaded.cost, "usd"),
            _fmt(loaded.kpi_lower, "pct"),
            _fmt(loaded.kpi_mean, "pct"),
            *(describe(BY_KEY[k], loaded.settings[k]) for k in keys),
        ]
    ]
    for i, plan in enumerate(front.plans, 1):
        mark = " *" if plan is front.cheapest_meeting() else ""
        rows.append(
            [
                f"{i}{mark}",
                _fmt(plan.cost, "usd"),
                _fmt(plan.kpi_lower, "pct"),
                _fmt(plan.kpi_mean, "pct"),
                *(describe(BY_KEY[k], plan.settings[k]) for k in keys),
            ]
        )
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        out.write("  " + "  ".join(f"{c:>{w}}" for c, w in zip(r, widths, strict=True)).rstrip() + "\n")
    if front.stopped:
        out.write("\n  (stopped early: plans from the screening replications, not re-checked)\n")
    out.write(f"\n  * the cheapest plan reaching the target. {front.runs:,} runs (replications) simulated.\n")


def _share(name: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            if not _DECIMAL.fullmatch(text.strip()):
                raise ValueError(text)
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number such as 0.95 (got {text!r})") from None
        if not 0 < value <= 1:
            hint = "; shares are written as fractions: 0.95 for 95%" if 1 < value <= 100 else ""
            raise argparse.ArgumentTypeError(f"{name} must be above 0 and at most 1 (got {text}){hint}")
        return value

    parse.__name__ = name
    return parse


def _add_goal_commands(sub: Any, seed: Callable[[str], int]) -> None:
    for name, helptext, func in (
        ("seek", "find the cheapest lever settings that reach the KPI target", cmd_seek),
        ("frontier", "show the trade-off between programme cost and the KPI", cmd_frontier),
    ):
        g = sub.add_parser(name, help=helptext)
        g.add_argument("file")
        g.add_argument("--target", type=_share("--target"), help="KPI target, a share (default: the file's kpi.target)")
        g.add_argument(
            "--by-day",
            type=_bounded_int("--by-day", 0, 3650),
            default=182,
            help="day the target must be reached by (default 182, six months)",
        )
        g.add_argument(
            "--confidence",
            type=_share("--confidence"),
            default=0.9,
            help="share of replications that must reach the target (default 0.9)",
        )
        g.add_argument("--levers", metavar="a,b,...", help="levers that may move (default: those with a cost)")
        g.add_argument(
            "--runs",
            type=_bounded_int("--runs", 1, 1_000_000),
            help="simulations in all, each with its replications (default 120)",
        )
        g.add_argument("--seed", type=seed, help="seed for every run (default: the file's)")
        g.add_argument("--sustained", action="store_true", help="the KPI must stay at the target to the horizon")
        g.add_argument(
            "--objective",
            choices=("cost", "cost+loss"),
            default="cost",
            help="minimise the programme cost, or the cost plus the expected breach loss",
        )
        g.add_argument(
            "--workers",
            type=_bounded_int("--workers", 1, 64),
            help="processes simulating side by side in a local pool (default: one per core; 1 = this process)",
        )
        g.add_argument(
            "--cluster",
            metavar="ADDRESS",
            help="run on the Dask cluster at ADDRESS (default: IOT_SIM_DASK_ADDRESS or DASK_SCHEDULER_ADDRESS "
            "if set and --workers is not, else the local pool)",
        )
        g.add_argument("--json", metavar="PATH|-", help="write the result as JSON (- for standard output)")
        if name == "seek":
            g.add_argument("--save", metavar="PATH", help="save the plan as a scenario file")
        else:
            g.add_argument(
                "--points",
                type=_bounded_int("--points", 2, 50),
                default=12,
                help="frontier plans checked with the full replications (default 12)",
            )
            g.add_argument("--csv", metavar="PATH|-", help="write the frontier plans as CSV (- for standard output)")
        g.set_defaults(func=func)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Morris screening of the uncertain assumptions (``sim.sensitivity``)."""
    from sim.sensitivity import DEFAULT_RUNS, sensitivity

    _check_outputs(args.json)
    scenario = _load(args.file, args.replications, f"--replications {args.replications}")
    result = sensitivity(
        scenario,
        method=args.method,
        runs=args.runs or DEFAULT_RUNS,
        by_day=args.by_day,
        replications=args.replications,
        seed=args.seed,
        progress=_Progress(sys.stderr, "screening"),
    )
    if args.json:
        _write_json(result.to_dict(), args.json)
        if args.json == "-":
            return EXIT_OK
    out = sys.stdout
    lo, hi = result.factor_range
    out.write(
        f"Which assumptions matter: Morris screening of {args.file}, each assumption from x{lo:g} to x{hi:g} "
        f"of its value\n  {result.trajectories} trajectories, {result.runs} runs of {result.replications} "
        f"replications, seed {result.seed}; mu* = mean absolute effect, sigma = how much it varies\n\n"
    )
    t = result.table
    rows = [
        [
            row["label"],
            f"{row['kpi_mu_star'] * 100:.2f} pts",
            f"{row['kpi_sigma'] * 100:.2f} pts",
            _fmt(row["loss_mu_star"], "usd"),
            _fmt(row["loss_sigma"], "usd"),
        ]
        for _, row in t.iterrows()
    ]
    header = ["Assumption", f"KPI day {result.by_day} mu*", "sigma", "Breach loss mu*", "sigma"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        cells = [f"{r[0]:<{widths[0]}}", *(f"{c:>{w}}" for c, w in zip(r[1:], widths[1:], strict=True))]
        out.write("  " + "  ".join(cells) + "\n")
    out.write("\n  Ranked by the effect on the KPI, then on the loss; effects are per unit of the factor.\n")
    return EXIT_OK


# --------------------------------------------------------------------------- board report

REPORT_FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf"}


def _report_format(target: str) -> str:
    """'html' or 'pdf', from the output's suffix; anything else is refused before any run."""
    suffix = Path(target).suffix.lower()
    if suffix not in REPORT_FORMATS:
        got = f"'{suffix}'" if suffix else "no suffix"
        raise ScenarioError([f"-o {target}: a report is written as .html or .pdf (got {got})"])
    return REPORT_FORMATS[suffix]


def _write_bytes(data: bytes, target: str) -> None:
    try:
        Path(target).write_bytes(data)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), target) from None


def cmd_report(args: argparse.Namespace) -> int:
    """The board report (``report`` package): the file as the what-if, against ``--against``
    (default: the file alone), both with one seed and the what-if's replications unless
    given; ``--plan`` runs the goal seek on the file first and adds its plan."""
    output = args.output or f"{Path(args.file).stem}-report.html"
    kind = _report_format(output)
    _check_outputs(output)
    whatif = _load(args.file, args.replications)
    reps = whatif.simulation.replications
    why = None if args.replications is not None else f"the what-if file's {reps} replications"
    loaded = _load(args.against, reps, why) if args.against else None
    seed = args.seed if args.seed is not None else whatif.simulation.seed
    plan = None
    if args.plan or args.plan_runs:
        from sim.goal import DEFAULT_BUDGET_RUNS, SCREEN_REPLICATIONS, seek

        stop = _StopOnCtrlC()
        with stop:
            plan = seek(
                whatif,
                seed=seed,
                by_day=min(182, whatif.simulation.horizon_days),  # six months, or the horizon if sooner
                budget_runs=args.plan_runs or DEFAULT_BUDGET_RUNS,
                check_replications=reps,
                screen_replications=min(SCREEN_REPLICATIONS, reps),
                progress=stop.progress(_Progress(sys.stderr, "goal seek")),
            )
        if plan.stopped:
            sys.stderr.write("goal seek stopped: the report shows the best plan so far\n")
    import report  # plotly, Jinja2 and Playwright: loaded for this command only

    inputs = report.simulate(whatif, loaded, replications=reps, seed=seed, progress=_Progress(sys.stderr, "simulating"))
    page = report.html(inputs.whatif, inputs.loaded, effects=inputs.effects, plan=plan)
    if kind == "pdf":
        try:
            data = report.pdf(page)
        except report.ChromiumMissing as exc:
            sys.stderr.write(f"error: {exc}\n")
            return EXIT_INTERNAL_ERROR
        _write_bytes(data, output)
    else:
        _write_text(page, output)
    against = f" against {args.against}" if args.against else ""
    levers = 0 if inputs.effects is None else len(inputs.effects)
    sys.stdout.write(
        f"Wrote {output}: {args.file}{against}, {reps} replications, seed {seed}"
        + (f"; {levers} lever{'' if levers == 1 else 's'} compared" if args.against else "")
        + ("" if plan is None else f"; plan from {plan.runs:,} goal-seek runs")
        + "\n"
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    replications = _bounded_int("--replications", 1, MAX_REPLICATIONS)
    seed = _bounded_int("--seed", 0, MAX_SEED)
    p = _Parser(prog="python -m sim", description="What-if simulator for IoT security-update programmes.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    r = sub.add_parser("run", help="simulate one scenario file and print its summary")
    r.add_argument("file")
    r.add_argument("--replications", type=replications, help="override simulation.replications")
    r.add_argument("--seed", type=seed, help="override simulation.seed (0 to 4,294,967,295)")
    r.add_argument("--json", metavar="PATH|-", help="write the results as JSON (- for standard output)")
    r.add_argument("--csv", metavar="PATH|-", help="write the daily series as CSV (- for standard output)")
    r.set_defaults(func=cmd_run)
    c = sub.add_parser("compare", help="simulate several files with the same seed, side by side")
    c.add_argument("files", nargs="+")
    c.add_argument("--replications", type=replications, help="replications for every file (default: the first file's)")
    c.add_argument("--seed", type=seed, help="seed for all (default: the first file's)")
    c.add_argument("--json", metavar="PATH|-")
    c.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="run on the Dask cluster at ADDRESS, e.g. tcp://10.0.0.5:8786 (default: IOT_SIM_DASK_ADDRESS or "
        "DASK_SCHEDULER_ADDRESS if set, else a local process pool)",
    )
    c.set_defaults(func=cmd_compare)
    sw = sub.add_parser("sweep", help="run a grid of settings around one file, same seed, one row per point")
    sw.add_argument("file")
    sw.add_argument(
        "--vary",
        type=_vary,
        action="append",
        required=True,
        metavar="PATH=VALUES",
        help="a setting and its values: v1,v2,... or start:stop:count (repeat for a grid)",
    )
    sw.add_argument("--replications", type=replications, help="replications at every point (default: the file's)")
    sw.add_argument("--seed", type=seed, help="seed for every point (default: the file's)")
    sw.add_argument("--csv", metavar="PATH|-", help="write the table as CSV")
    sw.add_argument("--json", metavar="PATH|-", help="write the table as JSON")
    sw.add_argument("--cluster", metavar="ADDRESS", help="run on the Dask cluster at ADDRESS")
    sw.set_defaults(func=cmd_sweep)
    v = sub.add_parser("validate", help="check scenario files without running them")
    v.add_argument("files", nargs="+")
    v.set_defaults(func=cmd_validate)
    _add_goal_commands(sub, seed)
    imp = sub.add_parser("import", help="read a device inventory (CSV or JSON lines) into a scenario file")
    imp.add_argument("file", help="the inventory: CSV (any of , ; tab |) or JSON lines")
    imp.add_argument(
        "--profile",
        metavar="NAME|FILE",
        help="column layout of a known export: canonical (default), intune, defender_iot, "
        "mender, hawkbit, or a profile file (.yaml)",
    )
    imp.add_argument("--base", metavar="FILE", help="scenario the rest comes from (default scenarios/baseline.yaml)")
    imp.add_argument("--map", action="append", metavar="COLUMN=FIELD", help="read COLUMN as FIELD (repeatable)")
    imp.add_argument("--type", action="append", metavar="TYPE=CLASS", help="put device type TYPE in CLASS (repeatable)")
    imp.add_argument("--skip-bad-rows", action="store_true", help="leave out a few bad rows (at most 10%%), counted")
    imp.add_argument("--as-of", metavar="DATE", help="the inventory's date (default: the newest last update)")
    imp.add_argument(
        "--timeframe-days",
        type=_bounded_int("--timeframe-days", 1, 3650),
        metavar="N",
        help="timeframe of a device without a criticality (default: the base's kpi.sla_days.high)",
    )
    imp.add_argument("-o", "--output", metavar="PATH|-", help="write the scenario file (- for standard output)")
    imp.add_argument("--overwrite", action="store_true", help="replace the output file if it exists")
    imp.add_argument("--json", metavar="PATH|-", help="write the import report as JSON (- for standard output)")
    imp.set_defaults(func=cmd_import)
    sens = sub.add_parser("sensitivity", help="rank the uncertain assumptions by their effect (Morris)")
    sens.add_argument("file")
    sens.add_argument("--method", choices=("morris",), default="morris", help="screening method (morris)")
    sens.add_argument("--runs", type=_bounded_int("--runs", 1, 100_000), help="simulations in all (default 100)")
    sens.add_argument("--by-day", type=_bounded_int("--by-day", 0, 3650), default=182, help="day of the KPI (182)")
    sens.add_argument("--replications", type=replications, default=8, help="replications per run (default 8)")
    sens.add_argument("--seed", type=seed, help="seed for every run (default: the file's)")
    sens.add_argument("--json", metavar="PATH|-", help="write the ranking as JSON (- for standard output)")
    sens.set_defaults(func=cmd_sensitivity)
    rep = sub.add_parser("report", help="write the board report (HTML or PDF) for a file, against another")
    rep.add_argument("file", help="the what-if scenario file")
    rep.add_argument("--against", metavar="FILE", help="the scenario it is set against (default: the file alone)")
    rep.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="report.html or report.pdf: the suffix sets the format (default: FILE's name + -report.html)",
    )
    rep.add_argument("--replications", type=replications, help="replications for both files (default: the file's)")
    rep.add_argument("--seed", type=seed, help="seed for every run (default: the file's)")
    rep.add_argument("--plan", action="store_true", help="run the goal seek on the file first and add its plan")
    rep.add_argument(
        "--plan-runs",
        type=_bounded_int("--plan-runs", 1, 1_000_000),
        help="simulations the goal seek may make (default 120; implies --plan)",
    )
    rep.set_defaults(func=cmd_report)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    with contextlib.ExitStack() as stack:
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if not isinstance(stream, _Plain):
                stack.enter_context(
                    contextlib.redirect_stdout(_Plain(stream))
                    if name == "stdout"
                    else contextlib.redirect_stderr(_Plain(stream))
                )
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ScenarioError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # the reader went away (e.g. piped into head): nothing to report
        with contextlib.suppress(OSError):
            sys.stderr.close()
        return EXIT_OK
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        sys.stderr.write(f"error: {where}{exc.strerror or exc}\n")
        return EXIT_BAD_INPUT
    except (KeyboardInterrupt, Interrupted):
        sys.stderr.write("\ninterrupted\n")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug, not bad input: one line, the traceback only on request
        if os.environ.get("SIM_DEBUG"):
            raise
        sys.stderr.write(
            f"error: internal error ({type(exc).__name__}: {exc}); please report it with the scenario file "
            "(set SIM_DEBUG=1 to see the traceback)\n"
        )
        return EXIT_INTERNAL_ERROR

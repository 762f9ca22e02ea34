"""The command line's contract: exit statuses, option checks, the JSON form (in process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from sim import cli

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")


def test_run_json_to_stdout_is_strict_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", BASELINE, "--replications", "2", "--seed", "3", "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["replications"], data["seed"], data["horizon_days"]) == (2, 3, 365)
    assert data["summary"]["devices"] == 5000
    assert len(data["series"]["day"]) == len(data["series"]["compliance_mean"]) == 366


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", BASELINE, "--seed", "-1"], "--seed must be between 0 and 4,294,967,295 (got -1)"),
        (["run", BASELINE, "--replications", "0"], "--replications must be between 1 and 1,000 (got 0)"),
        (["run", BASELINE, "--replications", "two"], "--replications must be a whole number (got 'two')"),
        (["compare", BASELINE, "--seed", "x"], "--seed must be a whole number (got 'x')"),
        (["run", BASELINE, "--replications", "٣٠"], "--replications must be a whole number"),
        (["run", BASELINE, "--replications", "1_0"], "--replications must be a whole number (got '1_0')"),
        (["seek", BASELINE, "--target", "0.9_5"], "--target must be a number such as 0.95"),
        ([], "the following arguments are required: command"),
    ],
)
def test_bad_options_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(args)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_override_beyond_the_limits_names_file_and_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", BASELINE, "--replications", "400"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {BASELINE} with --replications 400: simulation.replications: devices x")


def test_unwritable_output_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An output path in a folder that does not exist is refused before anything is simulated."""

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("simulated although the output cannot be written")

    monkeypatch.setattr(cli, "run", no_run)
    target = tmp_path / "missing" / "out.json"
    assert cli.main(["run", BASELINE, "--replications", "1", "--json", str(target)]) == 2
    assert f"error: {target}: No such file or directory" in capsys.readouterr().err
    for option in (["run", BASELINE, "--csv"], ["compare", BASELINE, BASELINE, "--json"]):
        assert cli.main([*option, str(target)]) == 2
        assert "the folder does not exist" in capsys.readouterr().err


def test_internal_error_is_one_line_with_status_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.delenv("SIM_DEBUG", raising=False)
    monkeypatch.setattr(cli, "run", broken)
    assert cli.main(["run", BASELINE]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: internal error (ZeroDivisionError: division by zero)")
    assert "Traceback" not in err
    monkeypatch.setenv("SIM_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        cli.main(["run", BASELINE])


def test_compare_refuses_before_running_if_any_file_is_bad(capsys: pytest.CaptureFixture[str]) -> None:
    bad = str(ROOT / "tests" / "bad_scenarios" / "negative_value.yaml")
    assert cli.main(["compare", BASELINE, bad]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert f"error: {bad}: levers.audits.interval_days: must be ≥ 0 (got -7)" in out.err


def test_compare_runs_every_file_with_the_same_replications(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A copy of the baseline that only asks for fewer replications compares as identical:
    every file runs with the first file's count (replications are drawn in batches whose
    size depends on their number, so different counts would differ by chance), and the
    table says which file asked for another count."""
    import sim

    fewer = sim.load_scenario(Path(BASELINE))
    fewer.simulation.replications = 4
    fewer.simulation.horizon_days = 60
    first = tmp_path / "first.yaml"
    second = tmp_path / "fewer.yaml"
    sim.save_scenario(
        fewer.model_copy(update={"simulation": fewer.simulation.model_copy(update={"replications": 3})}), first
    )
    sim.save_scenario(fewer, second)
    assert cli.main(["compare", str(first), str(second)]) == 0
    out = capsys.readouterr().out
    assert "Same seed (7) and 3 replications for every scenario" in out
    assert "fewer asks for 4; all run with 3" in out
    horizon_row = next(line for line in out.splitlines() if line.startswith("KPI at the horizon"))
    assert horizon_row.endswith("+0.0 pts")
    assert cli.main(["compare", str(first), str(second), "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["replications"] == 3
    a, b = (r["summary"] for r in data["results"])
    assert a == b  # the same settings, the same draws


def test_replications_option_admits_a_large_fleet_whose_file_asks_for_more(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 200,000-device file asking for 30 replications is over the run-size limit as it
    stands (validate and a plain run refuse it), but `--replications 1` runs it: the limits
    are checked against the count that will run."""
    import sim

    big = sim.load_scenario(Path(BASELINE)).model_dump(mode="json")
    for cls in big["fleet"]["device_classes"]:
        cls["count"] *= 40  # 200,000 devices
    big["simulation"] = {"horizon_days": 20, "replications": 30, "seed": 7}
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(big), encoding="utf-8")

    assert cli.main(["validate", str(path)]) == 2
    assert "devices x replications = 6,000,000" in capsys.readouterr().err
    assert cli.main(["run", str(path)]) == 2
    capsys.readouterr()
    assert cli.main(["run", str(path), "--replications", "1", "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["replications"], data["summary"]["devices"]) == (1, 200_000)
    assert cli.main(["run", str(path), "--replications", "11"]) == 2
    assert f"error: {path} with --replications 11: simulation.replications: devices x" in capsys.readouterr().err


def test_compare_checks_every_file_against_the_count_it_runs_with(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a one-replication file first, a 200,000-device file asking for 30 is compared at 1
    (it would run); with a four-replication file first, the same fleet is refused before
    anything is simulated, the message naming the count that came from the first file."""
    import sim

    base = sim.load_scenario(Path(BASELINE)).model_dump(mode="json")
    base["simulation"] = {"horizon_days": 10, "replications": 1, "seed": 7}
    small = tmp_path / "small.yaml"
    small.write_text(yaml.safe_dump(base), encoding="utf-8")
    big = json.loads(json.dumps(base))
    for cls in big["fleet"]["device_classes"]:
        cls["count"] *= 40  # 200,000 devices
    big["simulation"]["replications"] = 30
    big_path = tmp_path / "big.yaml"
    big_path.write_text(yaml.safe_dump(big), encoding="utf-8")

    assert cli.main(["compare", str(small), str(big_path)]) == 0
    out = capsys.readouterr().out
    assert "Same seed (7) and 1 replication for every scenario" in out
    assert "big asks for 30; all run with 1" in out

    base["simulation"]["replications"] = 11
    small.write_text(yaml.safe_dump(base), encoding="utf-8")
    calls = []
    monkeypatch.setattr(cli, "run", lambda *a, **k: calls.append(a))
    assert cli.main(["compare", str(small), str(big_path)]) == 2
    err = capsys.readouterr().err
    assert f"{big_path} with the first file's 11 replications: simulation.replications: devices x" in err
    assert calls == []  # refused before the first file was simulated


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--json", ""], "error: an output path is empty"),
        (["--json", "-", "--csv", "-"], "error: only one output can go to standard output (-)"),
        (["--csv", "{tmp}"], "error: {tmp}: Is a folder, not a file"),
    ],
)
def test_outputs_that_cannot_be_written_are_refused_before_running(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "run", lambda *a, **k: pytest.fail("simulated although the output cannot be written"))
    args = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    assert cli.main(["run", BASELINE, *args]) == 2
    assert message.replace("{tmp}", str(tmp_path)) in capsys.readouterr().err


def test_a_full_disk_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    assert cli.main(["run", BASELINE, "--replications", "1", "--json", "/dev/full"]) == 2
    assert "error: /dev/full: No space left on device" in capsys.readouterr().err


def test_csv_to_standard_output_is_the_daily_series_alone(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", BASELINE, "--replications", "2", "--csv", "-"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("day,compliance_mean,")
    assert len(lines) == 1 + 366  # a header and one row a day, no summary around it


def test_control_characters_from_a_file_never_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scenario name with an escape sequence (clear screen, retitle the terminal), a bell
    and a right-to-left override is printed without them."""
    data = yaml.safe_load(Path(BASELINE).read_text(encoding="utf-8"))
    data["name"] = "Plant\x1b[2J\x1b]0;owned\x07 \u202eelif"
    data["simulation"]["replications"] = 1
    path = tmp_path / "esc.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert cli.main(["validate", str(path)]) == 0
    assert cli.main(["run", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Plant[2J]0;owned elif" in out
    assert not any(c in out for c in "\x1b\x07\u202e")

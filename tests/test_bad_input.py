"""Bad scenario files at the command line: status 2, a message naming the problem and the file.

Every file in ``tests/bad_scenarios/`` is run through ``python -m sim validate FILE`` and
``python -m sim run FILE`` in a subprocess, as a planner would. Each must end with exit
status 2, print the text listed for it in ``expected.yaml`` and the file's path on standard
error, print no traceback, and finish within 2 seconds (issue 5). A few bad inputs that
cannot live in the corpus (a missing file, a folder, an oversized file, a pipe, a device)
are made on the fly. Files whose YAML tags would run a shell command check that nothing ran.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

import sim
from sim.scenario import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "bad_scenarios"
EXPECTED: dict[str, str] = yaml.safe_load((BAD / "expected.yaml").read_text(encoding="utf-8"))
COMMANDS = ("validate", "run")
TIME_LIMIT_S = 2.0  # issue 5: every bad file is answered within 2 seconds
RETIMES = 2  # a run over the limit is timed again alone up to this many times (best counts)
MARKER_PREFIX = "bad_input_marker"  # the python-object files would `touch bad_input_marker_*`

# Bad inputs made on the fly: name -> expected text.
GENERATED = {
    "missing.yaml": "no such file",
    "a_folder.yaml": "is a folder, not a scenario file",
    "oversized.yaml": f"the limit is {MAX_FILE_BYTES:,}",
    "a_pipe.yaml": "is not a regular file",
}


@dataclass(frozen=True)
class Outcome:
    status: int
    stdout: str
    stderr: str
    seconds: float


def _sim(args: list[str], cwd: Path) -> Outcome:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    env.pop("SIM_DEBUG", None)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, timeout=60, env=env, check=False
    )
    seconds = time.perf_counter() - start
    return Outcome(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"), seconds)


def _make_generated(folder: Path) -> dict[str, Path]:
    paths = {name: folder / name for name in GENERATED}
    paths["a_folder.yaml"].mkdir()
    # valid YAML all the way through, just too long
    paths["oversized.yaml"].write_text("name: big\ndescription: " + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")
    os.mkfifo(paths["a_pipe.yaml"])  # opening it would block forever: it must be refused unopened
    return paths


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bad_input_cwd")


@pytest.fixture(scope="module")
def outcomes(workdir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple[Path, Outcome]]:
    """Run every (file, command) once, as many at a time as there are cores."""
    files = {name: BAD / name for name in EXPECTED}
    files.update(_make_generated(tmp_path_factory.mktemp("generated")))
    jobs = [(name, cmd) for name in files for cmd in COMMANDS]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        done = pool.map(lambda job: _sim([job[1], str(files[job[0]])], workdir), jobs)
        results = {job: (files[job[0]], out) for job, out in zip(jobs, done, strict=True)}
    # The time limit is about this program, not about whatever else the machine is doing:
    # a run that was slow while sharing the cores is timed again alone (best of three).
    for job, (path, out) in results.items():
        for _ in range(RETIMES):
            if out.seconds < TIME_LIMIT_S:
                break
            again = _sim([job[1], str(path)], workdir)
            out = again if again.seconds < out.seconds else out
        results[job] = (path, out)
    return results


def test_every_corpus_file_has_an_expected_message() -> None:
    """The corpus and expected.yaml list the same files, and there are at least 15."""
    corpus = sorted(p.name for p in BAD.iterdir() if p.name != "expected.yaml")
    assert corpus == sorted(EXPECTED)
    assert len(corpus) >= 15


CASES = [(name, expected) for name, expected in {**EXPECTED, **GENERATED}.items()]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("name", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_file_refused_with_clear_message(
    outcomes: dict[tuple[str, str], tuple[Path, Outcome]], name: str, expected: str, command: str
) -> None:
    """Status 2, the problem and the file named on stderr, no traceback, within 2 seconds."""
    path, out = outcomes[(name, command)]
    assert out.status == 2, out.stderr
    assert expected in out.stderr
    assert str(path) in out.stderr
    assert "Traceback" not in out.stderr
    assert out.stdout == ""
    assert out.seconds < TIME_LIMIT_S, f"{command} {name} took {out.seconds:.2f} s"


def test_yaml_tags_execute_nothing(outcomes: dict[tuple[str, str], tuple[Path, Outcome]], workdir: Path) -> None:
    """The !!python/object files would `touch` a marker file in the working folder if run."""
    tagged = [name for name in EXPECTED if name.startswith("python_object")]
    assert len(tagged) == 3
    for name in tagged:
        for command in COMMANDS:
            assert outcomes[(name, command)][1].status == 2
    assert sorted(p.name for p in workdir.iterdir() if p.name.startswith(MARKER_PREFIX)) == []


def test_yaml_tags_execute_nothing_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the tagged files in this process (as the app does) runs nothing either."""
    monkeypatch.chdir(tmp_path)
    for name in ("python_object_tag.yaml", "python_object_value.yaml", "python_object_new.yaml"):
        with pytest.raises(sim.ScenarioError, match="is not allowed"):
            sim.load_scenario((BAD / name).read_bytes())
    assert list(tmp_path.iterdir()) == []


def test_device_file_is_refused_without_reading(tmp_path: Path) -> None:
    """/dev/zero never ends: it is refused as not a regular file instead of read."""
    if not Path("/dev/zero").exists():
        pytest.fail("this test needs /dev/zero (POSIX)")
    out = _sim(["validate", "/dev/zero"], tmp_path)
    assert out.status == 2
    assert "/dev/zero: is not a regular file" in out.stderr
    assert out.seconds < TIME_LIMIT_S


def test_validate_reports_every_bad_file_and_passes_good_ones(tmp_path: Path) -> None:
    """Several files at once: each bad one gets its own message; the good one is reported valid."""
    good = ROOT / "scenarios" / "baseline.yaml"
    bad = [BAD / "negative_value.yaml", BAD / "empty.yaml"]
    out = _sim(["validate", str(bad[0]), str(good), str(bad[1])], tmp_path)
    assert out.status == 2
    assert f"{good}: valid ('Baseline: manual patching', 5,000 devices)" in out.stdout
    assert f"{bad[0]}: levers.audits.interval_days: must be ≥ 0 (got -7)" in out.stderr
    assert f"{bad[1]}: the file is empty" in out.stderr

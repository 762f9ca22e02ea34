"""A save that fails part-way leaves the previous file intact (issue 5, "nothing lost").

``save_scenario`` writes a temp file in the same folder, flushes and fsyncs it, then
renames it over the target. These tests break each step: the write, the fsync and the
rename raise; the process is killed with SIGKILL while saving in a loop. The target must
always hold the old scenario or the new one, whole, never a mixture or a truncated file.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import sim
from sim.scenario import Scenario, load_scenario, save_scenario

ROOT = Path(__file__).resolve().parents[1]


def _big(name: str, marker: str) -> Scenario:
    """A scenario near the largest the schema allows (50 classes, long description)."""
    classes = [{"name": f"{marker} class {i:02d}", "count": 100 + i} for i in range(50)]
    return Scenario.model_validate(
        {
            "name": name,
            "description": (marker + " ") * 1400,
            "simulation": {"replications": 1},
            "fleet": {"device_classes": classes},
        }
    )


OLD = _big("Old plan", "old")
NEW = _big("New plan", "new")


@pytest.fixture
def saved_old(tmp_path: Path) -> Path:
    target = save_scenario(OLD, tmp_path / "plan.yaml")
    assert load_scenario(target) == OLD
    return target


def _only_target_left(folder: Path) -> None:
    assert [p.name for p in folder.iterdir()] == ["plan.yaml"]


class _FailingFile(io.TextIOWrapper):
    """A file whose writes fail half-way, as on a full disk."""

    def write(self, text: str) -> int:
        super().write(text[: len(text) // 2])
        raise OSError(28, "No space left on device")


def test_failing_write_keeps_the_old_file(saved_old: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_fdopen = os.fdopen

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> io.TextIOWrapper:
        raw = real_fdopen(fd, "wb")
        return _FailingFile(raw, encoding="utf-8")

    monkeypatch.setattr(os, "fdopen", fdopen)
    with pytest.raises(OSError, match="No space left"):
        save_scenario(NEW, saved_old)
    monkeypatch.undo()
    assert load_scenario(saved_old) == OLD
    _only_target_left(saved_old.parent)


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_failing_fsync_or_rename_keeps_the_old_file(
    saved_old: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise OSError(5, f"{step} failed (I/O error)")

    monkeypatch.setattr(os, step, boom)
    with pytest.raises(OSError, match=f"{step} failed"):
        save_scenario(NEW, saved_old)
    monkeypatch.undo()
    assert load_scenario(saved_old) == OLD
    _only_target_left(saved_old.parent)


def test_interrupt_during_save_keeps_the_old_file(saved_old: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (a BaseException, not an Exception) between write and rename cleans up too."""

    def interrupt(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        save_scenario(NEW, saved_old)
    monkeypatch.undo()
    assert load_scenario(saved_old) == OLD
    _only_target_left(saved_old.parent)


def test_failing_save_without_overwrite_keeps_the_folder_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise OSError(5, "link failed")

    monkeypatch.setattr(os, "link", boom)
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="link failed"):
        save_scenario(NEW, tmp_path / "plan.yaml", overwrite=False)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_a_successful_save_replaces_the_file_whole(saved_old: Path) -> None:
    save_scenario(NEW, saved_old)
    assert load_scenario(saved_old) == NEW
    _only_target_left(saved_old.parent)


SAVER = """
import sys
sys.path.insert(0, {root!r})
from pathlib import Path
from tests.test_save_faults import NEW, OLD
from sim.scenario import save_scenario

target = Path({target!r})
count = 0
while True:
    save_scenario(NEW if count % 2 else OLD, target)
    count += 1
    if count == 2:
        print("saving", flush=True)
"""


def test_process_killed_while_saving_leaves_old_or_new(tmp_path: Path) -> None:
    """SIGKILL at varied moments of a save loop: the file always parses to OLD or NEW.

    (A plain ``write_text`` in the same loop leaves a truncated file in about 11 of 12 kills.)
    """
    target = tmp_path / "plan.yaml"
    for attempt in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-c", SAVER.format(root=str(ROOT), target=str(target))],
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline() == b"saving\n"
            time.sleep(0.003 + 0.007 * attempt)  # 3 to 80 ms into the loop, mid-save or between saves
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        loaded = sim.load_scenario(target)
        assert loaded in (OLD, NEW)
        leftovers = [p.name for p in tmp_path.iterdir() if p.name != "plan.yaml"]
        # a kill between mkstemp and rename can leave a hidden temp file; never a visible one
        assert all(name.startswith(".plan.yaml.") and name.endswith(".tmp") for name in leftovers)

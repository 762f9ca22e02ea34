"""Saving scenario files atomically, and safe file names made from user text."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import unicodedata
from pathlib import Path

from sim.scenario.files import dump_scenario
from sim.scenario.limits import MAX_FILE_NAME_STEM
from sim.scenario.messages import ScenarioError, _printable
from sim.scenario.schema import Scenario

# --------------------------------------------------------------------------- saving


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def save_scenario(scenario: Scenario, path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """Write atomically: a temp file in the same folder, flushed, then renamed over the target.

    A save that fails at any point leaves the previous file as it was (the temp file is
    removed). With ``overwrite=False`` an existing target is never replaced: the call
    raises ``FileExistsError`` instead (checked atomically where the file system allows).
    """
    target = Path(path)
    if not overwrite and target.exists():
        raise FileExistsError(errno.EEXIST, "a file with this name exists already", str(target))
    text = dump_scenario(scenario)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, mode)
        if overwrite:
            os.replace(tmp, target)
        else:
            _place_new(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_folder(target.parent)
    return target


def _place_new(tmp: str, target: Path) -> None:
    """Move ``tmp`` to ``target`` only if ``target`` does not exist (no race window where
    the file system supports hard links)."""
    try:
        os.link(tmp, target)  # fails with FileExistsError if the target appeared meanwhile
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, "a file with this name exists already", str(target)) from None
    except OSError:  # no hard links here (some network or FAT file systems): check, then rename
        if target.exists():
            raise FileExistsError(errno.EEXIST, "a file with this name exists already", str(target)) from None
        os.replace(tmp, target)
        return
    os.unlink(tmp)


# --------------------------------------------------------------------------- file names

_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {f"com{i}" for i in "0123456789¹²³"}
    | {f"lpt{i}" for i in "0123456789¹²³"}
)


def _is_reserved(name: str) -> bool:
    """Windows refuses these names whatever the extension (``nul.yaml`` is the NUL device)."""
    return name.split(".")[0].strip().rstrip(" .").lower() in _WINDOWS_RESERVED


def safe_scenario_filename(name: str) -> str:
    """A safe file name made from user text, always ending ``.yaml``.

    Letters are reduced to ASCII (accents dropped), lower-cased; every run of other
    characters (spaces, dots, slashes, backslashes, colons, control characters...) becomes
    one '-'; leading and trailing '-' and '_' are stripped, so the name never starts with a
    dot and holds no path. The stem is at most MAX_FILE_NAME_STEM characters; a blank
    result becomes 'scenario', and a Windows reserved name (CON, NUL, COM1...) gets
    '-scenario' appended. A trailing '.yaml' or '.yml' typed by the user is not doubled.

    >>> safe_scenario_filename("../../etc/passwd")
    'etc-passwd.yaml'
    >>> safe_scenario_filename("Q3 plan: 80% enrolled!")
    'q3-plan-80-enrolled.yaml'
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"\.(yaml|yml)\s*$", "", text.strip(), flags=re.IGNORECASE)
    stem = re.sub(r"[^a-z0-9_]+", "-", text.lower()).strip("-_")
    stem = stem[:MAX_FILE_NAME_STEM].strip("-_")
    if not stem:
        stem = "scenario"
    elif _is_reserved(stem):
        stem = f"{stem}-scenario"
    return stem + ".yaml"


def resolve_in_folder(folder: str | os.PathLike[str], filename: str) -> Path:
    """The path of ``filename`` inside ``folder``; refuses anything that would escape it.

    ``filename`` must be a bare file name: not empty, no '/' or '\\\\', no drive or
    absolute path, not '.' or '..', no leading dot (hidden file), no control characters,
    not a Windows reserved name. The resolved path (symbolic links followed) must lie
    directly in the resolved folder. Raises ``ScenarioError`` (a ValueError) whose
    problem starts with 'file name:'.
    """

    def refuse(why: str) -> ScenarioError:
        return ScenarioError([f"file name: {_printable(repr(filename))} {why}"])

    if not isinstance(filename, str) or not filename.strip():
        raise ScenarioError(["file name: is empty"])
    if any(ch in filename for ch in "/\\") or os.sep in filename or (os.altsep and os.altsep in filename):
        raise refuse("must not contain a path separator ('/' or '\\')")
    if not filename.isprintable() or ":" in filename:
        raise refuse("must not contain control characters or ':'")
    if filename in {".", ".."} or filename.startswith("."):
        raise refuse("must not start with a dot (hidden files and '..' are refused)")
    if _is_reserved(filename):
        raise refuse("is a reserved device name on Windows")
    if len(filename) > MAX_FILE_NAME_STEM + 10:
        raise refuse(f"is longer than {MAX_FILE_NAME_STEM + 10} characters")
    base = Path(folder).resolve()
    candidate = (base / filename).resolve()
    if candidate.parent != base:
        raise refuse("points outside the scenarios folder")
    return candidate

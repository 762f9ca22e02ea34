"""Rewrite the command-line examples in the docs with what the commands print now.

    python tools/refresh_cli_examples.py          # rewrite the examples in place
    python tools/refresh_cli_examples.py --check  # only say which examples would change

An example is a fenced block whose lines starting with ``$ python -m sim run``,
``compare`` or ``validate`` are commands, each followed by its output. Each such command
runs again in a scratch folder holding a copy of ``scenarios/`` and the tutorial's
``my_first_whatif.yaml`` (the baseline with five technicians); its output replaces the
old one. A command whose files are not there (``plan.yaml``) or that fails is left as it
is. Prose around the examples is not touched: read the diff and fix sentences that quote
a number that moved.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = (
    "README.md",
    "docs/tutorial.md",
    "docs/how-to/compare-scenarios.md",
    "docs/how-to/run-a-sweep.md",
    "docs/reference/cli.md",
    "docs/presets/case_study.md",
)
COMMAND = re.compile(r"^\$ python -m sim (run|compare|validate|sweep) ")
FENCE = re.compile(r"^```")


def _scratch() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="sim-examples-"))
    shutil.copytree(ROOT / "scenarios", folder / "scenarios")
    text = (ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8")
    text = re.sub(r"^name: .*$", 'name: "Baseline with five technicians"', text, count=1, flags=re.M)
    text = text.replace("technicians: {count: 3, hours_per_day: 6}", "technicians: {count: 5, hours_per_day: 6}")
    (folder / "my_first_whatif.yaml").write_text(text, encoding="utf-8")
    return folder


def _output(command: str, folder: Path) -> str | None:
    args = shlex.split(command[2:])
    paths = [a for a in args[3:] if a.endswith((".yaml", ".yml"))]
    if not all((folder / p).exists() for p in paths):
        return None
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, *args[1:]], cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        return None
    return done.stdout.rstrip("\n")


def refresh(text: str, folder: Path) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i, inside = 0, False
    while i < len(lines):
        line = lines[i]
        if FENCE.match(line):
            inside = not inside
            out.append(line)
            i += 1
            continue
        if inside and COMMAND.match(line):
            j = i + 1
            while j < len(lines) and not FENCE.match(lines[j]) and not lines[j].startswith("$ "):
                j += 1
            fresh = _output(line, folder)
            out.append(line)
            out.extend(lines[i + 1 : j] if fresh is None else fresh.split("\n"))
            i = j
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only say which pages would change")
    args = parser.parse_args()
    folder = _scratch()
    changed = []
    try:
        for page in PAGES:
            path = ROOT / page
            old = path.read_text(encoding="utf-8")
            new = refresh(old, folder)
            if new != old:
                changed.append(page)
                if not args.check:
                    path.write_text(new, encoding="utf-8")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for page in changed:
        print(f"{'would change' if args.check else 'rewrote'}: {page}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Layering: ``sim/`` never imports a user interface or the report; ``import sim`` and the
command line's other commands load none of plotly, Jinja2, Streamlit or Playwright; the
app's chart functions and the report load without Streamlit.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from app_helpers import ROOT

UI_LIBRARIES = ("streamlit", "plotly", "jinja2", "markupsafe", "playwright", "ui", "report")


# The one import of the report from sim/: inside the command that writes it, so nothing else loads it.
ALLOWED = {("sim/cli.py", "cmd_report", "report")}


def imports(path: Path) -> list[tuple[str | None, str]]:
    """(enclosing function or None at module level, module) for every import in a file."""
    found: list[tuple[str | None, str]] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, child.name)
                continue
            if isinstance(child, ast.Import):
                found.extend((function, alias.name) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.append((function, child.module))
            visit(child, function)

    visit(ast.parse(path.read_text(encoding="utf-8")), None)
    return found


def test_sim_imports_no_ui_library_except_the_report_command() -> None:
    offenders = [
        (str(path.relative_to(ROOT)), function, module)
        for path in sorted((ROOT / "sim").rglob("*.py"))
        for function, module in imports(path)
        if module.split(".")[0] in UI_LIBRARIES
    ]
    assert offenders == sorted(ALLOWED)


def loaded_after(code: str) -> set[str]:
    """The top-level packages a fresh interpreter has loaded after running ``code``."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


HEAVY = {"plotly", "jinja2", "streamlit", "playwright", "report", "ui"}


@pytest.mark.slow  # a fresh interpreter each
@pytest.mark.parametrize(
    "code",
    [
        "import sim, sim.effects\nfrom sim.cli import main\nmain(['validate', 'scenarios/baseline.yaml'])",
        "from sim.cli import main\nmain(['report', 'scenarios/baseline.yaml', '-o', 'x.txt'])",  # refused early
    ],
)
def test_sim_and_its_commands_load_no_ui_library(code: str) -> None:
    assert loaded_after(code) & HEAVY == set()


@pytest.mark.slow
def test_charts_and_report_load_without_streamlit() -> None:
    loaded = loaded_after("import ui.charts, report")
    assert {"plotly", "jinja2", "report"} <= loaded
    assert "streamlit" not in loaded
    assert "playwright" not in loaded  # only when a PDF is printed

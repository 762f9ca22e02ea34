"""The project's documentation pages, readable inside the app (Model & assumptions tab).

The pages are the repository's own markdown files under ``docs/`` (never anything from a
file, an upload or a link), so they are rendered as markdown. Two things are adjusted for
the page: a dollar sign is escaped outside code (Streamlit would read ``$…$`` as a formula),
and links to other documentation files are left as text, since a browser user cannot open
a path in the repository; the page picker lists those files instead.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"

# (title shown in the picker, path under docs/), the model's own description first
PAGES: tuple[tuple[str, str], ...] = (
    ("How the model works", "background/model.md"),
    ("Risk: breach rates and loss", "background/risk.md"),
    ("Technicians and their queue", "background/technicians.md"),
    ("Finding the cheapest plan (goal seek)", "background/goal-seek.md"),
    ("The KPI and its intervals", "reference/kpi.md"),
    ("Scenario file keys", "reference/scenario-keys.md"),
    ("Limits", "reference/limits.md"),
    ("Validation: checks against closed forms", "validation.md"),
    ("Using the app", "how-to/use-the-app.md"),
    ("Writing a scenario file", "how-to/write-a-scenario.md"),
    ("Tutorial", "tutorial.md"),
)

_FENCE = re.compile(r"^(```|~~~)")
_DOC_LINK = re.compile(r"\[([^\]]+)\]\((?!https?://)[^)]*\)")  # a link to a file in the repository


def for_page(markdown: str) -> str:
    """A documentation page's markdown as the app renders it: dollars escaped and links to
    repository files turned into their text, both outside fenced code blocks only."""
    out, in_code = [], False
    for line in markdown.splitlines():
        if _FENCE.match(line.strip()):
            in_code = not in_code
        elif not in_code:
            parts = line.split("`")
            for i in range(0, len(parts), 2):  # outside inline code spans
                parts[i] = _DOC_LINK.sub(r"\1", parts[i]).replace("$", r"\$")
            line = "`".join(parts)
        out.append(line)
    return "\n".join(out)


@lru_cache(maxsize=len(PAGES))
def page_text(path: str) -> str:
    """The page at ``path`` (one of ``PAGES``), ready to render."""
    known = {p: t for t, p in PAGES}
    if path not in known:
        raise KeyError(f"not a documentation page: {path!r}")
    return for_page((DOCS / path).read_text(encoding="utf-8"))

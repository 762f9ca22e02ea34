"""Nothing a file, an upload or a link says is rendered as markup: names, descriptions,
link notices and error lists show links, images, headings, emphasis and code spans as the
characters typed, so nothing from outside can look like the app's own words."""

from __future__ import annotations

from typing import Any

import pytest
from app_helpers import ROOT, make_app_test, scenarios_folder, shown  # noqa: F401

pytestmark = pytest.mark.usefixtures("scenarios_folder")

LINK = "[Sign in again](https://evil.example/login)"
IMAGE = "![](https://evil.example/track.png)"
BACKTICK = "`x` **RESULT: 99% compliant**"
PAYLOADS = (LINK, IMAGE, BACKTICK)


def _sources(at: Any) -> list[str]:
    """The markdown source of every element that renders markdown."""
    kinds = ("markdown", "caption", "warning", "error", "info", "success")
    return [e.value for kind in kinds for e in getattr(at, kind)]


def _assert_shown_as_text(at: Any, payload: str) -> None:
    sources = _sources(at)
    assert not any(payload in s for s in sources), "the payload reached markdown unescaped"
    assert any(payload in shown(s) for s in sources), "the payload is not shown at all"
    assert not any("\n#" in s for s in sources if "evil" in shown(s)), "a heading came from outside"


def _upload(at: Any, text: str, name: str = "plan.yaml") -> Any:
    return at.file_uploader(key="upload").set_value((name, text.encode(), "application/x-yaml")).run()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_scenario_name_and_description_are_text(payload: str) -> None:
    base = (ROOT / "scenarios" / "baseline.yaml").read_text()
    text = base.replace('name: "Baseline: manual patching"', f"name: {payload!r}".replace("'", '"', 2), 1)
    text = text.replace("description: >-\n", f"description: |-\n  # Heading\n  {payload}\n", 1)
    at = make_app_test().run()
    _upload(at, text)
    assert not at.exception
    _assert_shown_as_text(at, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_link_keys_and_values_are_text(payload: str) -> None:
    for query in ({"scenario": payload}, {payload: "1"}, {"technicians": payload}):
        at = make_app_test(query).run()
        assert not at.exception
        _assert_shown_as_text(at, payload)


def test_a_key_with_a_backtick_does_not_break_out_of_the_error_list() -> None:
    base = (ROOT / "scenarios" / "baseline.yaml").read_text()
    at = make_app_test().run()
    _upload(at, base + '"a` [x](https://evil.example) `b": 1\n')
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors
    assert not any("[x](https://evil.example)" in e for e in errors)
    assert any("[x](https://evil.example)" in shown(e) for e in errors)


def test_a_very_long_link_value_gives_a_short_notice() -> None:
    at = make_app_test({"scenario": "x" * 100_000 + ".yaml"}).run()
    assert not at.exception
    notices = [shown(w.value) for w in at.warning]
    assert notices
    assert max(len(n) for n in notices) < 1_000

"""Inputs built to be slow or to break a reader: a clear IssueFormatError or a document,
quickly, never another exception. Each case took from tens of seconds to hours, or
raised RecursionError/ValueError, before its fix."""

from __future__ import annotations

import contextlib
import time

import pytest

from newsletter.errors import IssueFormatError
from newsletter.parse import parse_issue

SECONDS = 5.0  # generous on a loaded 2-core machine; each case takes well under 1 s here


def issue(first_body: str, *, markdown: bool = False) -> str:
    """A two-item issue whose first item's text is `first_body`."""
    title = "# December 2023" if markdown else "December 2023"
    return (
        f"{title}\n\n1. First story\n2. Second story\n\n"
        f"First story began. {first_body}\n\nSecond story went on.\n"
    )


CASES = {
    "html nested 3000 deep": (
        "<html><head></head><body><p>December 2023</p>"
        + "<div>" * 3000
        + "<ol><li>A</li></ol>"
        + "</div>" * 3000
    ),
    "ol start is a superscript digit": (
        "<html><body><h1>December 2023</h1><ol start='²'><li>A story</li><li>B story</li></ol>"
        "<p>A story began.</p><p>B story went on.</p></body></html>"
    ),
    "ol start beyond int digits": (
        f"<html><body><h1>December 2023</h1><ol start='{'9' * 5000}'><li>A</li></ol>"
        "<p>A began.</p></body></html>"
    ),
    "a line of 200k brackets": issue("[" * 200_000, markdown=True),
    "a line of 60k emphasis marks": issue("*a " * 20_000, markdown=True),
    "20k sentences on one line": issue("Dr. Li spoke. " * 20_000),
    "4000 short paragraphs in one item": issue(
        "\n\n".join(f"Update {n} from firm number {n} today." for n in range(4000))
    ),
}


@pytest.mark.parametrize("text", list(CASES.values()), ids=list(CASES))
def test_hostile_input_is_answered_quickly_and_cleanly(text: str) -> None:
    started = time.perf_counter()
    # A clear refusal is a fine answer; any other exception fails the test.
    with contextlib.suppress(IssueFormatError):
        parse_issue(text)
    assert time.perf_counter() - started < SECONDS

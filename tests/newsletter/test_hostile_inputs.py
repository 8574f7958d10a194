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


# The issue's own list: each finishes in under a second of this process's CPU time (wall
# time on a shared machine measures the neighbours too), or is refused with one line.
CPU_SECONDS = 1.0


def _digest(count: int) -> str:
    links = "\n".join(f"- [Story number {n}](https://example.com/{n})" for n in range(count))
    return f"# Weekly — 2024-07-17\n\nIntro.\n\n## Links\n\n{links}\n"


def _numbered(count: int) -> str:
    titles = "\n".join(f"{n}. Title of story {n} about topic {n}" for n in range(1, count + 1))
    texts = "\n".join(f"Story {n} about topic {n} happened today." for n in range(1, count + 1))
    return f"December 2023\n{titles}\n{texts}\n"


HOSTILE = {
    "markdown lists nested 3000 deep": "- " * 3000 + "x",
    "markdown quotes nested 3000 deep": "> " * 3000 + "x",
    "markdown numbered lists nested 3000 deep": "1. " * 3000 + "x",
    "html blocks in markdown nested 3000 deep": "# December 2023\n\n"
    + "<div>" * 3000
    + "x"
    + "</div>" * 3000,
    "html nested 3000 deep": "<!doctype html><html><body>" + "<div>" * 3000 + "x",
    "2 MB single line of text": "December 2023 " + "word " * 399_000,
    "2 MB single line of markdown links": "# December 2023\n\n" + "[a](b) " * 280_000,
    "2 MB single line of html": "<html><body><p>" + "word " * 399_000 + "</p></body></html>",
    "1 MB of emphasis marks on one line": "# Weekly 2024-07-17\n\n" + "*a " * 330_000,
    "a million short lines": "x\n" * 1_000_000,
    "150 numbered items": _numbered(150),
    "150 linked bullets": _digest(150),
}


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_input_finishes_in_a_second_or_is_refused_in_one_line(text: str) -> None:
    started = time.process_time()
    try:
        parse_issue(text)
    except IssueFormatError as exc:
        assert "\n" not in str(exc) and 0 < len(str(exc)) <= 200
    assert time.process_time() - started < CPU_SECONDS


def test_150_items_are_all_read() -> None:
    assert len(parse_issue(_digest(150)).items) == 150
    numbered = parse_issue(_numbered(150))
    assert [item.number for item in numbered.items] == list(range(1, 151))
    assert numbered.items[149].title == "Title of story 150 about topic 150"


def test_mixed_encodings_are_read_line_by_line_with_a_warning() -> None:
    data = (
        "December 2023\n1. Café owners in Beijing\n2. Tea in Yunnan\n".encode()
        + "Café owners in Beijing raised prices.\n".encode("cp1252")
        + "Tea growers in Yunnan had a good year – finally.\n".encode()
    )
    started = time.process_time()
    doc = parse_issue(data)
    assert time.process_time() - started < CPU_SECONDS
    assert doc.items[0].title == "Café owners in Beijing"
    assert doc.items[0].body == "Café owners in Beijing raised prices."
    assert doc.items[1].body == "Tea growers in Yunnan had a good year – finally."
    assert doc.warnings[0] == "mixed encodings: 1 line(s) read as Windows-1252, not UTF-8"


def test_a_gb18030_chinese_issue_is_decoded() -> None:
    text = "# 科技周刊 2021年10月\n\n本期介绍。\n\n## 新闻\n\n" + "\n".join(
        f"- [新闻标题第{n}条](https://example.com/{n})" for n in range(1, 6)
    )
    doc = parse_issue(text.encode("gb18030"))
    assert doc.month == "2021-10"
    assert doc.items[0].title == "新闻标题第1条"

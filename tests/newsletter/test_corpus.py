"""Real issues from public repositories against their hand-written ground truth
(tests/data/corpus, see SOURCES.md)."""

from __future__ import annotations

import pytest

from newsletter import IssueDocument, IssueFormatError, parse_issue, split_sentences
from tests.newsletter.corpus import CorpusIssue, corpus_issues

ISSUES = corpus_issues()
IDS = [issue.name for issue in ISSUES]


def parse(issue: CorpusIssue) -> IssueDocument:
    return parse_issue(
        issue.path.read_bytes(), filename=issue.path.name, month=issue.truth["month_given"]
    )


def test_the_corpus_covers_layouts_languages_and_formats() -> None:
    assert len(ISSUES) >= 8
    assert len({issue.truth["layout"] for issue in ISSUES}) >= 3
    assert {issue.truth["language"][:2] for issue in ISSUES} >= {"en", "zh"}
    assert {issue.path.suffix for issue in ISSUES} >= {".md", ".html"}


@pytest.mark.parametrize("issue", ISSUES, ids=IDS)
def test_every_issue_is_parsed_with_its_month(issue: CorpusIssue) -> None:
    assert parse(issue).month == issue.truth["month"]


@pytest.mark.parametrize("issue", ISSUES, ids=IDS)
def test_item_titles_links_and_sections_are_exact(issue: CorpusIssue) -> None:
    found = [
        {"section": item.section, "title": item.title, "url": item.url}
        for item in parse(issue).items
    ]
    assert found == issue.truth["items"]


@pytest.mark.parametrize("issue", ISSUES, ids=IDS)
def test_no_invented_takes(issue: CorpusIssue) -> None:
    takes = {str(item.number): item.take for item in parse(issue).items if item.take}
    assert takes == issue.truth["takes"]


@pytest.mark.parametrize("issue", ISSUES, ids=IDS)
def test_no_noise_in_items_or_extras(issue: CorpusIssue) -> None:
    doc = parse(issue)
    texts = [f"{i.title}\n{i.body}\n{i.summary}" for i in doc.items]
    texts += [f"{e.heading}\n{e.body}" for e in doc.extras]
    for noise in issue.truth["noise"]:
        assert not [text for text in texts if noise in text], noise


@pytest.mark.parametrize("issue", ISSUES, ids=IDS)
def test_items_have_text_and_a_summary_from_it(issue: CorpusIssue) -> None:
    for item in parse(issue).items:
        assert item.body.strip(), item.number
        assert is_extract(item.summary, item.body), (item.number, item.summary)


def is_extract(summary: str, body: str) -> bool:
    """The summary is whole sentences of the body, in their order (or the cut first one)."""
    if summary.endswith("…"):
        return summary[:-1] in body
    rest = summary
    for sentence in split_sentences(body):
        if rest.startswith(sentence):
            rest = rest[len(sentence) :].lstrip(" ")
    return bool(summary) and rest == ""


@pytest.mark.parametrize(
    "issue", [i for i in ISSUES if "nested_lists" in i.truth], ids=lambda i: i.name
)
def test_nested_lists_stay_in_their_items_body(issue: CorpusIssue) -> None:
    doc = parse(issue)
    for number, line in issue.truth["nested_lists"].items():
        assert line in doc.items[int(number) - 1].body


@pytest.mark.parametrize(
    "issue", [i for i in ISSUES if i.truth["month_given"]], ids=lambda i: i.name
)
def test_an_issue_without_a_date_is_refused_naming_what_was_found(issue: CorpusIssue) -> None:
    with pytest.raises(IssueFormatError) as caught:
        parse_issue(issue.path.read_bytes(), filename=issue.path.name)
    assert str(caught.value) == issue.truth["refused_without_month"]


def test_the_layout_is_said() -> None:
    layouts = {issue.path.name: parse(issue).layout for issue in ISSUES}
    assert layouts["osm-202002.md"] == "13 entries numbered '1、' in 3 sections"
    assert layouts["2024-07-17-this-week-in-rust.md"] == "116 linked bullets in 10 sections"
    assert layouts["this-month-2023-01.md"] == (
        "6 linked bullets and 6 stories under their own headings in 4 sections"
    )

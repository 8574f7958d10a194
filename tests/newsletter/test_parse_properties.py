"""Properties that hold for any input, checked with Hypothesis."""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsletter import IssueDocument, IssueFormatError, parse_issue, split_sentences, summarize
from newsletter.render import split_text

PROSE_WORDS = st.sampled_from(
    [
        "China",
        "Beijing",
        "exports",
        "rose",
        "fell",
        "Dr.",
        "U.S.",
        "No.",
        "1",
        "79.02",
        "US$4.2",
        "e.g.",
        "the",
        "a",
        "of",
        "and",
        "I",
        "my",
        "we",
        "factories",
        "Xiaomi",
        "“quoted”",
        "it’s",
        "…",
        "said.",
        "grew!",
        "why?",
    ]
)
PROSE = st.lists(PROSE_WORDS, min_size=1, max_size=60).map(" ".join)
PARAGRAPHS = st.lists(PROSE, min_size=1, max_size=8).map("\n\n".join)


def issue_text(draw: st.DrawFn) -> str:
    n_items = draw(st.integers(1, 8))
    titles = [draw(PROSE) for _ in range(n_items)]
    bodies = [draw(PARAGRAPHS) for _ in range(n_items)]
    lines = [draw(st.sampled_from(["December 2023", "MAY 2024", "Issue – June 2021"]))]
    lines.append(draw(PARAGRAPHS))
    lines += [f"{n}. {t}" for n, t in enumerate(titles, start=1)]
    lines += bodies
    if draw(st.booleans()):
        lines.append(draw(PARAGRAPHS))
    return "\n".join(lines)


ISSUES = st.composite(issue_text)()


def summary_sentences_come_from(summary: str, body: str) -> bool:
    """The summary is body sentences in their original order joined by spaces, or (the
    documented fallback) a prefix of one body sentence cut at a word boundary plus '…'."""
    sentences = split_sentences(body)
    if not summary:
        return True  # allowed only when not even one word fits; see the limit tests

    def matches(rest: str, start: int) -> bool:
        if not rest:
            return True
        for i in range(start, len(sentences)):
            s = sentences[i]
            if rest == s or (rest.startswith(s + " ") and matches(rest[len(s) + 1 :], i + 1)):
                return True
        return False

    if matches(summary, 0):
        return True
    prefix = summary.removesuffix("…")
    return summary.endswith("…") and any(
        s.startswith(prefix) and (len(s) == len(prefix) or not s[len(prefix)].isalnum())
        for s in sentences
    )


def check_document(doc: IssueDocument) -> None:
    assert re.fullmatch(r"\d{4}-\d{2}", doc.month)
    assert doc.items
    for item in doc.items:
        assert len(item.summary) <= 400
        assert summary_sentences_come_from(item.summary, item.body), item
    if doc.editorial:
        assert len(doc.editorial.summary) <= 400


def parse_or_refuse(data: bytes | str, fmt: str | None = None) -> None:
    """parse_issue either returns a sound document or raises IssueFormatError, nothing else."""
    try:
        doc = parse_issue(data, fmt=fmt)  # type: ignore[arg-type]
    except IssueFormatError as error:
        assert str(error)
    else:
        check_document(doc)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_any_text_gives_a_document_or_a_format_error(text: str) -> None:
    parse_or_refuse(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes_give_a_document_or_a_format_error(data: bytes) -> None:
    parse_or_refuse(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ISSUES, st.sampled_from(["text", "markdown", "html", None]))
def test_generated_issues_parse_with_honest_summaries(text: str, fmt: str | None) -> None:
    parse_or_refuse(text, fmt)


@settings(max_examples=300, deadline=None)
@given(PARAGRAPHS, st.integers(min_value=1, max_value=400))
def test_summary_is_short_and_made_of_the_texts_sentences(text: str, limit: int) -> None:
    summary, take = summarize(text, limit)
    assert len(summary) <= limit
    assert summary_sentences_come_from(summary, text)
    if take is not None:
        assert summary_sentences_come_from(take, text)


WORDS = st.text(alphabet=st.characters(blacklist_categories=["Z", "C"]), min_size=1, max_size=12)
SPLITTABLE = st.lists(
    st.tuples(WORDS, st.sampled_from([" ", " ", "\n", "\n\n", ". ", "! "])), max_size=200
).map(lambda pairs: "".join(w + sep for w, sep in pairs))


@settings(max_examples=300, deadline=None)
@given(SPLITTABLE, st.integers(min_value=14, max_value=500))
def test_split_text_keeps_words_whole_and_parts_small(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(0 < len(part) <= limit for part in parts)
    assert " ".join(parts).split() == text.split()

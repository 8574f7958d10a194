"""Counting lookups in memory: query normalization and the bound on pending searches."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from masthead import lookup_counts
from masthead.lookup_counts import MAX_QUERY_CHARS, LookupCounts, normalize_query

NOON = datetime(2024, 1, 5, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("DRAM Prices", "dram prices"),
        ("  dram\t\tprices\n", "dram prices"),
        ("ＤＲＡＭ\u3000ｐｒｉｃｅｓ", "dram prices"),  # full width letters and space
        ("Straße", "strasse"),
        ("dram\u00a0prices", "dram prices"),  # no-break space
        ("dr\u200bam", "dram"),  # a zero-width space cannot split a word
        ("👩\u200d💻 jobs", "👩\u200d💻 jobs"),  # the joiner of an emoji stays
        ("a\x00b\x07c", "a b c"),
        ("\ud800", ""),
        ("\u200b \t\u200e", ""),
        ("x" * 500, "x" * MAX_QUERY_CHARS),
        ("a" * (MAX_QUERY_CHARS - 1) + " b", "a" * (MAX_QUERY_CHARS - 1)),
    ],
)
def test_queries_are_normalized(typed: str, stored: str) -> None:
    assert normalize_query(typed) == stored


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_normalizing_is_idempotent_and_leaves_no_control_or_stray_space(typed: str) -> None:
    once = normalize_query(typed)
    assert normalize_query(once) == once
    assert len(once) <= MAX_QUERY_CHARS
    assert once == once.strip() and "  " not in once
    assert not any(unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") for c in once)
    once.encode("utf-8")  # what PostgreSQL will be sent


def test_a_flood_of_distinct_queries_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lookup_counts, "MAX_PENDING_SEARCHES", 3)
    counter = LookupCounts(None, "News", clock=lambda: NOON)  # type: ignore[arg-type]
    for n in range(10):
        counter.search_missed(f"q{n}")
    counter.search_missed("Q0")  # already pending: still counted
    pending = counter._batch.missed_searches
    hour = NOON.replace(minute=0)
    assert dict(pending) == {(hour, "q0"): 2, (hour, "q1"): 1, (hour, "q2"): 1}
    assert counter.dropped_searches == 7
    assert counter._wakeup.is_set()  # the write is brought forward

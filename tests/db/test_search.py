"""Full-text search over items, on every backend."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import issues
from db.repositories.search import search_items
from tests.db.search_helpers import NEWSLETTER, open_query_runner, publish_items

Sessions = async_sessionmaker[AsyncSession]

ITEMS = [
    (
        "Memory chip maker CXMT makes strides in DRAM technology",
        "The company presented a paper on transistor design. Samsung is trying the same.",
    ),
    (
        "Xiaomi takes on Tesla with its first electric car",
        "The SU7 took 3,400 engineers to develop. It mentions DRAM only in passing.",
    ),
    (
        "Hydrogen therapy could reverse ageing",
        "Researchers built a scaffold releasing hydrogen. 中国芯片 产业 is not the topic here.",
    ),
]


async def _search(sessionmaker: Sessions, query: str, month: str | None = None) -> list[str]:
    async with open_query_runner(sessionmaker) as queries:
        hits = await search_items(queries, query, newsletter=NEWSLETTER, month=month)
    return [f"{h.month}#{h.number}" for h in hits]


async def test_title_match_ranks_above_body_match(sessionmaker: Sessions) -> None:
    await publish_items(sessionmaker, "2023-12", ITEMS)
    assert await _search(sessionmaker, "DRAM") == ["2023-12#1", "2023-12#2"]


async def test_snippet_marks_the_matched_words(sessionmaker: Sessions) -> None:
    await publish_items(sessionmaker, "2023-12", ITEMS)
    async with open_query_runner(sessionmaker) as queries:
        hits = await search_items(queries, "scaffold", newsletter=NEWSLETTER)
    assert len(hits) == 1 and "**scaffold**" in hits[0].snippet


async def test_stemmed_words_match(sessionmaker: Sessions) -> None:
    await publish_items(sessionmaker, "2023-12", ITEMS)
    assert await _search(sessionmaker, "engineer") == ["2023-12#2"]


async def test_all_words_preferred_then_any_word(sessionmaker: Sessions) -> None:
    await publish_items(sessionmaker, "2023-12", ITEMS)
    assert await _search(sessionmaker, "Tesla electric") == ["2023-12#2"]
    assert set(await _search(sessionmaker, "Tesla hydrogen")) == {"2023-12#2", "2023-12#3"}


async def test_search_is_limited_to_one_issue_when_asked(sessionmaker: Sessions) -> None:
    await publish_items(sessionmaker, "2023-12", ITEMS)
    await publish_items(sessionmaker, "2024-01", [("DRAM prices rise", "Memory is dearer.")])
    assert await _search(sessionmaker, "DRAM", month="2024-01") == ["2024-01#1"]
    assert len(await _search(sessionmaker, "DRAM")) == 3


async def test_drafts_are_not_searched(sessionmaker: Sessions) -> None:
    data = issues.IssueData(
        newsletter=NEWSLETTER,
        month="2024-02",
        title="draft",
        document_json="{}",
        content_hash="d",
        items=[issues.ItemData(1, "Secret DRAM plans", "Unpublished.", "Unpublished.", None, None)],
    )
    async with sessionmaker.begin() as session:
        await issues.store_issue(session, data)
    assert await _search(sessionmaker, "DRAM") == []


async def test_chinese_characters_match_as_substrings(sessionmaker: Sessions) -> None:
    await publish_items(sessionmaker, "2023-12", ITEMS)
    assert await _search(sessionmaker, "芯片") == ["2023-12#3"]


@pytest.mark.parametrize(
    "query",
    [
        '"DRAM',
        "DRAM AND OR NOT",
        "NEAR(DRAM chip)",
        "title:DRAM",
        "DRAM*",
        "-DRAM",
        "'; DROP TABLE items; --",
        "DRAM 🚀🚀",
        "(DRAM) | !chip & <->",
        "%_\\",
        "\x00DRAM",
    ],
)
async def test_any_query_text_is_safe(sessionmaker: Sessions, query: str) -> None:
    await publish_items(sessionmaker, "2023-12", ITEMS)
    hits = await _search(sessionmaker, query)
    if "DRAM" in query:
        assert "2023-12#1" in hits


async def test_query_without_words_finds_nothing(sessionmaker: Sessions) -> None:
    await publish_items(sessionmaker, "2023-12", ITEMS)
    assert await _search(sessionmaker, "?!… 🚀") == []


async def test_replaced_text_is_found_and_the_old_text_is_not(sessionmaker: Sessions) -> None:
    # The index follows the text: FTS5 triggers on SQLite, a generated column on PostgreSQL.
    await publish_items(sessionmaker, "2023-12", ITEMS)
    await publish_items(sessionmaker, "2023-12", [("Graphene batteries", "Charge in minutes.")])
    assert await _search(sessionmaker, "graphene") == ["2023-12#1"]
    assert await _search(sessionmaker, "DRAM") == []

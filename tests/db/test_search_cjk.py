"""Chinese, Japanese and Korean terms match as substrings on every backend; on SQLite the
bigram index (`items_cjk`) narrows the items read and must never lose a match."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.repositories.search import cjk_bigrams, search_items
from tests.db.search_helpers import NEWSLETTER, open_query_runner, publish_items

Sessions = async_sessionmaker[AsyncSession]

ITEMS = [
    ("中国芯片产业报告", "Chips."),
    ("Cars", "报道：电动汽车。中国。芯片 and コーヒー"),
    ("Nothing", "No CJK text at all."),
    ("Dots", "ア・イ"),
]


async def _search(sessionmaker: Sessions, query: str) -> list[str]:
    async with open_query_runner(sessionmaker) as queries:
        hits = await search_items(queries, query, newsletter=NEWSLETTER)
    return [f"{h.month}#{h.number}" for h in hits]


def test_runs_become_bigrams_then_their_last_character() -> None:
    assert cjk_bigrams("中国芯片", "Tesla 芯 and 电动车") == "中国 国芯 芯片 片 芯 电动 动车 车"
    assert cjk_bigrams("no CJK here") == ""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("芯片产业", ["2023-12#1"]),  # inside a title run
        ("芯片", ["2023-12#1", "2023-12#2"]),
        ("业", ["2023-12#1"]),  # a run's last character
        ("汽", ["2023-12#2"]),  # a single character inside a run
        ("コーヒー", ["2023-12#2"]),
        ("国芯", ["2023-12#1"]),  # item 2 has 中国 and 芯片, but in separate runs
        ("量子纠缠", []),
        ("・", ["2023-12#4"]),  # punctuation the tokenizer drops: read the bodies
        ("量子 电动", ["2023-12#2"]),  # any of several terms
    ],
)
async def test_cjk_terms_match_as_substrings(
    sessionmaker: Sessions, query: str, expected: list[str]
) -> None:
    await publish_items(sessionmaker, "2023-12", ITEMS)
    assert await _search(sessionmaker, query) == expected


async def test_replaced_and_deleted_items_are_searched_as_they_now_read(
    sessionmaker: Sessions,
) -> None:
    await publish_items(sessionmaker, "2023-12", ITEMS)
    await publish_items(sessionmaker, "2023-12", [("Cars", "人工智能"), ("Chips", "No CJK.")])
    assert await _search(sessionmaker, "芯片") == []
    assert await _search(sessionmaker, "智能") == ["2023-12#1"]
    assert await _search(sessionmaker, "・") == []


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """Only SQLite has the bigram index: these tests need no other backend."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'cjk.db'}")
    yield engine
    await engine.dispose()


async def test_index_holds_a_row_per_item_with_cjk(sqlite_engine: AsyncEngine) -> None:
    await migrate.upgrade(sqlite_engine)
    sessionmaker = create_sessionmaker(sqlite_engine)
    await publish_items(sessionmaker, "2023-12", ITEMS)
    await publish_items(sessionmaker, "2023-12", ITEMS[:2])  # items 3 and 4 deleted
    async with sessionmaker() as session:
        rows = (await session.execute(text("SELECT rowid, bigrams FROM items_cjk"))).all()
        ids = (await session.execute(text("SELECT id FROM items ORDER BY number"))).scalars()
        assert sorted(r.rowid for r in rows) == list(ids)


async def test_migration_indexes_items_stored_before_it(sqlite_engine: AsyncEngine) -> None:
    await migrate.upgrade(sqlite_engine, "0002")
    sessionmaker = create_sessionmaker(sqlite_engine)
    async with sessionmaker.begin() as session:
        await session.execute(
            text(
                "INSERT INTO issues (id, newsletter, month, title, document, content_hash,"
                " status, imported_at) VALUES (1, :newsletter, '2023-12', 't', '{}', 'h',"
                " 'published', '2024-01-01 00:00:00.000000')"
            ),
            {"newsletter": NEWSLETTER},
        )
        await session.execute(
            text(
                "INSERT INTO items (issue_id, number, title, body, summary)"
                " VALUES (1, 1, 'Old', '电动汽车', 's')"
            )
        )
    await migrate.upgrade(sqlite_engine)
    assert await _search(sessionmaker, "汽车") == ["2023-12#1"]

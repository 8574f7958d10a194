"""Readers: the SQLite one sees every commit, never writes, and answers exactly what a
session would; the bot gets the cheapest query runner its database allows."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.query_runner import (
    PostgresQueryRunner,
    Row,
    SessionQueryRunner,
    SqliteQueryRunner,
    open_query_runner,
)
from db.repositories.search import search_items
from tests.backends import PG_URL, reset_postgres
from tests.db.search_helpers import NEWSLETTER, publish_items

Sessions = async_sessionmaker[AsyncSession]
COUNT_PUBLISHED = "SELECT count(*) AS n FROM issues WHERE status = 'published'"


async def _publish(sessionmaker: Sessions, month: str, titles: list[str]) -> None:
    items = [(title, f"{title}. 中国芯片 and more.") for title in titles]
    await publish_items(sessionmaker, month, items)


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'queries.db'}")
    await migrate.upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def sqlite_reader(sqlite_engine: AsyncEngine) -> AsyncIterator[SqliteQueryRunner]:
    queries = open_query_runner(create_sessionmaker(sqlite_engine))
    assert isinstance(queries, SqliteQueryRunner)
    yield queries
    await queries.close()


async def test_sees_what_was_committed_after_its_last_read(
    sqlite_engine: AsyncEngine, sqlite_reader: SqliteQueryRunner
) -> None:
    sessionmaker = create_sessionmaker(sqlite_engine)
    assert await sqlite_reader.rows(COUNT_PUBLISHED, {}) == [{"n": 0}]
    await _publish(sessionmaker, "2023-12", ["DRAM chips"])
    assert await sqlite_reader.rows(COUNT_PUBLISHED, {}) == [{"n": 1}]
    hits = await search_items(sqlite_reader, "DRAM", newsletter=NEWSLETTER)
    assert [h.title for h in hits] == ["DRAM chips"]


async def test_refuses_to_write(sqlite_reader: SqliteQueryRunner) -> None:
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await sqlite_reader.rows("DELETE FROM issues", {})


@pytest.mark.parametrize(
    ("query", "finds"),
    [
        ("DRAM", True),
        ("chips plant", True),
        ('"DRAM" OR NOT', True),
        ("芯片", True),
        ("中国芯片 DRAM", True),
        ("plant", True),
        ("Ξ 🚀", False),
    ],
)
async def test_answers_what_a_session_answers(
    sqlite_engine: AsyncEngine, query: str, finds: bool
) -> None:
    sessionmaker = create_sessionmaker(sqlite_engine)
    await _publish(sessionmaker, "2023-11", ["Chip plant opens", "DRAM prices"])
    await _publish(sessionmaker, "2023-12", ["DRAM chips", "A plant for chips", "Rain"])
    direct, session = (
        SqliteQueryRunner(str(sqlite_engine.url.database)),
        SessionQueryRunner(sessionmaker),
    )
    try:
        mine = await search_items(direct, query, newsletter=NEWSLETTER)
        theirs = await search_items(session, query, newsletter=NEWSLETTER)
    finally:
        await direct.close()
    assert mine == theirs
    assert bool(mine) is finds


async def test_closing_twice_is_harmless(sqlite_reader: SqliteQueryRunner) -> None:
    await sqlite_reader.rows(COUNT_PUBLISHED, {})
    await sqlite_reader.close()
    await sqlite_reader.close()


async def test_an_in_memory_database_is_read_through_the_pool() -> None:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    try:
        queries = open_query_runner(create_sessionmaker(engine))
        assert isinstance(queries, SessionQueryRunner)
        assert await queries.rows("SELECT 1 AS one", {}) == [{"one": 1}]
    finally:
        await engine.dispose()


async def test_the_bot_reads_through_the_cheapest_reader(
    backend: str, sessionmaker: Sessions
) -> None:
    queries = open_query_runner(sessionmaker)
    try:
        expected = SqliteQueryRunner if backend == "sqlite" else PostgresQueryRunner
        assert type(queries) is expected
        await _publish(sessionmaker, "2023-12", ["DRAM chips"])
        assert await queries.rows(COUNT_PUBLISHED, {}) == [{"n": 1}]
    finally:
        await queries.close()


COUNT_TO = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < :n)"
COUNT_TO += " SELECT count(*) AS n FROM c"


async def _longest_stall(
    queries: SqliteQueryRunner, sql: str, params: dict[str, object]
) -> tuple[list[Row], float, float]:
    """(rows, seconds the read took, the longest the event loop went unserved meanwhile)."""
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    try:
        rows = await queries.rows(sql, params)
    finally:
        took = time.perf_counter() - started
        ticking.cancel()
    return rows, took, max(gaps)


async def test_a_fast_read_runs_in_place(sqlite_reader: SqliteQueryRunner) -> None:
    assert await sqlite_reader.rows(COUNT_TO, {"n": 100}) == [{"n": 100}]
    assert sqlite_reader.moved == 0


async def test_a_slow_read_moves_to_the_thread_and_the_loop_goes_on(
    sqlite_engine: AsyncEngine,
) -> None:
    queries = SqliteQueryRunner(str(sqlite_engine.url.database), inline_budget=0.005)
    try:
        rows, took, stall = await _longest_stall(queries, COUNT_TO, {"n": 3_000_000})
    finally:
        await queries.close()
    assert rows == [{"n": 3_000_000}]
    assert queries.moved == 1
    assert took > 0.2  # long enough that running it in place would show
    assert stall < 0.1


async def test_a_locked_database_is_waited_for_on_the_thread(sqlite_engine: AsyncEngine) -> None:
    path = str(sqlite_engine.url.database)
    queries = SqliteQueryRunner(path)
    # An exclusive-mode writer keeps every other connection out until it lets go; it can
    # take the lock only while no other connection is open (WAL mode).
    await sqlite_engine.dispose()
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("PRAGMA locking_mode=EXCLUSIVE")
    locker.execute("BEGIN EXCLUSIVE")
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, locker.close)
    try:
        rows, took, stall = await _longest_stall(queries, COUNT_PUBLISHED, {})
    finally:
        locker.close()
        await queries.close()
    assert rows == [{"n": 0}]
    assert queries.moved == 1
    assert took > 0.2 and stall < 0.1


@pytest.mark.postgresql
async def test_postgres_reads_go_on_after_the_server_drops_every_connection() -> None:
    assert PG_URL is not None
    await reset_postgres(PG_URL)
    engine = create_engine(PG_URL)
    await migrate.upgrade(engine)
    queries = open_query_runner(create_sessionmaker(engine))
    try:
        assert await queries.rows(COUNT_PUBLISHED, {}) == [{"n": 0}]
        async with engine.connect() as admin:
            killed = await admin.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            assert killed.scalar_one() >= 1  # the reader's own connection among them
        assert await queries.rows(COUNT_PUBLISHED, {}) == [{"n": 0}]
    finally:
        await queries.close()
        await engine.dispose()

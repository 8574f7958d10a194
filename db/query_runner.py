"""Read-only SQL for the reader commands' hot queries (search), rows back as dicts.

A query through an AsyncSession on SQLite costs about 0.5 ms before SQLite does any
work: aiosqlite runs every DBAPI call on the connection's thread, and SQLAlchemy makes
five of them per statement (cursor, execute, fetch, close, and the rollback when the
connection goes back to the pool), each a round trip between the event loop and that
thread. `SqliteQueryRunner` makes none for a fast statement and one for a slow one. On
PostgreSQL (natively async) a session costs round trips to the server instead, which
`PostgresQueryRunner` mostly avoids.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from db.engine import CONNECT_TIMEOUT_SECONDS, SQLITE_BUSY_TIMEOUT_MS, sqlite_file

log = logging.getLogger(__name__)

Row = dict[str, Any]
INLINE_BUDGET_SECONDS = 0.0005  # the longest a read may hold the event loop
_STEPS_PER_BUDGET_CHECK = 1000  # SQLite VM steps: tens of microseconds
_MOVE_TO_THREAD = {"SQLITE_INTERRUPT", "SQLITE_BUSY", "SQLITE_LOCKED"}
READ_POOL_SIZE = 4  # PostgreSQL connections for reads, beside the engine's own pool


class QueryRunner(Protocol):
    @property
    def dialect(self) -> str: ...

    async def rows(self, sql: str, params: Mapping[str, object]) -> list[Row]:
        """Run one read-only statement with `:name` parameters."""
        ...

    async def close(self) -> None: ...


class SessionQueryRunner:
    """Any backend: each statement in a short session of its own."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker
        bind = sessionmaker.kw["bind"]
        self._dialect: str = bind.dialect.name

    @property
    def dialect(self) -> str:
        return self._dialect

    async def rows(self, sql: str, params: Mapping[str, object]) -> list[Row]:
        async with self.sessionmaker() as session:
            result = await session.execute(_statement(sql, params), dict(params))
            return [dict(row) for row in result.mappings()]

    async def close(self) -> None:
        """Nothing of its own to close: the engine's pool is the owner's."""


class PostgresQueryRunner:
    """PostgreSQL: a small pool of its own, in autocommit mode, with no ping before use.

    Through a session a read is four round trips to the server: the pool's liveness ping,
    BEGIN, the statement and ROLLBACK (0.76 ms for `SELECT 1` here). Autocommit needs no
    BEGIN or ROLLBACK, and instead of pinging every time, a statement that finds its
    connection dead (the server restarted, say) is run once more on a fresh one: 0.24 ms.
    """

    dialect = "postgresql"

    def __init__(self, url: URL) -> None:
        self._engine = create_async_engine(
            url,
            isolation_level="AUTOCOMMIT",
            pool_size=READ_POOL_SIZE,
            max_overflow=0,
            connect_args={"timeout": CONNECT_TIMEOUT_SECONDS},
        )

    async def rows(self, sql: str, params: Mapping[str, object]) -> list[Row]:
        statement, values = _statement(sql, params), dict(params)
        try:
            return await self._rows(statement, values)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            log.info("a read connection was dead (%s); reading on a fresh one", exc.orig)
            return await self._rows(statement, values)

    async def close(self) -> None:
        await self._engine.dispose()

    async def _rows(self, statement: TextClause, values: dict[str, object]) -> list[Row]:
        async with self._engine.connect() as connection:
            result = await connection.execute(statement, values)
            return [dict(row) for row in result.mappings()]


def _statement(sql: str, params: Mapping[str, object]) -> TextClause:
    # Explicit bind parameters: asyncpg wants to know that `:month` may be NULL.
    return text(sql).bindparams(*(bindparam(name) for name in params))


class SqliteQueryRunner:
    """SQLite: connections of its own that only read; most statements run in place.

    A statement first runs on the event loop's thread under a time budget. Search takes
    ~0.05 ms on a small archive and a few ms on 100,000 items, while handing a statement
    to a thread costs about as much again in wake-ups, plus the GIL passed back and forth
    while the loop is busy (a third of the throughput in bench_commands). A statement
    that outruns the budget, or finds the database busy, is interrupted and run again on
    the reader's own thread, where it may take as long as it needs: the loop never stalls
    for longer than the budget. Statements run in autocommit mode, so each sees all that
    was committed before it started, by this process or any other.
    """

    dialect = "sqlite"

    def __init__(self, path: str, *, inline_budget: float = INLINE_BUDGET_SECONDS) -> None:
        self.path = path
        self.inline_budget = inline_budget
        self.moved = 0  # statements that had to go to the thread
        self._inline: sqlite3.Connection | None = None
        self._deadline = 0.0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-queries")
        self._threaded: sqlite3.Connection | None = None  # opened and used on that thread
        self._closed = False

    async def rows(self, sql: str, params: Mapping[str, object]) -> list[Row]:
        params = dict(params)
        try:
            return self._rows_inline(sql, params)
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorname not in _MOVE_TO_THREAD:
                raise
            log.debug("read moved to the runner's thread (%s)", exc.sqlite_errorname)
        self.moved += 1
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._rows_threaded, sql, params)

    async def close(self) -> None:
        """Close both connections and end the thread; closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        if self._inline is not None:
            self._inline.close()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._close_threaded)
        self._executor.shutdown(wait=False)

    def _rows_inline(self, sql: str, params: dict[str, object]) -> list[Row]:
        if self._inline is None:
            # No busy wait here: a locked database goes to the thread instead.
            self._inline = _connect(self.path, busy_timeout=0.0)
            self._inline.set_progress_handler(self._over_budget, _STEPS_PER_BUDGET_CHECK)
        self._deadline = time.perf_counter() + self.inline_budget
        return _fetch(self._inline, sql, params)

    def _over_budget(self) -> bool:
        return time.perf_counter() > self._deadline  # true interrupts the statement

    def _rows_threaded(self, sql: str, params: dict[str, object]) -> list[Row]:
        if self._threaded is None:
            self._threaded = _connect(self.path, busy_timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        return _fetch(self._threaded, sql, params)

    def _close_threaded(self) -> None:
        if self._threaded is not None:
            self._threaded.close()


def _connect(path: str, *, busy_timeout: float) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
    connection.execute("PRAGMA query_only=ON")
    return connection


def _fetch(connection: sqlite3.Connection, sql: str, params: dict[str, object]) -> list[Row]:
    cursor = connection.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def open_query_runner(sessionmaker: async_sessionmaker[AsyncSession]) -> QueryRunner:
    """The cheapest runner for the sessionmaker's database."""
    url = sessionmaker.kw["bind"].url
    database = sqlite_file(url)
    if database is not None:
        return SqliteQueryRunner(database)
    if url.get_backend_name() == "postgresql":
        return PostgresQueryRunner(url)
    # An in-memory database exists only inside its own connections: go through the pool.
    return SessionQueryRunner(sessionmaker)

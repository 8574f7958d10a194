"""Read-only SQL for the reader commands' hot queries (search), rows back as dicts.

A query through an AsyncSession on SQLite costs about 0.5 ms before SQLite does any
work: aiosqlite runs every DBAPI call on the connection's thread, and SQLAlchemy makes
five of them per statement (cursor, execute, fetch, close, and the rollback when the
connection goes back to the pool), each a round trip between the event loop and that
thread. `SqliteReader` makes one. PostgreSQL's driver is natively async, so there a
short session per query (`SessionReader`) is already cheap.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import SQLITE_BUSY_TIMEOUT_MS

Row = dict[str, Any]


class Reader(Protocol):
    @property
    def dialect(self) -> str: ...

    async def rows(self, sql: str, params: Mapping[str, object]) -> list[Row]:
        """Run one read-only statement with `:name` parameters."""
        ...

    async def close(self) -> None: ...


class SessionReader:
    """Any backend: each statement in a short session of its own."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker
        bind = sessionmaker.kw["bind"]
        self._dialect: str = bind.dialect.name

    @property
    def dialect(self) -> str:
        return self._dialect

    async def rows(self, sql: str, params: Mapping[str, object]) -> list[Row]:
        # Explicit bind parameters: asyncpg wants to know that `:month` may be NULL.
        statement = text(sql).bindparams(*(bindparam(name) for name in params))
        async with self.sessionmaker() as session:
            result = await session.execute(statement, dict(params))
            return [dict(row) for row in result.mappings()]

    async def close(self) -> None:
        """Nothing of its own to close: the engine's pool is the owner's."""


class SqliteReader:
    """SQLite: one connection of its own, on a thread of its own, that only reads.

    Each statement runs in autocommit mode, so it sees everything committed before it
    started, by this process or any other. Statements queue for the one thread; search
    statements take well under a millisecond (see bench/bench_search.py).
    """

    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-reader")
        self._connection: sqlite3.Connection | None = None  # opened on the reader's thread
        self._closed = False

    async def rows(self, sql: str, params: Mapping[str, object]) -> list[Row]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._rows, sql, dict(params))

    async def close(self) -> None:
        """Close the connection and end the thread; closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=False)

    def _rows(self, sql: str, params: dict[str, object]) -> list[Row]:
        connection = self._connection or self._open()
        cursor = connection.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        connection.execute("PRAGMA query_only=ON")
        self._connection = connection
        return connection

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def open_reader(sessionmaker: async_sessionmaker[AsyncSession]) -> Reader:
    """The cheapest reader for the sessionmaker's database."""
    url = sessionmaker.kw["bind"].url
    database = url.database or ""
    on_disk = database not in ("", ":memory:") and not database.startswith("file:")
    if url.get_backend_name() == "sqlite" and on_disk:
        return SqliteReader(database)
    # An in-memory database exists only inside its own connections: go through the pool.
    return SessionReader(sessionmaker)

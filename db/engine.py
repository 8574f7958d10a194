"""Async engine and session factory built from DATABASE_URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

SQLITE_BUSY_TIMEOUT_MS = 5000
# Opening a PostgreSQL connection gives up after this: a command waiting on a database
# that does not answer must still say so within Discord's 3 seconds.
CONNECT_TIMEOUT_SECONDS = 2.0


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    """Create the engine; for SQLite, make the folder and turn on WAL and foreign keys."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        if url.get_driver_name() == "asyncpg":
            connect_args = {"timeout": CONNECT_TIMEOUT_SECONDS, **kwargs.pop("connect_args", {})}
            kwargs["connect_args"] = connect_args
        return create_async_engine(url, pool_pre_ping=True, **kwargs)

    database = sqlite_file(url)
    if database is not None:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL still survives a killed process; only power loss can drop
        # the last commits, and it saves an fsync per delivery-part commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Objects stay usable after commit; relationships are lazy="raise", so nothing
    # reaches back into a closed session by accident.
    return async_sessionmaker(engine, expire_on_commit=False)


def sqlite_file(url: URL) -> str | None:
    """The file of a SQLite URL; None for another backend, or a database in memory (or
    given as a `file:` URI), which connections outside the engine's own cannot open."""
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    return None if database.startswith("file:") else database

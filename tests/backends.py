"""Which database backends the tests run on, and how a PostgreSQL test starts clean.

SQLite always runs. PostgreSQL runs when TEST_DATABASE_URL points at a server. CI sets
MASTHEAD_TEST_BACKEND to run one backend per pass. Under pytest-xdist each worker gets a
database of its own (TEST_DATABASE_URL's name plus the worker's, created on first use),
since every PostgreSQL test starts by wiping its schema.
"""

from __future__ import annotations

import os

from sqlalchemy import text
from sqlalchemy.engine import make_url

from db.engine import create_engine

ONLY_BACKEND = os.environ.get("MASTHEAD_TEST_BACKEND")
_SHARED_URL = os.environ.get("TEST_DATABASE_URL")
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def _worker_url(url: str | None, worker: str | None) -> str | None:
    if url is None or not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


PG_URL = _worker_url(_SHARED_URL, _WORKER)
_created: set[str] = set()


async def _create_worker_database(url: str) -> None:
    """The worker's own database, made once from the shared one's connection."""
    assert _SHARED_URL is not None
    name = make_url(url).database
    engine = create_engine(_SHARED_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            exists = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()


async def reset_postgres(url: str) -> None:
    if url != _SHARED_URL and url not in _created:
        await _create_worker_database(url)
        _created.add(url)
    await wipe_schema(url)


async def wipe_schema(url: str) -> None:
    """An empty public schema in the PostgreSQL database of ``url``."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()

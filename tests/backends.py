"""Which database backends the tests run on, and how a PostgreSQL test starts clean.

SQLite always runs. PostgreSQL runs when TEST_DATABASE_URL points at a server. CI sets
MASTHEAD_TEST_BACKEND to run one backend per pass.
"""

from __future__ import annotations

import os

from sqlalchemy import text

from db.engine import create_engine

PG_URL = os.environ.get("TEST_DATABASE_URL")
ONLY_BACKEND = os.environ.get("MASTHEAD_TEST_BACKEND")


async def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()

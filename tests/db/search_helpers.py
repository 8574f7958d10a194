"""The reader the bot would use for a test's database, closed after use."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import reader


@asynccontextmanager
async def open_reader(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[reader.Reader]:
    opened = reader.open_reader(sessionmaker)
    try:
        yield opened
    finally:
        await opened.close()

"""Announcing a change to the other processes: heard on commit only, on PostgreSQL; a
no-op on SQLite; only the events other processes listen for."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.repositories import changes


class Rollback(Exception):
    pass


async def test_an_announcement_is_heard_when_its_transaction_commits(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    if engine.dialect.name != "postgresql":
        async with sessionmaker.begin() as session:  # one process: nothing to tell
            await changes.announce(session, "issues_changed")
        return
    heard: list[str] = []
    async with engine.connect() as connection:
        driver: Any = (await connection.get_raw_connection()).driver_connection
        await driver.add_listener(changes.CHANNEL, lambda *args: heard.append(args[-1]))
        with pytest.raises(Rollback):
            async with sessionmaker.begin() as session:
                await changes.announce(session, "issues_changed")
                raise Rollback
        async with sessionmaker.begin() as session:
            await changes.announce(session, "issues_changed")
            await asyncio.sleep(0.2)
            assert heard == []  # not before the commit
        for _ in range(50):
            if heard:
                break
            await asyncio.sleep(0.02)
        await connection.invalidate()
    assert heard == ["issues_changed"]  # once, and nothing of the rolled-back one


async def test_only_events_other_processes_listen_for_are_announced(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker.begin() as session:
        with pytest.raises(ValueError, match="not an event"):
            await changes.announce(session, "interaction")

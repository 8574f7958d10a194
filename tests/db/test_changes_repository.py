"""Announcing a change to the other processes: heard on commit only (PostgreSQL's NOTIFY,
SQLite's announcement rows), and only the events other processes listen for."""

from __future__ import annotations

import asyncio
import sqlite3
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
        await _sqlite_announcements_show_on_commit_only(engine, sessionmaker)
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


async def _sqlite_announcements_show_on_commit_only(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    assert engine.url.database is not None
    watcher = sqlite3.connect(engine.url.database, isolation_level=None)
    try:
        assert changes.sqlite_signals(watcher) == {}
        with pytest.raises(Rollback):
            async with sessionmaker.begin() as session:
                await changes.announce(session, "issues_changed")
                raise Rollback
        assert changes.sqlite_signals(watcher) == {}
        tokens: list[tuple[str, str]] = []
        for _ in range(2):
            async with sessionmaker.begin() as session:
                await changes.announce(session, "issues_changed")
                assert changes.sqlite_signals(watcher) == dict(tokens[-1:])  # not before
            tokens.append(("issues_changed", changes.sqlite_signals(watcher)["issues_changed"]))
        assert tokens[0] != tokens[1]  # each announcement is new
    finally:
        watcher.close()

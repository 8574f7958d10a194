"""SQLite's change watcher (masthead/change_listener.py) on a real database file: what it
dispatches, and that it keeps watching after a failed look."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from db.repositories.changes import SIGNAL_PREFIX
from masthead import change_listener
from masthead.change_listener import SqliteChangeWatcher


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "a database #1.db"  # characters a file: URI must escape
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE bot_state (key VARCHAR(64) PRIMARY KEY, value TEXT)")
    return path


def write(path: Path, key: str, value: str) -> None:
    """A commit by another connection, as the CLI's publish makes."""
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT OR REPLACE INTO bot_state VALUES (?, ?)", (key, value))


@pytest.fixture
async def watching(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[..., Any]]:
    monkeypatch.setattr(change_listener, "RETRY_FIRST_SECONDS", 0.05)
    tasks: list[asyncio.Task[None]] = []

    async def start(heard: list[str]) -> SqliteChangeWatcher:
        watcher = SqliteChangeWatcher(str(database), heard.append, every=0.02)
        tasks.append(asyncio.create_task(watcher.run()))
        await asyncio.wait_for(watcher.connected.wait(), 5)
        return watcher

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def until(predicate: Callable[[], bool]) -> None:
    for _ in range(250):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not within 5 s")


async def test_each_announcement_is_dispatched_once_and_other_commits_not(
    database: Path, watching: Callable[..., Any]
) -> None:
    heard: list[str] = []
    await watching(heard)
    assert heard == ["issues_changed"]  # on starting: what was announced before is unknown
    write(database, "something else", "1")
    write(database, SIGNAL_PREFIX + "not_an_event", "1")
    await asyncio.sleep(0.2)
    assert heard == ["issues_changed"]
    write(database, SIGNAL_PREFIX + "issues_changed", "token 1")
    await until(lambda: len(heard) == 2)
    write(database, SIGNAL_PREFIX + "issues_changed", "token 2")
    await until(lambda: len(heard) == 3)
    await asyncio.sleep(0.2)
    assert heard == ["issues_changed"] * 3


async def test_a_failed_look_is_retried_and_announcements_are_heard_again(
    database: Path, watching: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    heard: list[str] = []
    watcher = await watching(heard)
    real_look = SqliteChangeWatcher._look
    failures = [sqlite3.OperationalError("disk I/O error")]

    def failing_look(connection: sqlite3.Connection, version: int | None) -> Any:
        if failures:
            raise failures.pop()
        return real_look(connection, version)

    monkeypatch.setattr(SqliteChangeWatcher, "_look", staticmethod(failing_look))
    # Watching again after the failure, it dispatches once more: what was announced
    # while it was not watching is unknown.
    await until(lambda: not failures and len(heard) == 2)
    assert watcher.connected.is_set()
    write(database, SIGNAL_PREFIX + "issues_changed", "after the failure")
    await until(lambda: len(heard) == 3)

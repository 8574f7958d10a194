"""Hearing the changes other processes announce (db/repositories/changes.py).

Each announcement becomes the bot event it names, so the workers and caches react as
they do to a change made here. The events only make them look, so one too many costs a
query, and when the watch was interrupted every event is dispatched once: what was
announced meanwhile is not known. The workers' polls stay as the fallback.

- PostgreSQL (`ChangeListener`): one pooled connection LISTENs for as long as the bot
  runs; a lost connection is opened again.
- SQLite (`SqliteChangeWatcher`): a connection of its own asks `PRAGMA data_version`
  every quarter second, on a thread, and reads the announcements only when another
  connection committed since.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import sqlite_file
from db.repositories.changes import CHANNEL, EVENTS, sqlite_signals
from masthead.utils.background import wait_for_wakeup

log = logging.getLogger(__name__)

# How often a quiet connection is checked: a connection cut without a word (a network
# drop) only shows when something is sent on it.
CHECK_SECONDS = 30.0
RETRY_FIRST_SECONDS = 1.0
RETRY_MAX_SECONDS = 30.0
# SQLite: how often the watcher asks whether another connection committed.
WATCH_SECONDS = 0.25


class ChangeSignals(Protocol):
    connected: asyncio.Event  # hearing changes now (for tests and health)

    async def run(self) -> None: ...


def open_change_signals(
    engine: AsyncEngine, dispatch: Callable[[str], None]
) -> ChangeSignals | None:
    """The way this engine's database tells of other processes' changes; None for a
    database no other process can open (SQLite in memory)."""
    if engine.dialect.name == "postgresql":
        return ChangeListener(engine, dispatch)
    path = sqlite_file(engine.url)
    return None if path is None else SqliteChangeWatcher(path, dispatch)


async def _retrying(watch: Callable[[bool], Any], connected: asyncio.Event) -> None:
    """Run `watch(recovering)` for ever, again after each failure, with back-off."""
    failures = 0  # attempts in a row that did not get as far as hearing changes
    while True:
        try:
            await watch(failures > 0)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if failures == 0:  # one line per outage, not one per attempt
                log.warning("not hearing other processes' changes (%r); retrying", exc)
        failures = 0 if connected.is_set() else failures + 1
        connected.clear()
        pause = RETRY_FIRST_SECONDS * 2.0 ** min(failures, 8)
        await asyncio.sleep(min(RETRY_MAX_SECONDS, pause))


class ChangeListener:
    def __init__(self, engine: AsyncEngine, dispatch: Callable[[str], None]) -> None:
        self.engine = engine
        self.dispatch = dispatch
        self.connected = asyncio.Event()  # listening now (for tests and health)

    async def run(self) -> None:
        await _retrying(self._listen, self.connected)

    async def _listen(self, recovering: bool) -> None:
        lost = asyncio.Event()
        async with self.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver: Any = raw.driver_connection  # asyncpg's: LISTEN outside any transaction

            def on_notify(_conn: object, _pid: int, _channel: str, payload: str) -> None:
                if payload in EVENTS:
                    self.dispatch(payload)

            driver.add_termination_listener(lambda _conn: lost.set())
            await driver.add_listener(CHANNEL, on_notify)
            try:
                self.connected.set()
                if recovering:
                    log.info("listening for other processes' changes again")
                for event in sorted(EVENTS):  # whatever was announced while not listening
                    self.dispatch(event)
                while not lost.is_set():
                    await wait_for_wakeup(lost, CHECK_SECONDS)
                    if not lost.is_set():
                        async with asyncio.timeout(5.0):
                            await driver.fetchval("SELECT 1")
            finally:
                # Closed rather than pooled: a pooled connection would keep listening,
                # and this one may be dead or stuck.
                await connection.invalidate()
        log.warning("the connection listening for other processes' changes closed; reopening")


class SqliteChangeWatcher:
    def __init__(
        self, path: str, dispatch: Callable[[str], None], *, every: float = WATCH_SECONDS
    ) -> None:
        self.path = path
        self.dispatch = dispatch
        self.every = every
        self.connected = asyncio.Event()

    async def run(self) -> None:
        # One thread of its own: the connection is opened, used and closed there, also
        # when the watch is cancelled in the middle of a look.
        thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="change-watcher")
        try:
            await _retrying(lambda recovering: self._watch(thread, recovering), self.connected)
        finally:
            thread.shutdown(wait=False)  # what is queued (a close) still runs

    async def _watch(self, thread: ThreadPoolExecutor, recovering: bool) -> None:
        loop = asyncio.get_running_loop()
        connection = await loop.run_in_executor(thread, self._open)
        try:
            version, seen = await loop.run_in_executor(thread, self._look, connection, None)
            self.connected.set()
            if recovering:
                log.info("hearing other processes' changes again")
            for event in sorted(EVENTS):  # whatever was announced while not watching
                self.dispatch(event)
            while True:
                await asyncio.sleep(self.every)
                now, signals = await loop.run_in_executor(thread, self._look, connection, version)
                if now == version:
                    continue
                version = now
                for event in sorted(EVENTS):
                    if signals.get(event) != seen.get(event):
                        self.dispatch(event)
                seen = signals
        finally:
            thread.submit(connection.close)  # after any look still running

    def _open(self) -> sqlite3.Connection:
        # Only reads, in autocommit: each look is its own read transaction. A short busy
        # wait: a look that cannot read now is simply tried again.
        uri = f"{Path(self.path).resolve().as_uri()}?mode=rw"  # never creates the file
        connection = sqlite3.connect(uri, uri=True, timeout=1.0, check_same_thread=False)
        connection.isolation_level = None
        return connection

    @staticmethod
    def _look(connection: sqlite3.Connection, version: int | None) -> tuple[int, dict[str, str]]:
        """The data version, and the announcements if it is not `version` any more."""
        now = int(connection.execute("PRAGMA data_version").fetchone()[0])
        return now, ({} if now == version else sqlite_signals(connection))

"""Hearing, on PostgreSQL, the changes other processes announce (db/repositories/changes.py).

One pooled connection LISTENs for as long as the bot runs; each notification becomes the
bot event it names, so the workers and caches react as they do to a change made here.
A lost connection is opened again, and then every event is dispatched once, since what
was announced meanwhile is gone: the events only make the listeners look, so one too
many costs a query. The workers' polls stay as the fallback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from db.repositories.changes import CHANNEL, EVENTS
from masthead.utils.background import wait_for_wakeup

log = logging.getLogger(__name__)

# How often a quiet connection is checked: a connection cut without a word (a network
# drop) only shows when something is sent on it.
CHECK_SECONDS = 30.0
RETRY_FIRST_SECONDS = 1.0
RETRY_MAX_SECONDS = 30.0


class ChangeListener:
    def __init__(self, engine: AsyncEngine, dispatch: Callable[[str], None]) -> None:
        self.engine = engine
        self.dispatch = dispatch
        self.connected = asyncio.Event()  # listening now (for tests and health)

    async def run(self) -> None:
        failures = 0  # attempts in a row that did not get as far as listening
        while True:
            try:
                await self._listen(recovering=failures > 0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if failures == 0:  # one line per outage, not one per attempt
                    log.warning("not listening for other processes' changes (%r); retrying", exc)
            failures = 0 if self.connected.is_set() else failures + 1
            self.connected.clear()
            pause = RETRY_FIRST_SECONDS * 2.0 ** min(failures, 8)
            await asyncio.sleep(min(RETRY_MAX_SECONDS, pause))

    async def _listen(self, *, recovering: bool) -> None:
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

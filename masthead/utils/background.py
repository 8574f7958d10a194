"""A service that runs beside the bot for as long as its extension is loaded, and how
such services wait out a database that cannot be reached."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from masthead.utils.db_faults import database_unavailable, fault_summary

log = logging.getLogger(__name__)

STOP_ATTEMPTS = 3
STOP_WAIT_SECONDS = 5.0
# Read when a pass ends, so a test can shorten them.
OUTAGE_FIRST_PAUSE_SECONDS = 1.0
OUTAGE_MAX_PAUSE_SECONDS = 60.0


async def wait_for_wakeup(wakeup: asyncio.Event, seconds: float) -> None:
    """Until `wakeup` is set or `seconds` pass. (Not asyncio.wait_for: on Python 3.11 it
    can swallow a cancellation that lands as the event is set, and the worker would then
    never stop.)"""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await wakeup.wait()


class OutageBackoff:
    """A worker's passes while the database is down: paused 1, 2, 4 … s up to a minute,
    one warning when the outage starts and one line when the database is back (not a
    traceback per retry), and nothing held back once it is: the first pass that reaches
    the database ends the outage.

    A pass calls `note(error)` for each error it meets (True when it was the database's),
    then `end_pass()`: the pause before the next pass, or None when the pass was clean.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.streak = 0  # passes in a row that found the database unavailable
        self._hit = False

    @property
    def in_outage(self) -> bool:
        return self.streak > 0 or self._hit

    def note(self, error: BaseException) -> bool:
        if not database_unavailable(error):
            return False
        if not self.in_outage:
            log.warning(
                "%s: the database is unavailable (%s); backing off",
                self.name,
                fault_summary(error),
            )
        self._hit = True
        return True

    def end_pass(self) -> float | None:
        hit, self._hit = self._hit, False
        if not hit:
            if self.streak:
                log.warning("%s: the database is back after %d pass(es)", self.name, self.streak)
            self.streak = 0
            return None
        self.streak += 1
        pause = OUTAGE_FIRST_PAUSE_SECONDS * 2.0 ** min(self.streak - 1, 32)
        return float(min(OUTAGE_MAX_PAUSE_SECONDS, pause))


class BackgroundTask:
    def __init__(self, name: str, run: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self.name = name
        self._run = run
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Cancel and wait, so no work outlives the bot's connections. A cancellation
        that something swallowed is sent again rather than waited on for ever."""
        task, self._task = self._task, None
        if task is None:
            return
        for _ in range(STOP_ATTEMPTS):
            task.cancel()
            done, _ = await asyncio.wait({task}, timeout=STOP_WAIT_SECONDS)
            if done:
                with contextlib.suppress(asyncio.CancelledError):
                    task.result()
                return
        log.error("%s did not stop after %d cancellations", self.name, STOP_ATTEMPTS)

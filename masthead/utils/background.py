"""A service that runs beside the bot for as long as its extension is loaded."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

STOP_ATTEMPTS = 3
STOP_WAIT_SECONDS = 5.0


async def wait_for_wakeup(wakeup: asyncio.Event, seconds: float) -> None:
    """Until `wakeup` is set or `seconds` pass. (Not asyncio.wait_for: on Python 3.11 it
    can swallow a cancellation that lands as the event is set, and the worker would then
    never stop.)"""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await wakeup.wait()


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

"""Pacing for mass delivery under Discord's global rate limit.

Discord allows a bot 50 requests per second across all routes. discord.py only reacts to
that limit once it is hit: each 429 makes it sleep and retry, at most five times, and a
bot that collects too many 429s is banned for a while. Delivering to hundreds of channels
at once would hit it constantly, so the worker spaces its own sends instead.
"""

from __future__ import annotations

import asyncio
import time

GLOBAL_REQUESTS_PER_SECOND = 50


class Pacer:
    """Lets callers through at most ``rate`` times per second, first come first served."""

    def __init__(self, rate: float = GLOBAL_REQUESTS_PER_SECOND) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:  # FIFO: no delivery starves another
            delay = self._next - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self._next = max(self._next, time.monotonic()) + self.interval

"""Pacing for mass delivery under Discord's global rate limit.

Discord allows a bot 50 requests per second across all routes. discord.py only reacts to
that limit once it is hit: each 429 makes it sleep and retry, at most five times, and a
bot that collects too many 429s is banned for a while. Delivering to hundreds of channels
at once would hit it constantly, so the worker spaces its own sends instead.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

GLOBAL_REQUESTS_PER_SECOND = 50


class Pacer:
    """Lets callers through at most ``rate`` times per second, first come first served.

    Callers pass one interval apart, on a schedule. One that a busy event loop wakes late
    does not push the schedule back: the callers queued behind it pass sooner (never
    closer than half an interval) until they are on time again, so a busy process still
    gets the whole rate. Never more than ``rate`` pass within any one second, late or not.
    When nobody was queued, the schedule starts again from the next caller.
    """

    def __init__(self, rate: float = GLOBAL_REQUESTS_PER_SECOND) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0  # when the next caller is due
        self._passed: deque[float] = deque(maxlen=max(1, int(rate)))  # the last second's
        self._queued = 0  # callers waiting to pass
        self._streaming = False  # someone was queued when the last caller passed
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        self._queued += 1
        try:
            async with self._lock:  # FIFO: no delivery starves another
                now = time.monotonic()
                if not self._streaming:  # idle, not late: nothing to make up
                    self._next = max(self._next, now)
                last = self._passed[-1] if self._passed else float("-inf")
                due = max(self._next, last + self.interval / 2)
                if len(self._passed) == self._passed.maxlen:
                    due = max(due, self._passed[0] + 1.0)
                if due > now:
                    await asyncio.sleep(due - now)
                self._passed.append(time.monotonic())
                self._next += self.interval
                self._streaming = self._queued > 1
        finally:
            self._queued -= 1

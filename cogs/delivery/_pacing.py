"""Pacing for mass delivery under Discord's global rate limit.

Discord allows a bot 50 requests per second across all routes and all of its processes.
discord.py only reacts to that limit once it is hit: each 429 makes it sleep and retry,
at most five times, and a bot that collects too many 429s is banned for a while.
Delivering to hundreds of channels at once would hit it constantly, so the worker spaces
its own sends instead. A process that runs some of several shards (on PostgreSQL) leases
its rate from the shared budget (`SharedBudget`, db/repositories/rate_leases.py), so the
rate moves to the processes that still have work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections import deque
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import rate_leases
from masthead.utils.background import wait_for_wakeup

log = logging.getLogger(__name__)

GLOBAL_REQUESTS_PER_SECOND = 50
# What the processes sharing a token lease out in all: one request under the limit, for
# a request that leaves at the end of one second and, delayed on the way, arrives in the
# next. (Three were kept back while the end-to-end check saw 51 in one second at the
# emulator; that was the emulator's own process pausing for a full garbage collection,
# bunching what arrived meanwhile, not the bots sending more.)
SHARED_BUDGET = GLOBAL_REQUESTS_PER_SECOND - 1
RENEW_SECONDS = 1.0
# A process that sends close to its grant with callers still queued wants all it can get.
SATURATED = 0.8


class Pacer:
    """Lets callers through at most ``rate`` times per second, first come first served.

    Callers pass one interval apart, on a schedule. One that a busy event loop wakes late
    does not push the schedule back: the callers queued behind it pass sooner (never
    closer than half an interval) until they are on time again, so a busy process still
    gets the whole rate. Never more than ``rate`` pass within any one second, late or not,
    also when the rate was just lowered. At rate 0, or while paused, nobody passes.
    """

    def __init__(self, rate: float = GLOBAL_REQUESTS_PER_SECOND) -> None:
        self.rate = 0.0
        self.interval = 0.0
        self._rate_until = float("inf")  # monotonic: rate 0 after this
        self._changed = asyncio.Event()  # the rate was set: waiters look again
        self.set_rate(rate)
        self._next = 0.0  # when the next caller is due
        self._passed: deque[float] = deque(maxlen=GLOBAL_REQUESTS_PER_SECOND)
        self.passed_total = 0  # callers let through so far
        self.queued = 0  # callers waiting to pass
        self._streaming = False  # someone was queued when the last caller passed
        self._paused_until = 0.0  # monotonic
        self._lock = asyncio.Lock()

    def set_rate(self, rate: float, until: float = float("inf")) -> None:
        """Pass ``rate`` callers per second from now until monotonic time ``until``."""
        self.rate = max(0.0, min(float(rate), GLOBAL_REQUESTS_PER_SECOND))
        self.interval = 1.0 / self.rate if self.rate else 0.0
        self._rate_until = until
        self._changed.set()

    def pause_until(self, until: float) -> None:
        """Let nobody through before monotonic time ``until`` (a global 429)."""
        self._paused_until = max(self._paused_until, until)

    async def wait(self) -> None:
        self.queued += 1
        try:
            async with self._lock:  # FIFO: no delivery starves another
                await self._until_due()
                self._passed.append(time.monotonic())
                self.passed_total += 1
                self._next += self.interval
                self._streaming = self.queued > 1
        finally:
            self.queued -= 1

    async def _until_due(self) -> None:
        while True:
            now = time.monotonic()
            if self._paused_until > now:
                await asyncio.sleep(self._paused_until - now)
                continue
            if not self.rate or now >= self._rate_until:
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(0.25):
                        await self._changed.wait()
                self._streaming = False  # a fresh start at the new rate
                continue
            if not self._streaming:  # idle, not late: nothing to make up
                self._next = max(self._next, now)
            last = self._passed[-1] if self._passed else float("-inf")
            due = max(self._next, last + self.interval / 2)
            allowed = max(1, int(self.rate))
            if len(self._passed) >= allowed:
                due = max(due, self._passed[-allowed] + 1.0)
            if due <= now:
                return
            # In steps, so a lowered rate or a pause applies to callers already waiting.
            await asyncio.sleep(min(due - now, 0.25))


def wanted_rate(used: float, queued: int, rate: float, budget: int) -> float:
    """What a process asks the shared budget for, from the last renewal period: all it
    can get while its callers queue at (nearly) its grant, else what it used with room
    to grow, and nothing when idle."""
    if queued and used >= SATURATED * rate:
        return float(budget)
    if not queued and used == 0:
        return 0.0
    return min(float(budget), used * 1.5 + 2)


def holder_name() -> str:
    """Unique per process and start: a restarted process must not inherit a lease."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


class SharedBudget:
    """This process's lease of the token's global limit, renewed every second; the
    pacer runs at the granted rate, and at none once the lease could have expired."""

    def __init__(
        self,
        pacer: Pacer,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        holder: str | None = None,
        budget: int = SHARED_BUDGET,
    ) -> None:
        self.pacer = pacer
        self.sessionmaker = sessionmaker
        self.holder = holder or holder_name()
        self.budget = budget
        self.granted = 0
        self._pause_to_share: datetime | None = None
        self._wakeup = asyncio.Event()
        self._counted = (time.monotonic(), pacer.passed_total)
        pacer.set_rate(0)  # nothing before the first grant

    def global_limit_hit(self, retry_after: float) -> None:
        """Discord answered a global 429: wait here at once, and tell the others."""
        self.pacer.pause_until(time.monotonic() + retry_after)
        until = datetime.now(UTC) + timedelta(seconds=retry_after)
        if self._pause_to_share is None or self._pause_to_share < until:
            self._pause_to_share = until
        self._wakeup.set()

    async def run(self) -> None:
        failing = False
        try:
            while True:
                self._wakeup.clear()
                try:
                    async with asyncio.timeout(rate_leases.LEASE_TTL.total_seconds()):
                        await self.renew_once()
                    if failing:
                        log.info("rate lease renewed again")
                    failing = False
                except Exception as exc:
                    # The pacer stops by itself when the lease runs out. One line per
                    # outage, not one a second.
                    if not failing:
                        log.warning("cannot renew the rate lease (%r); retrying", exc)
                    failing = True
                await wait_for_wakeup(self._wakeup, RENEW_SECONDS)
        finally:
            self.pacer.set_rate(0)

    async def renew_once(self) -> None:
        started, now = time.monotonic(), datetime.now(UTC)
        since, before = self._counted
        used = (self.pacer.passed_total - before) / max(started - since, 1e-3)
        self._counted = (started, self.pacer.passed_total)
        wanted = wanted_rate(used, self.pacer.queued, self.pacer.rate, self.budget)
        pause, self._pause_to_share = self._pause_to_share, None
        try:
            async with self.sessionmaker.begin() as session:
                grant = await rate_leases.renew(
                    session,
                    self.holder,
                    wanted=wanted,
                    budget=self.budget,
                    now=now,
                    pause_until=pause,
                )
        except BaseException:
            if pause is not None and self._pause_to_share is None:
                self._pause_to_share = pause  # share it with the next renewal
            raise
        # Others may reuse the rate once the lease expired, and what was sent within HOLD
        # before still counts: stop that long before. The lease counts from `now`, taken
        # before the transaction, so this errs early, not late.
        lasts = (grant.expires_at - now - rate_leases.HOLD).total_seconds()
        self.granted = grant.rate
        self.pacer.set_rate(grant.rate, until=started + lasts)
        if grant.paused_until is not None:
            wait = (grant.paused_until - datetime.now(UTC)).total_seconds()
            self.pacer.pause_until(time.monotonic() + wait)

    async def release(self) -> None:
        self.pacer.set_rate(0)
        async with self.sessionmaker.begin() as session:
            await rate_leases.release(session, self.holder, now=datetime.now(UTC))

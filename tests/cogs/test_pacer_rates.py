"""The delivery pacer at a rate that changes (leased from the shared budget), stops, and
pauses; and a process's lease renewals through the database."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cogs.delivery._pacing import Pacer, SharedBudget, wanted_rate
from db.repositories import rate_leases
from fakediscord import FakeDiscord
from masthead.bot import Masthead
from masthead.metrics import retry_after_seconds
from masthead.utils.request_pacing import paced
from tests.cogs.helpers import World

BUDGET = 49


async def _stream(pacer: Pacer, callers: int, passed: list[float]) -> None:
    async def one() -> None:
        await pacer.wait()
        passed.append(time.monotonic())

    await asyncio.gather(*(one() for _ in range(callers)))


def _most_in_a_second_ending_after(passed: list[float], moment: float) -> int:
    return max(sum(1 for t in passed if end - 1.0 < t <= end) for end in passed if end >= moment)


async def test_a_lowered_rate_holds_for_every_second_after_it() -> None:
    pacer, passed = Pacer(40), list[float]()
    stream = asyncio.create_task(_stream(pacer, 40, passed))
    await asyncio.sleep(0.4)
    lowered_at = time.monotonic()
    pacer.set_rate(10)
    await asyncio.sleep(1.2)
    stream.cancel()
    before = len([t for t in passed if t < lowered_at])
    assert before >= 8  # it did stream at the higher rate
    assert _most_in_a_second_ending_after(passed, lowered_at) <= 10


async def test_rate_zero_lets_nobody_through_until_a_rate_is_set() -> None:
    pacer = Pacer(0)
    waiting = asyncio.create_task(pacer.wait())
    await asyncio.sleep(0.3)
    assert not waiting.done()
    pacer.set_rate(5)
    await asyncio.wait_for(waiting, 1.0)


async def test_a_rate_stops_when_its_lease_could_have_expired() -> None:
    pacer = Pacer(0)
    pacer.set_rate(20, until=time.monotonic() + 0.2)
    await asyncio.wait_for(pacer.wait(), 0.5)  # within the lease
    await asyncio.sleep(0.25)
    late = asyncio.create_task(pacer.wait())
    await asyncio.sleep(0.3)
    assert not late.done()
    late.cancel()


async def test_a_pause_holds_every_caller_until_it_ends() -> None:
    pacer = Pacer(50)
    pacer.pause_until(time.monotonic() + 0.3)
    started = time.monotonic()
    await pacer.wait()
    assert time.monotonic() - started >= 0.29


@pytest.mark.parametrize(
    ("used", "queued", "rate", "expected"),
    [
        (0.0, 0, 0.0, 0.0),  # idle: wants nothing
        (0.0, 3, 0.0, BUDGET),  # work waits and no rate at all
        (24.0, 10, 25.0, BUDGET),  # queued at its grant: all it can get
        (4.0, 1, 25.0, 8.0),  # slowed by something else (its channels): what it uses
        (4.0, 0, 25.0, 8.0),
        (48.0, 0, 49.0, BUDGET),  # never more than the budget
    ],
)
def test_wanted_rate(used: float, queued: int, rate: float, expected: float) -> None:
    assert wanted_rate(used, queued, rate, BUDGET) == expected


async def test_the_busy_process_leases_the_budget_and_a_global_429_pauses_both(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    busy = SharedBudget(Pacer(), sessionmaker, holder="busy", budget=BUDGET)
    idle = SharedBudget(Pacer(), sessionmaker, holder="idle", budget=BUDGET)
    assert busy.pacer.rate == idle.pacer.rate == 0  # nothing before the first grant
    queued = [asyncio.create_task(busy.pacer.wait()) for _ in range(5)]
    await asyncio.sleep(0.05)
    await busy.renew_once()
    await idle.renew_once()
    assert (busy.granted, idle.granted) == (BUDGET, 0)
    await asyncio.wait_for(asyncio.gather(*queued), 1.0)

    busy.global_limit_hit(0.6)  # Discord: everyone wait 0.6 s
    await busy.renew_once()  # shares it
    await idle.renew_once()
    async with sessionmaker() as session:
        rows = {r.holder: r for r in await rate_leases.leases(session)}
    assert rows["busy"].paused_until is not None
    idle.pacer.set_rate(10)  # as if it had work and rate now: it still waits
    started = time.monotonic()
    await idle.pacer.wait()
    assert time.monotonic() - started >= 0.3

    await busy.release()
    async with sessionmaker() as session:
        rows = {r.holder: r for r in await rate_leases.leases(session)}
    assert rows["busy"].granted == 0 and busy.pacer.rate == 0


async def test_a_global_429_reaches_the_listeners_with_its_retry_after(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    heard: list[float] = []
    masthead.metrics.global_limit_listeners.append(heard.append)
    channel = masthead.get_partial_messageable(world.news.id)
    fake_discord.rate_limit(route="/channels/{channel_id}/messages", retry_after=0.05)
    await channel.send("after a route's 429")
    assert heard == []  # one channel's limit is nobody else's business
    fake_discord.rate_limit(
        route="/channels/{channel_id}/messages", retry_after=0.3, is_global=True
    )
    await channel.send("after a global 429")
    assert heard == [pytest.approx(0.3, abs=0.01)]


async def test_a_paced_task_s_requests_wait_for_the_pacer_as_they_are_sent(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    pacer = Pacer(5)
    channel = masthead.get_partial_messageable(world.news.id)
    await channel.send("not paced")
    assert pacer.passed_total == 0
    # discord.py retries after the 429: a request that goes out is paced again.
    fake_discord.rate_limit(route="/channels/{channel_id}/messages", retry_after=0.05)
    started = time.monotonic()
    with paced(pacer.wait):
        for n in range(3):
            await channel.send(f"paced {n}")
    assert pacer.passed_total == 4  # three sends and one retry
    assert time.monotonic() - started >= 0.55  # 5 per second: the 4th passes at 0.6 s
    await channel.send("not paced again")
    assert pacer.passed_total == 4


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("0.3", 0.3), (None, 1.0), ("", 1.0), ("soon", 1.0), ("nan", 1.0), ("-2", 1.0), ("1e9", 1.0)],
)
def test_a_global_429_s_retry_after_header_is_read_safely(
    header: str | None, seconds: float
) -> None:
    assert retry_after_seconds(header) == seconds

"""The delivery worker's pacing under Discord's global rate limit."""

from __future__ import annotations

import asyncio
import itertools
import time

from cogs.delivery._pacing import Pacer


async def test_callers_pass_one_interval_apart_in_arrival_order() -> None:
    pacer = Pacer(rate=100)
    passed: list[tuple[int, float]] = []

    async def send(index: int) -> None:
        await pacer.wait()
        passed.append((index, time.monotonic()))

    await asyncio.gather(*(send(i) for i in range(11)))
    assert [index for index, _ in passed] == list(range(11))
    gaps = [b - a for (_, a), (_, b) in itertools.pairwise(passed)]
    # 10 ms apart, give or take the clock; after a late wake-up the next caller may pass
    # up to half an interval sooner, to get back on schedule.
    assert min(gaps) >= 0.0049
    assert passed[-1][1] - passed[0][1] >= 0.099


async def test_an_idle_pacer_lets_the_next_caller_through_at_once() -> None:
    pacer = Pacer(rate=10)
    await pacer.wait()
    await asyncio.sleep(0.15)
    start = time.monotonic()
    await pacer.wait()
    assert time.monotonic() - start < 0.05


async def _passes(pacer: Pacer, callers: int, *, stall_after: int, stall: float) -> list[float]:
    """When each of `callers` passed; the event loop is blocked for `stall` seconds right
    after the `stall_after`-th pass, as a busy bot process would."""
    passed: list[float] = []

    async def send() -> None:
        await pacer.wait()
        passed.append(time.monotonic())
        if len(passed) == stall_after:
            time.sleep(stall)  # noqa: ASYNC251 -- blocking the loop is the point

    await asyncio.gather(*(send() for _ in range(callers)))
    return passed


async def test_a_late_wake_up_is_made_up_by_the_next_callers() -> None:
    passed = await _passes(Pacer(rate=50), 30, stall_after=5, stall=0.025)
    # 29 intervals, not 29 intervals plus the 25 ms the loop was blocked.
    assert passed[-1] - passed[0] < 29 / 50 + 0.012


async def test_never_more_than_rate_pass_within_a_second() -> None:
    passed = await _passes(Pacer(rate=20), 45, stall_after=5, stall=0.5)
    for index, start in enumerate(passed):
        assert len([t for t in passed[index:] if t < start + 1.0]) <= 20
    assert passed[-1] - passed[0] >= 2.0  # 45 passes at 20 a second

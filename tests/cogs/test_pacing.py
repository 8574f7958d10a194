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
    assert min(gaps) >= 0.009  # 10 ms apart, give or take the clock
    assert passed[-1][1] - passed[0][1] >= 0.099


async def test_an_idle_pacer_lets_the_next_caller_through_at_once() -> None:
    pacer = Pacer(rate=10)
    await pacer.wait()
    await asyncio.sleep(0.15)
    start = time.monotonic()
    await pacer.wait()
    assert time.monotonic() - start < 0.05

"""Services beside the bot stop when asked, even one that swallowed a cancellation."""

from __future__ import annotations

import asyncio
import time

from masthead.utils.background import BackgroundTask, wait_for_wakeup


async def test_a_worker_that_swallows_one_cancellation_still_stops() -> None:
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed += 1  # the kind of loss asyncio.wait_for could cause on 3.11

    task = BackgroundTask("stubborn", stubborn)
    task.start()
    await asyncio.sleep(0)
    started = time.monotonic()
    await task.stop()
    assert swallowed == 1
    assert time.monotonic() - started < 15  # one more cancellation after 5 s, not a hang


async def test_wait_for_wakeup_returns_on_the_event_or_the_time() -> None:
    wakeup = asyncio.Event()
    started = time.monotonic()
    await wait_for_wakeup(wakeup, 0.05)
    assert time.monotonic() - started >= 0.05
    asyncio.get_running_loop().call_later(0.01, wakeup.set)
    started = time.monotonic()
    await wait_for_wakeup(wakeup, 5)
    assert time.monotonic() - started < 1

"""A crash between Discord accepting a part and the bot recording it, then a long outage."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from cogs.delivery import _worker
from fakediscord import FakeDiscord
from masthead.bot import Masthead
from tests.cogs.helpers import (
    World,
    import_and_publish,
    make_world,
    subscribe,
    wait_delivered,
    wait_for_failure,
)
from tests.cogs.test_publishing import sample_parts


def crash_once_on(monkeypatch: pytest.MonkeyPatch, call: int) -> Callable[[], int]:
    """Make the `call`-th recording of a sent part fail once, as if the process died
    right after Discord accepted the message. Returns how many recordings were tried."""
    record = _worker.deliveries.record_part_sent
    calls = 0

    async def crash(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == call:
            monkeypatch.setattr(_worker.deliveries, "record_part_sent", record)
            raise RuntimeError("killed after Discord accepted the part")
        return await record(*args, **kwargs)

    monkeypatch.setattr(_worker.deliveries, "record_part_sent", crash)
    return lambda: calls


async def _assert_each_part_once(fake: FakeDiscord, world: World) -> None:
    parts = len(sample_parts())
    header, posted = await wait_delivered(fake, world.news, parts - 1)
    titles = [m.embeds[0].get("title") for m in posted]
    assert len([m for m in header if m.embeds]) == 1
    assert len(titles) == len(set(titles)) == parts - 1, titles


async def test_part_sent_but_not_recorded_is_found_not_reposted(
    fake_discord: FakeDiscord, masthead: Masthead, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(fake_discord)
    await subscribe(fake_discord, world)
    # The outage outlasts Discord's nonce memory: only the history check can help now.
    fake_discord.state.nonce_window = 0.0
    tried = crash_once_on(monkeypatch, call=3)
    await import_and_publish(masthead)
    await fake_discord.wait_until(lambda: tried() >= 3, "the simulated crash")
    masthead.dispatch("issues_changed")
    await _assert_each_part_once(fake_discord, world)


async def test_header_is_found_after_a_busy_outage(
    fake_discord: FakeDiscord, masthead: Masthead, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(fake_discord)
    await subscribe(fake_discord, world)
    fake_discord.state.nonce_window = 0.0
    tried = crash_once_on(monkeypatch, call=1)  # the header went out, unrecorded
    await import_and_publish(masthead)
    await fake_discord.wait_until(lambda: tried() >= 1, "the simulated crash")
    for n in range(80):  # readers keep talking while the bot is down
        fake_discord.post_message(world.news, world.reader, f"chatter {n}")
    masthead.dispatch("issues_changed")
    await _assert_each_part_once(fake_discord, world)


async def test_channel_deleted_during_an_outage_fails_the_delivery_with_its_reason(
    fake_discord: FakeDiscord, masthead: Masthead, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The header went out but was never recorded; before the worker looks for it in the
    # channel's history, the channel is deleted. Retrying for ever would help nobody.
    world = make_world(fake_discord)
    await subscribe(fake_discord, world)
    tried = crash_once_on(monkeypatch, call=1)
    await import_and_publish(masthead)
    await fake_discord.wait_until(lambda: tried() >= 1, "the simulated crash")
    fake_discord.delete_channel(world.news)
    masthead.dispatch("issues_changed")
    general = fake_discord.add_channel(world.guild, "general")
    shown = await wait_for_failure(fake_discord, world, general)
    assert shown.startswith(f"<#{world.news.id}>: channel not found")


async def test_a_delivery_ending_while_the_worker_reads_is_not_started_again(
    fake_discord: FakeDiscord, masthead: Masthead, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker's read of due deliveries can see one still under way, which then ends
    # before the read returns: starting it again would send its requests a second time.
    world = make_world(fake_discord)
    await subscribe(fake_discord, world)
    cog = masthead.get_cog("Delivery")
    assert cog is not None
    worker: _worker.DeliveryWorker = cog.worker  # type: ignore[attr-defined]
    read = _worker.deliveries.unfinished
    overlapped = 0

    async def read_while_one_ends(*args: Any, **kwargs: Any) -> Any:
        nonlocal overlapped
        due = await read(*args, **kwargs)
        under_way = [worker._running[d.id] for d in due if d.id in worker._running]
        if under_way:
            overlapped += 1
            await asyncio.wait(under_way)
        return due

    record = _worker.deliveries.record_part_sent

    async def record_and_wake(*args: Any, **kwargs: Any) -> Any:
        worker.wake()  # a pass while the delivery is under way, as other deliveries end
        return await record(*args, **kwargs)

    monkeypatch.setattr(_worker.deliveries, "unfinished", read_while_one_ends)
    monkeypatch.setattr(_worker.deliveries, "record_part_sent", record_and_wake)
    first = len(fake_discord.requests)
    await import_and_publish(masthead)
    await _assert_each_part_once(fake_discord, world)
    await fake_discord.wait_until(lambda: overlapped >= 1, "a read overlapping the delivery")
    await asyncio.sleep(0.5)  # time for a second start to send
    sent = [r for r in fake_discord.requests[first:] if r.method == "POST"]
    assert len(sent) == len(sample_parts()) + 1, [r.path for r in sent]  # and the thread

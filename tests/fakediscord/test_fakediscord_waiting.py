"""wait_until: a waiter ends on the change that makes its predicate true, on an outside
condition within the polling interval, with its predicate's error, or with a timeout."""

from __future__ import annotations

import asyncio
import time

import pytest

from fakediscord import FakeDiscord


async def test_a_change_ends_only_the_waits_it_satisfies(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild("g")
    tested = {"general": 0, "news": 0}

    def has(name: str) -> bool:
        tested[name] += 1
        return any(c.name == name for c in fake_discord.state.channels.values())

    general = asyncio.create_task(fake_discord.wait_until(lambda: has("general"), "#general"))
    news = asyncio.create_task(fake_discord.wait_until(lambda: has("news"), "#news"))
    await asyncio.sleep(0)
    fake_discord.add_channel(guild, "general")
    assert await asyncio.wait_for(general, 1) is True
    assert not news.done()
    fake_discord.add_channel(guild, "news")
    assert await asyncio.wait_for(news, 1) is True
    assert tested["news"] <= 4  # tested per change, not spun on


async def test_an_outside_condition_is_seen_without_any_change(
    fake_discord: FakeDiscord,
) -> None:
    outside = {"done": False}
    asyncio.get_running_loop().call_later(0.02, outside.update, {"done": True})
    started = time.monotonic()
    await fake_discord.wait_until(lambda: outside["done"], "the outside condition")
    assert time.monotonic() - started < 1


async def test_the_predicates_error_reaches_the_waiter(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild("g")

    def broken() -> bool:
        if fake_discord.state.channels:
            raise LookupError("broken predicate")
        return False

    waiting = asyncio.create_task(fake_discord.wait_until(broken, "never"))
    await asyncio.sleep(0)
    fake_discord.add_channel(guild, "general")
    with pytest.raises(LookupError, match="broken predicate"):
        await asyncio.wait_for(waiting, 1)


async def test_a_wait_that_never_ends_times_out_naming_what_it_waited_for(
    fake_discord: FakeDiscord,
) -> None:
    fake_discord.emulator.timeout = 0.1
    with pytest.raises(TimeoutError, match="waiting for the impossible"):
        await fake_discord.wait_until(lambda: False, "the impossible")
    assert fake_discord.emulator._waiters == []  # nothing left behind

"""Delivery while Discord misbehaves: rate limits, server errors, a deleted channel."""

from __future__ import annotations

import asyncio

from fakediscord import FakeDiscord, Fault
from fakediscord import permissions as perms
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

MESSAGES = "/channels/{channel_id}/messages"
THREADS = "/channels/{channel_id}/messages/{message_id}/threads"


async def deliver_through(fake: FakeDiscord, bot: Masthead, *faults: Fault) -> World:
    """Publish the sample to one subscribed server while ``faults`` are armed; check that
    each fault fired and every part arrived exactly once, in order."""
    world = make_world(fake)
    await subscribe(fake, world)
    await import_and_publish(bot)
    parts = len(sample_parts())
    header, _ = await wait_delivered(fake, world.news, parts - 1)
    await asyncio.sleep(0.2)  # a late duplicate would show up by now
    assert all(f.fired == f.times for f in faults), faults
    assert len(fake.messages(world.news)) == len(header) == 1
    thread = fake.threads(world.news)[0]
    assert len(fake.threads(world.news)) == 1
    titles = [str(m.embeds[0].get("title")) for m in fake.messages(thread)]
    assert len(titles) == len(set(titles)) == parts - 1, titles
    assert [t.split(".")[0] for t in titles[:7]] == [str(n) for n in range(1, 8)]
    return world


async def test_route_rate_limits_delay_but_do_not_duplicate(
    fake_discord: FakeDiscord, masthead: Masthead
) -> None:
    limited = fake_discord.rate_limit(method="POST", route=MESSAGES, times=3, retry_after=0.2)
    await deliver_through(fake_discord, masthead, limited)


async def test_global_rate_limits_delay_but_do_not_duplicate(
    fake_discord: FakeDiscord, masthead: Masthead
) -> None:
    limited = fake_discord.rate_limit(
        method="POST", route=MESSAGES, times=2, retry_after=0.2, is_global=True
    )
    await deliver_through(fake_discord, masthead, limited)


async def test_server_errors_are_retried_without_duplicates(
    fake_discord: FakeDiscord, masthead: Masthead
) -> None:
    # 502, not 503: discord.py raises on 503 at once and retries 500/502/504 itself.
    on_message = fake_discord.server_error(method="POST", route=MESSAGES, status=502)
    on_thread = fake_discord.server_error(method="POST", route=THREADS, status=502)
    await deliver_through(fake_discord, masthead, on_message, on_thread)
    refused = [r for r in fake_discord.requests if r.status == 502]
    assert len(refused) == 2


async def test_deleted_channel_is_reported_while_another_server_gets_the_issue(
    fake_discord: FakeDiscord, masthead: Masthead
) -> None:
    ok, gone = make_world(fake_discord, "Fine"), make_world(fake_discord, "Gone")
    await subscribe(fake_discord, ok)
    await subscribe(fake_discord, gone)
    fake_discord.delete_channel(gone.news)

    await import_and_publish(masthead)
    await wait_delivered(fake_discord, ok.news, len(sample_parts()) - 1)
    general = fake_discord.add_channel(gone.guild, "general")

    shown = await wait_for_failure(fake_discord, gone, general)
    assert shown.startswith(f"<#{gone.news.id}>: channel not found")


async def test_announce_again_after_fixing_permissions_retries_a_failed_channel(
    fake_discord: FakeDiscord, masthead: Masthead
) -> None:
    world = make_world(fake_discord)
    await subscribe(fake_discord, world)
    fake_discord.deny_bot(world.news, perms.SEND_MESSAGES)
    await import_and_publish(masthead)
    await wait_for_failure(fake_discord, world)

    fake_discord.set_overwrite(world.news, fake_discord.bot)  # the moderator fixes it
    result = await subscribe(fake_discord, world)
    assert "Posting December 2023 there now." in result.content
    await wait_delivered(fake_discord, world.news, len(sample_parts()) - 1)
    shown = await fake_discord.run_command(
        world.guild, world.news, world.moderator, "setup", "show"
    )
    assert "Delivery failures" not in {f["name"] for f in shown.embeds[0]["fields"]}

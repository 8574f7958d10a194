"""Publishing to 2,000 subscribed servers answers within Discord's 3 seconds, and queues
every one of them."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Delivery, GuildSettings
from db.repositories import deliveries
from db.states import DeliveryStatus
from fakediscord import Channel, FakeDiscord, InteractionResult
from masthead.bot import Masthead
from tests.cogs.helpers import World, subscribe
from tests.cogs.schedule_helpers import store_draft

SERVERS = 2000


async def subscribe_in_bulk(fake: FakeDiscord, bot: Masthead, n: int) -> list[Channel]:
    """`n` more servers with an announce channel, in the emulator and in the database as
    /setup announce stores them (one statement, not 2,000 commands)."""
    channels = []
    for index in range(n):
        guild = fake.state.add_guild(f"Server {index}")  # no gateway event: the bot need
        channels.append(fake.state.add_channel(guild, "news"))  # not cache them to post
    rows = [{"guild_id": c.guild_id, "announce_channel_id": c.id} for c in channels]
    async with bot.sessionmaker.begin() as session:
        await session.execute(insert(GuildSettings), rows)
    return channels


async def queued_channels(bot: Masthead, issue_id: int) -> dict[int, str]:
    async with bot.sessionmaker() as session:
        stmt = select(Delivery.channel_id, Delivery.status).where(Delivery.issue_id == issue_id)
        return {channel: status for channel, status in (await session.execute(stmt)).all()}


def answered_in_time(fake: FakeDiscord, result: InteractionResult) -> float:
    """Seconds the emulator saw between sending the interaction and the bot's answer."""
    assert result.refused is None, result.refused
    assert result.latency is not None
    assert result.latency < fake.ack_window, result.latency
    return result.latency


async def test_publish_to_2000_servers_answers_in_time_and_queues_every_one(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await subscribe(fake_discord, world)
    channels = await subscribe_in_bulk(fake_discord, masthead, SERVERS - 1)
    issue = await store_draft(masthead)
    # Only the queueing is under test: posting to 2,000 servers would take minutes, and
    # the worker is woken only after the answer anyway.
    await masthead.unload_extension("cogs.delivery")

    result = await fake_discord.run_command(
        world.guild, world.news, fake_discord.owner, "issue", "publish", issue="2024-01"
    )
    latency = answered_in_time(fake_discord, result)
    print(f"/issue publish to {SERVERS} servers answered in {latency:.3f} s")
    assert result.ephemeral
    assert result.content == f"January 2024 is published: queued for {SERVERS} new channel(s)."
    queued = await queued_channels(masthead, issue.id)
    assert set(queued) == {world.news.id, *(c.id for c in channels)}
    assert len(queued) == SERVERS

    again = await fake_discord.run_command(
        world.guild, world.news, fake_discord.owner, "issue", "publish", issue="2024-01"
    )
    answered_in_time(fake_discord, again)
    assert again.content == "January 2024 is published: queued for 0 new channel(s)."
    assert len(await queued_channels(masthead, issue.id)) == SERVERS
    assert set((await queued_channels(masthead, issue.id)).values()) == {DeliveryStatus.QUEUED}


async def test_a_slow_database_gets_a_deferred_answer_not_a_refused_one(
    fake_discord: FakeDiscord,
    masthead: Masthead,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await subscribe(fake_discord, world)
    await masthead.unload_extension("cogs.delivery")
    await store_draft(masthead)
    queue = deliveries.queue_for_subscribers

    async def slow_queue(session: AsyncSession, issue_id: int) -> int:
        await asyncio.sleep(2.0)  # a database under load: past the 1.5 s deferral
        return await queue(session, issue_id)

    monkeypatch.setattr(deliveries, "queue_for_subscribers", slow_queue)
    result = await fake_discord.run_command(
        world.guild, world.news, fake_discord.owner, "issue", "publish", issue="2024-01"
    )
    answered_in_time(fake_discord, result)
    assert result.deferred
    await result.wait_message()
    assert result.ephemeral
    assert result.content == "January 2024 is published: queued for 1 new channel(s)."

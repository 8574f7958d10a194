"""Reviewing tips: the /review queue, the review channel's outbox (no channel, a channel
that refuses the bot, a new channel), and the DMs that tell tipsters."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from db.models import TipEvent
from db.states import DmStatus
from fakediscord import FakeDiscord
from fakediscord import permissions as perms
from masthead.bot import Masthead
from tests.cogs.helpers import World
from tests.cogs.tip_helpers import (
    buttons,
    decide,
    fields,
    review_channel,
    send_tip,
    stored_tips,
    wait_card,
    wait_field,
)


async def test_without_a_review_channel_tips_wait_in_review_and_get_cards_when_one_is_set(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    for n in range(3):
        await send_tip(fake_discord, world, headline=f"Story {n}: rail line opens in Tibet")
    queue = await fake_discord.run_command(world.guild, world.news, world.moderator, "review")
    assert queue.content.startswith("3 tip(s) waiting")
    assert queue.embeds[0]["title"].startswith("Story 0")  # oldest first
    assert queue.message is not None
    skipped = await fake_discord.click(
        queue.message, buttons(queue.message)["Skip"], world.moderator
    )
    assert skipped.embeds[0]["title"].startswith("Story 1")
    rejected = await decide(fake_discord, queue.message, "Reject", world.moderator, "Off topic")
    assert "Rejected" in rejected.content and "2 tip(s) waiting" in rejected.content
    assert rejected.embeds[0]["title"].startswith("Story 2")  # the next one after it

    review = await review_channel(fake_discord, world)
    cards = await wait_card(fake_discord, review, 2)
    assert sorted(c.embeds[0]["title"][:7] for c in cards) == ["Story 0", "Story 2"]


async def test_a_review_channel_that_refuses_the_bot_is_reported_and_the_tip_kept(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    review = await review_channel(fake_discord, world)
    fake_discord.deny_bot(review, perms.SEND_MESSAGES)
    answer = await send_tip(fake_discord, world)
    assert "Your tip **#" in answer.content
    reported = await _review_failure(fake_discord, world)
    assert "missing permissions" in reported and "/setup review" in reported
    assert len(await stored_tips(masthead)) == 1
    attempts = len(fake_discord.requests_to("POST", "/channels/{channel_id}/messages"))
    await send_tip(fake_discord, world, headline="A second story, about harbours")
    # No retry storm: the server waits for a moderator to fix the channel.
    assert len(fake_discord.requests_to("POST", "/channels/{channel_id}/messages")) == attempts

    fake_discord.set_overwrite(review, fake_discord.bot, allow=perms.SEND_MESSAGES)
    result = await fake_discord.run_command(
        world.guild, world.news, world.moderator, "setup", "review", channel=review
    )
    assert "Posting the 2 pending tip(s) there now" in result.content
    cards = await wait_card(fake_discord, review, 2)
    assert [c.embeds[0]["footer"]["text"] for c in cards] == ["Tip #1", "Tip #2"]
    shown = await fake_discord.run_command(
        world.guild, world.news, world.moderator, "setup", "show"
    )
    assert "Review cards" not in fields(shown)


async def _review_failure(fake: FakeDiscord, world: World) -> str:
    """The "Review cards" field of /setup show, once it appears."""
    for _ in range(50):
        shown = await fake.run_command(world.guild, world.news, world.moderator, "setup", "show")
        if "Review cards" in fields(shown):
            return fields(shown)["Review cards"]
        await asyncio.sleep(0.1)
    raise AssertionError("the review channel's failure never showed in /setup show")


async def test_a_new_review_channel_gets_the_pending_tips_cards(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    first = await review_channel(fake_discord, world, "review")
    await send_tip(fake_discord, world)
    await wait_card(fake_discord, first)
    second = await review_channel(fake_discord, world, "review-2")
    [card] = await wait_card(fake_discord, second)
    assert card.embeds[0]["title"] == "Shanghai opens Asia's largest vertical farm"
    # The decision made on the new card is the one that counts.
    await decide(fake_discord, card, "Shortlist", world.moderator)
    assert fields(card)["Status"].startswith("Shortlisted")


async def test_a_closed_dm_is_logged_once_and_never_blocks_the_decision(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    closed = fake_discord.add_user("private-reader", dm_closed=True)
    fake_discord.add_member(world.guild, closed)
    review = await review_channel(fake_discord, world)
    await send_tip(fake_discord, world, closed)
    [card] = await wait_card(fake_discord, review)
    approved = await decide(fake_discord, card, "Approve", world.moderator)
    assert approved.type == 7
    await fake_discord.wait_until(lambda: _dm_attempts(fake_discord) >= 1, "the bot to try")
    status = await _settled_dm_status(masthead)
    assert status is DmStatus.FAILED
    assert fields(card)["Status"].startswith("Approved")
    masthead.dispatch("tips_changed")  # another pass of the outbox: no second attempt
    await send_tip(fake_discord, world, headline="Another story entirely, about ports")
    await wait_card(fake_discord, review, 2)
    assert _dm_attempts(fake_discord) == 1


async def test_a_reader_who_switched_dms_off_gets_none(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    review = await review_channel(fake_discord, world)
    page = await fake_discord.run_command(world.guild, world.news, world.reader, "mytips")
    assert page.message is not None
    await fake_discord.click(
        page.message, buttons(page.message)["Turn decision DMs off"], world.reader
    )
    await send_tip(fake_discord, world)
    [card] = await wait_card(fake_discord, review)
    await decide(fake_discord, card, "Reject", world.moderator, "Not news")
    assert await _settled_dm_status(masthead) is DmStatus.SKIPPED
    assert fake_discord.dms(world.reader) == []
    await wait_field(fake_discord, card, "Reason", "Not news")


def _dm_attempts(fake: FakeDiscord) -> int:
    dm_channels = set(fake.state.dm_channels.values())
    return sum(
        1
        for r in fake.requests_to("POST", "/channels/{channel_id}/messages")
        if int(r.path.split("/")[-2]) in dm_channels
    )


async def _settled_dm_status(bot: Masthead) -> DmStatus:
    """The one decision's DM state, once the outbox has dealt with it."""
    for _ in range(50):
        async with bot.sessionmaker() as session:
            query = select(TipEvent.dm_status).where(TipEvent.action != "submitted")
            [status] = list((await session.execute(query)).scalars())
        if status is not DmStatus.PENDING:
            return status
        await asyncio.sleep(0.1)
    raise AssertionError("the decision's DM stayed pending")

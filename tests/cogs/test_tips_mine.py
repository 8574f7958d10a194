"""/mytips: a reader's own tips; withdrawing one; forget me, end to end."""

from __future__ import annotations

from fakediscord import FakeDiscord
from masthead.bot import Masthead
from tests.cogs.helpers import World
from tests.cogs.tip_helpers import (
    buttons,
    decide,
    review_channel,
    send_tip,
    stored_tips,
    wait_card,
    wait_field,
)
from tests.db.test_tips_forget import _columns_holding as columns_holding


async def test_mytips_lists_tips_and_withdraws_a_pending_one(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    review = await review_channel(fake_discord, world)
    await send_tip(fake_discord, world, headline="Wuhan opens a new metro line to the airport")
    [card] = await wait_card(fake_discord, review)
    page = await fake_discord.run_command(world.guild, world.news, world.reader, "mytips")
    assert page.ephemeral and page.message is not None
    assert "Wuhan opens a new metro line" in page.embeds[0]["description"]
    [tip] = await stored_tips(masthead)

    # Someone else's page answers only its reader.
    refused = await fake_discord.select(
        page.message, f"mytips:withdraw:{world.reader.id}", [str(tip.id)], world.moderator
    )
    assert "someone else's" in refused.content

    withdrawn = await fake_discord.select(
        page.message, f"mytips:withdraw:{world.reader.id}", [str(tip.id)], world.reader
    )
    assert f"Tip #{tip.id} is withdrawn" in withdrawn.content
    await wait_field(fake_discord, card, "Status", "Withdrawn by the reader")
    assert buttons(card) == {}
    [tip] = await stored_tips(masthead)
    assert tip.status.value == "withdrawn"


async def test_forget_me_asks_first_then_leaves_no_trace_of_the_reader(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    review = await review_channel(fake_discord, world)
    await send_tip(fake_discord, world, headline="Pending: a bridge opens over the Yangtze")
    await send_tip(fake_discord, world, headline="Kept: Xiamen bans plastic bags this year")
    # The reader also backs a moderator's tip, and sends an anonymous one.
    await send_tip(fake_discord, world, world.moderator, headline="Hangzhou hosts robot games")
    await send_tip(fake_discord, world, headline="Hangzhou hosts the robot games")
    await send_tip(
        fake_discord, world, headline="Anonymous: Tianjin port automates", anonymous=True
    )
    pending, kept, backed, anonymous = await wait_card(fake_discord, review, 4)
    await decide(fake_discord, kept, "Approve", world.moderator, "Good one")
    await wait_field(fake_discord, backed, "Votes", "2")

    page = await fake_discord.run_command(world.guild, world.news, world.reader, "mytips")
    assert page.message is not None
    asked = await fake_discord.click(
        page.message, buttons(page.message)["Forget me…"], world.reader
    )
    assert "cannot be undone" in asked.content
    async with masthead.sessionmaker() as session:
        assert await columns_holding(session, world.reader.id)  # nothing happened yet
    done = await fake_discord.click(
        page.message, buttons(page.message)["Yes, forget me"], world.reader
    )
    assert done.content.startswith("Done. 2 tip(s) deleted, 1 kept without your name, 1 vote")

    async with masthead.sessionmaker() as session:
        assert await columns_holding(session, world.reader.id) == []
    # The pending tips' cards go; the kept one stays, without a name; the vote is gone.
    await fake_discord.wait_until(
        lambda: {m.id for m in fake_discord.messages(review)} == {kept.id, backed.id},
        "the forgotten reader's pending cards to be deleted",
    )
    assert pending.deleted and anonymous.deleted
    await wait_field(fake_discord, kept, "Sent by", "anonymous")
    await wait_field(fake_discord, backed, "Votes", "1")

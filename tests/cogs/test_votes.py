"""The "Helpful?" buttons under each posted item."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fakediscord import FakeDiscord, InteractionResult, Message, User
from masthead.bot import Masthead
from tests.cogs.helpers import (
    SAMPLE,
    World,
    import_and_publish,
    restart,
    subscribe,
    wait_delivered,
)
from tests.cogs.test_issue_import import press, preview
from tests.cogs.test_publishing import sample_parts

COUNTS = "moderators see"


async def first_item(fake: FakeDiscord, bot: Masthead, world: World) -> Message:
    """Publish the sample to the world's channel; the thread message of item 1."""
    await subscribe(fake, world)
    await import_and_publish(bot)
    _, posted = await wait_delivered(fake, world.news, len(sample_parts()) - 1)
    return next(m for m in posted if m.embeds[0].get("title", "").startswith("1."))


async def vote(fake: FakeDiscord, message: Message, user: User, helpful: bool) -> InteractionResult:
    label = "Helpful" if helpful else "Not helpful"
    custom_id = next(
        c["custom_id"]
        for row in message.components
        for c in row["components"]
        if c.get("label") == label
    )
    result = await fake.click(message, custom_id, user)
    assert result.ephemeral
    return result


async def test_each_item_has_helpful_buttons(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    item = await first_item(fake_discord, masthead, world)
    labels = [c["label"] for row in item.components for c in row["components"]]
    assert labels == ["Helpful", "Not helpful"]


async def test_clicking_twice_changes_the_vote_instead_of_adding_one(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    item = await first_item(fake_discord, masthead, world)
    first = await vote(fake_discord, item, world.reader, helpful=True)
    assert first.content == "Thanks for your feedback!"
    again = await vote(fake_discord, item, world.reader, helpful=True)
    assert again.content == "Your vote is updated."
    await vote(fake_discord, item, world.reader, helpful=False)
    seen = await vote(fake_discord, item, world.moderator, helpful=True)
    # The reader's one vote is now "not helpful"; the moderator's is the only "helpful".
    assert seen.content.endswith("(moderators see: 👍 1 · 👎 1)")


async def test_readers_do_not_see_the_counts(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    item = await first_item(fake_discord, masthead, world)
    await vote(fake_discord, item, world.moderator, helpful=True)
    result = await vote(fake_discord, item, world.reader, helpful=True)
    assert COUNTS not in result.content


async def test_moderator_role_is_checked_when_the_button_is_pressed(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    item = await first_item(fake_discord, masthead, world)
    helpers = fake_discord.add_role(world.guild, "Helpers")
    await fake_discord.run_command(
        world.guild, world.news, world.moderator, "setup", "moderators", role=helpers
    )
    fake_discord.set_roles(world.guild, world.reader, [helpers])
    as_moderator = await vote(fake_discord, item, world.reader, helpful=True)
    assert COUNTS in as_moderator.content

    fake_discord.set_roles(world.guild, world.reader, [])
    as_reader = await vote(fake_discord, item, world.reader, helpful=True)
    assert COUNTS not in as_reader.content


async def test_vote_buttons_work_after_a_restart(
    fake_discord: FakeDiscord,
    masthead: Masthead,
    world: World,
    run_bot: Callable[..., Awaitable[Any]],
) -> None:
    item = await first_item(fake_discord, masthead, world)
    await vote(fake_discord, item, world.reader, helpful=False)
    await restart(fake_discord, masthead, run_bot)
    result = await vote(fake_discord, item, world.moderator, helpful=True)
    assert result.content == "Thanks for your feedback! (moderators see: 👍 1 · 👎 1)"


async def test_a_double_click_counts_one_vote(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    item = await first_item(fake_discord, masthead, world)
    # Both clicks leave the client before the bot has stored either.
    answers = await asyncio.gather(
        vote(fake_discord, item, world.reader, helpful=True),
        vote(fake_discord, item, world.reader, helpful=True),
    )
    assert sorted(a.content for a in answers) == [
        "Thanks for your feedback!",
        "Your vote is updated.",
    ]
    seen = await vote(fake_discord, item, world.moderator, helpful=False)
    assert seen.content.endswith("(moderators see: 👍 1 · 👎 1)")


async def test_votes_survive_an_editor_replacing_the_issue_text(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    item = await first_item(fake_discord, masthead, world)
    await vote(fake_discord, item, world.reader, helpful=False)
    edited = SAMPLE.read_text(encoding="utf-8").replace("Xiaomi", "XIAOMI")
    result = await preview(fake_discord, world, edited.encode(), "2023-12.txt")
    confirmed = await press(fake_discord, result, "Confirm")
    assert "Replaced the stored text of December 2023." in str(confirmed.embeds[0]["fields"])
    # The buttons already posted still point at the same item, and its votes are kept.
    seen = await vote(fake_discord, item, world.moderator, helpful=True)
    assert seen.content == "Thanks for your feedback! (moderators see: 👍 1 · 👎 1)"

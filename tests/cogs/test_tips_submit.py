"""Sending a tip: what is refused and why, Try again, the rate limit, Suggest as tip,
duplicates and already-covered stories, anonymity. End to end through fakediscord."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from db.repositories import tips
from fakediscord import FakeDiscord
from masthead.bot import Masthead
from tests.cogs.helpers import World, import_and_publish, make_world, subscribe, wait_delivered
from tests.cogs.test_publishing import sample_parts
from tests.cogs.tip_helpers import (
    buttons,
    fields,
    review_channel,
    send_tip,
    stored_tips,
    wait_card,
)

HEADLINE = "Shanghai opens Asia's largest vertical farm"


@pytest.mark.parametrize(
    ("link", "problem"),
    [
        ("javascript:alert(1)", "http:// or https://"),
        ("data:text/html,<script>alert(1)</script>", "http:// or https://"),
        ("https://user:secret@example.com/a", "user name or password"),
        ("https://a.example/x https://b.example/y", "one link only"),
        ("https://exa mple.com/x", "must not contain spaces"),
        ("https://", "needs a host name"),
    ],
)
async def test_a_bad_link_is_refused_with_what_to_fix_and_nothing_stored(
    fake_discord: FakeDiscord, masthead: Masthead, world: World, link: str, problem: str
) -> None:
    answer = await send_tip(fake_discord, world, link=link)
    assert answer.ephemeral and "not sent" in answer.content
    assert problem in answer.content
    assert list(buttons(answer.message)) == ["Try again"]  # type: ignore[arg-type]
    assert await stored_tips(masthead) == []


async def test_try_again_reopens_the_form_with_what_was_typed(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    refused = await send_tip(
        fake_discord, world, link="javascript:alert(1)", why="It matters because."
    )
    assert refused.message is not None
    reopened = await fake_discord.click(
        refused.message, buttons(refused.message)["Try again"], world.reader
    )
    assert reopened.modal is not None
    prefilled = form_values(reopened.modal)
    assert prefilled == {
        "headline": HEADLINE,
        "link": "javascript:alert(1)",
        "why": "It matters because.",
    }
    fixed = await fake_discord.submit_modal(reopened, {"link": "https://example.com/farm"})
    assert "Your tip **#" in fixed.content
    [tip] = await stored_tips(masthead)
    assert (tip.headline, tip.link, tip.why) == (
        HEADLINE,
        "https://example.com/farm",
        "It matters because.",
    )


async def test_hostile_text_is_stored_as_typed_and_shown_inert(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    review = await review_channel(fake_discord, world)
    headline = f"@everyone <@&{world.mod_role.id}> <@{world.moderator.id}> **big** news"
    why = "[click me](https://evil.example) \u202egnp.exe\u200b and =HYPERLINK(1)"
    answer = await send_tip(fake_discord, world, headline=headline, why=why)
    assert "Your tip **#" in answer.content
    [tip] = await stored_tips(masthead)
    assert tip.headline == headline  # kept as the reader typed it
    assert "\u202e" not in (tip.why or "") and "\u200b" not in (tip.why or "")
    [card] = await wait_card(fake_discord, review)
    # Nothing pinged: no mention resolved on any message the bot sent.
    assert not card.mention_everyone and not card.mentions and not card.mention_roles
    title = card.embeds[0]["title"]
    assert "@\u200beveryone" in title and "\\*\\*big\\*\\*" in title
    assert "\\[click me](" in fields(card)["Why it matters"]  # no longer a masked link


async def test_ten_thousand_characters_are_refused_by_the_form_and_the_bot(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    opened = await fake_discord.run_command(world.guild, world.news, world.reader, "tip")
    # The form caps each field as Discord's client does…
    with pytest.raises(ValueError, match="length 10000"):
        await fake_discord.submit_modal(opened, {"headline": "x" * 10_000})
    # …and the bot cleans what it gets before checking it again: blank padding, invisible
    # characters and runs of spaces do not count towards the 10 characters.
    padded = await send_tip(fake_discord, world, headline="   ab\u200b\u200b\u200b   cd    ")
    assert "too short" in padded.content
    answer = await send_tip(fake_discord, world, headline="  Trains\u200b   are   faster   ")
    assert "Your tip **#" in answer.content
    [tip] = await stored_tips(masthead)
    assert tip.headline == "Trains are faster"


async def test_the_rate_limit_says_when_to_come_back(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    masthead.settings = dataclasses.replace(masthead.settings, tip_limit_per_hour=2)
    for n in range(2):
        sent = await send_tip(fake_discord, world, headline=f"Story number {n} about trains")
        assert "Your tip **#" in sent.content
    refused = await fake_discord.run_command(world.guild, world.news, world.reader, "tip")
    assert refused.modal is None and refused.ephemeral
    assert "the most allowed" in refused.content and ":R>" in refused.content
    assert len(await stored_tips(masthead)) == 2


async def test_suggest_as_tip_prefills_the_form_from_a_chat_message(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    posted = fake_discord.post_message(
        world.news,
        world.moderator,
        "Huge: Chengdu launches driverless buses <@123> https://news.example/bus?utm_source=x "
        "more details in the thread",
    )
    opened = await fake_discord.run_message_command(
        world.guild, world.news, world.reader, "Suggest as tip", posted
    )
    assert opened.modal is not None
    values = form_values(opened.modal)
    assert values["link"] == "https://news.example/bus?utm_source=x"
    assert "Chengdu launches driverless buses" in values["headline"]
    assert "<@123>" not in values["headline"] + values["why"]
    answer = await fake_discord.submit_modal(opened, {})
    assert "Your tip **#" in answer.content
    [tip] = await stored_tips(masthead)
    assert tip.user_id == world.reader.id and tip.link == values["link"]


async def test_suggest_as_tip_leaves_why_to_the_reader_when_the_message_is_a_bare_link_post(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    posted = fake_discord.post_message(
        world.news, world.moderator, "https://news.example/bus — Chengdu launches driverless buses"
    )
    opened = await fake_discord.run_message_command(
        world.guild, world.news, world.reader, "Suggest as tip", posted
    )
    assert opened.modal is not None
    values = form_values(opened.modal)
    assert values["headline"] == "Chengdu launches driverless buses"
    assert values["link"] == "https://news.example/bus"
    assert values["why"] == ""


async def test_a_duplicate_link_votes_for_the_original_across_servers(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    review = await review_channel(fake_discord, world)
    other = make_world(fake_discord, "Elsewhere")
    await fake_discord.wait_until(lambda: masthead.get_guild(other.guild.id), "guild cached")
    await send_tip(fake_discord, world, link="https://www.Example.com/story/?utm_source=tw#top")
    [card] = await wait_card(fake_discord, review)
    again = await send_tip(
        fake_discord,
        other,
        headline="A completely different wording here",
        link="http://example.com/story",
    )
    assert "already suggested" in again.content and "2 votes" in again.content
    assert len(await stored_tips(masthead)) == 1
    await fake_discord.wait_until(lambda: fields(card)["Votes"] == "2", "the card to count 2")
    # The outbox's edit, outside any interaction, still says it pings no one.
    [edit] = fake_discord.requests_to("PATCH", "/channels/{channel_id}/messages/{message_id}")
    assert edit.body["allowed_mentions"] == {"parse": []}


async def test_a_near_identical_headline_is_a_duplicate_and_the_author_is_not_a_voter(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await send_tip(fake_discord, world, headline="China's BYD overtakes Tesla in global EV sales")
    mine = await send_tip(
        fake_discord, world, headline="China's BYD overtakes Tesla in global EV sales!"
    )
    assert "already sent or backed" in mine.content
    theirs = await send_tip(
        fake_discord, world, world.moderator, headline="BYD overtakes Tesla in global EV sales"
    )
    assert "already suggested" in theirs.content and "2 votes" in theirs.content
    assert len(await stored_tips(masthead)) == 1


async def test_a_tip_about_a_published_item_is_answered_with_that_item(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await subscribe(fake_discord, world)
    await import_and_publish(masthead)
    await wait_delivered(fake_discord, world.news, len(sample_parts()) - 1)
    latest = await masthead.published.latest()
    assert latest is not None
    item = latest.items[3]
    answer = await send_tip(fake_discord, world, headline=item.title)
    assert f"Already covered in December 2023, item {item.number}" in answer.content
    assert f"https://discord.com/channels/{world.guild.id}/" in answer.content  # jump link
    assert await stored_tips(masthead) == []


async def test_an_anonymous_tip_never_shows_its_author_to_moderators(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    review = await review_channel(fake_discord, world)
    receipt = await send_tip(fake_discord, world, anonymous=True)
    assert "without seeing who sent it" in receipt.content
    [card] = await wait_card(fake_discord, review)
    assert fields(card)["Sent by"] == "anonymous"
    queue = await fake_discord.run_command(world.guild, world.news, world.moderator, "review")
    assert fields(queue)["Sent by"] == "anonymous"
    shown = str(card.embeds) + str(queue.embeds) + queue.content
    assert str(world.reader.id) not in shown
    [tip] = await stored_tips(masthead)
    assert tip.user_id == world.reader.id  # kept for the rate limit, DMs and /mytips


async def test_an_answer_kept_waiting_by_other_submissions_is_deferred_not_lost(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    # Another submission holds the submissions' lock for longer than Discord waits.
    async with masthead.sessionmaker.begin() as session:
        await tips._serialize_submissions(session)
        sending = asyncio.create_task(send_tip(fake_discord, world))
        await asyncio.sleep(2.5)
    answer = await sending
    assert answer.deferred and answer.refused is None
    assert "Your tip **#" in answer.content
    assert len(await stored_tips(masthead)) == 1


async def test_suggest_as_tip_on_a_posted_item_takes_its_title_not_its_number(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await subscribe(fake_discord, world)
    await import_and_publish(masthead)
    _, posted = await wait_delivered(fake_discord, world.news, len(sample_parts()) - 1)
    item = next(m for m in posted if m.embeds[0].get("title", "").startswith("2."))
    opened = await fake_discord.run_message_command(
        world.guild, item_thread(fake_discord, world), world.reader, "Suggest as tip", item
    )
    assert opened.modal is not None
    values = form_values(opened.modal)
    assert values["headline"] and not values["headline"].startswith("2.")
    assert values["headline"][:40] in item.embeds[0]["title"]


def item_thread(fake: FakeDiscord, world: World) -> Any:
    [thread] = fake.threads(world.news)
    return thread


def form_values(modal: dict[str, Any]) -> dict[str, str]:
    """The form's prefilled values by input, "" where none is given."""
    return {
        c["custom_id"]: c.get("value", "")
        for row in modal["components"]
        for c in ([row["component"]] if "component" in row else row["components"])
    }

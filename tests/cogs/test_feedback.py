"""/feedback end to end: scripted votes, /item and Full text opens, /latest menu opens,
searches that find nothing and a tip, then the report Discord receives."""

from __future__ import annotations

import io
import re
from collections.abc import Awaitable, Callable
from typing import Any

from PIL import Image

from fakediscord import FakeDiscord, InteractionResult, Message, User
from masthead.bot import Masthead
from tests.cogs.helpers import World, import_and_publish, restart, subscribe, wait_delivered
from tests.cogs.test_full_text import custom_id
from tests.cogs.test_publishing import sample_parts
from tests.cogs.test_votes import vote
from tests.cogs.tip_helpers import fields, send_tip

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# "**3.** Title — 👍 1 · 👎 0 · 🔎 2 · 📄 1"
ITEM_LINE = re.compile(r"^\*\*(\d+)\.\*\* .* — 👍 (\d+) · 👎 (\d+) · 🔎 (\d+) · 📄 (\d+)$")
SEARCHES = "Searches that found nothing (while this issue was the latest)"
TIPS = "Tips for January 2024"


async def published_items(fake: FakeDiscord, bot: Masthead, world: World) -> dict[int, Message]:
    """Publish the sample to the world's channel: item number → its last thread message."""
    await subscribe(fake, world)
    await import_and_publish(bot)
    _, posted = await wait_delivered(fake, world.news, len(sample_parts()) - 1)
    found: dict[int, Message] = {}
    for message in posted:
        match = re.match(r"(\d+)\.", message.embeds[0].get("title", ""))
        if match:
            found[int(match[1])] = message
    return found


async def open_item(fake: FakeDiscord, world: World, user: User, number: int) -> Message:
    card = await fake.run_command(world.guild, world.news, user, "item", number=number)
    assert card.message is not None and card.embeds[0]["title"].startswith(f"{number}.")
    return card.message


async def open_full_text(fake: FakeDiscord, card: Message, user: User) -> None:
    opened = await fake.click(card, custom_id(card, "Full text"), user)
    assert opened.type == 4 and opened.ephemeral


async def search_nothing(fake: FakeDiscord, world: World, query: str) -> None:
    result = await fake.run_command(world.guild, world.news, world.reader, "search", query=query)
    assert result.content.startswith("Nothing found"), result.content


async def feedback(
    fake: FakeDiscord, world: World, user: User, **options: Any
) -> InteractionResult:
    result = await fake.run_command(world.guild, world.news, user, "feedback", **options)
    await result.wait_message()
    return result


def report_of(result: InteractionResult) -> tuple[dict[str, Any], Any]:
    """The report's embed and its attachment, from the answer or its first followup."""
    message = result.followups[0] if result.followups else result.message
    assert message is not None and message.embeds, result
    return message.embeds[0], message


def item_counts(embed: dict[str, Any]) -> dict[int, tuple[int, int, int, int]]:
    counts = {}
    for line in embed["description"].splitlines():
        match = ITEM_LINE.match(line)
        if match:
            number, *values = (int(v) for v in match.groups())
            counts[number] = (values[0], values[1], values[2], values[3])
    return counts


async def script_feedback(fake: FakeDiscord, bot: Masthead, world: World) -> None:
    """Votes, lookups, empty searches and a tip, each a known number of times."""
    items = await published_items(fake, bot, world)
    await vote(fake, items[1], world.reader, helpful=True)
    await vote(fake, items[1], world.moderator, helpful=False)
    await vote(fake, items[2], world.reader, helpful=False)
    await vote(fake, items[2], world.reader, helpful=True)  # changed, still one vote
    card = await open_item(fake, world, world.reader, 3)
    await open_full_text(fake, card, world.reader)
    await open_full_text(fake, card, world.moderator)
    await open_item(fake, world, world.moderator, 3)
    await open_item(fake, world, world.reader, 1)
    latest = await fake.run_command(world.guild, world.news, world.reader, "latest")
    assert latest.message is not None
    menu = next(c for row in latest.components for c in row["components"] if c["type"] == 3)
    await fake.select(latest.message, str(menu["custom_id"]), ["4"], world.reader)
    # Three spellings of one query, after normalization; a search that finds something.
    await search_nothing(fake, world, "Zzqx  Unfound")
    await search_nothing(fake, world, "ＺＺＱＸ unfound")
    await search_nothing(fake, world, "zzqx\tUNFOUND ")
    await search_nothing(fake, world, "@everyone nothingburger")
    found = await fake.run_command(world.guild, world.news, world.reader, "search", query="DRAM")
    assert found.embeds and found.embeds[0]["title"].startswith("Search:")
    answer = await send_tip(fake, world, headline="Hangzhou robots sort parcels overnight")
    assert "Thanks!" in answer.content, answer.content


async def test_feedback_reports_exactly_the_scripted_counts_with_a_png_chart(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await script_feedback(fake_discord, masthead, world)
    await masthead.lookups.flush()

    embed, message = report_of(await feedback(fake_discord, world, world.moderator))
    counts = item_counts(embed)
    assert counts[1] == (1, 1, 1, 0)
    assert counts[2] == (1, 0, 0, 0)
    assert counts[3] == (0, 0, 2, 2)
    assert counts[4] == (0, 0, 1, 0)  # opened from the /latest menu
    assert set(counts) == set(range(1, len(counts) + 1)) and len(counts) >= 5
    assert all(c == (0, 0, 0, 0) for n, c in counts.items() if n > 4)
    searches = fields(message)[SEARCHES].splitlines()
    assert searches[0] == "`   3×` zzqx unfound"
    assert searches[1].startswith("`   1×` ") and "nothingburger" in searches[1]
    assert "@everyone" not in searches[1]  # shown inert
    assert len(searches) == 2
    assert fields(message)[TIPS] == "pending 1"
    assert len(embed["description"]) <= 4096 and len(embed.get("fields", [])) <= 25

    assert embed["image"]["url"] == "attachment://feedback.png"
    [chart] = message.attachments
    assert chart.filename == "feedback.png" and chart.data.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(chart.data)) as image:
        image.load()
        assert image.format == "PNG" and image.width > 0 and image.height > 0
    assert fake_discord.unexpected_violations() == []


async def test_counts_are_written_when_the_bot_closes_and_add_up_across_runs(
    fake_discord: FakeDiscord,
    masthead: Masthead,
    world: World,
    run_bot: Callable[..., Awaitable[Any]],
) -> None:
    await published_items(fake_discord, masthead, world)
    await open_item(fake_discord, world, world.reader, 2)
    await search_nothing(fake_discord, world, "qqvw")
    fresh = await restart(fake_discord, masthead, run_bot)  # no flush but the closing one
    try:
        await open_item(fake_discord, world, world.reader, 2)
        await search_nothing(fake_discord, world, "QQVW")
        await fresh.lookups.flush()
        embed, message = report_of(await feedback(fake_discord, world, fake_discord.owner))
    finally:
        await fresh.close()
    assert item_counts(embed)[2] == (0, 0, 2, 0)
    assert fields(message)[SEARCHES] == "`   2×` qqvw"


async def test_nothing_counted_reads_as_zeros_and_none(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead)
    embed, message = report_of(await feedback(fake_discord, world, world.moderator))
    assert item_counts(embed) and set(item_counts(embed).values()) == {(0, 0, 0, 0)}
    assert fields(message)[SEARCHES] == "None counted."
    assert fields(message)[TIPS] == "none yet"


async def test_a_reader_is_refused(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead)
    result = await feedback(fake_discord, world, world.reader)
    message = result.followups[0] if result.followups else result.message
    assert message is not None and message.ephemeral
    assert message.content.startswith("Only moderators")
    assert not message.embeds and not message.attachments


async def test_an_unknown_or_hostile_issue_is_named_not_found(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead)
    hostile = ("2031-05", "\x00\x01", "<@&1> `x`" * 300, "\ud800", "December 2023" * 20)
    for text in hostile:
        result = await feedback(fake_discord, world, world.moderator, issue=text)
        message = result.followups[0] if result.followups else result.message
        assert message is not None, text
        assert message.content.startswith("No published issue matches"), message.content
        assert len(message.content) < 200
        assert "\x00" not in message.content and "\ud800" not in message.content
    for text in ("2023-12", " december 2023 ", "2023-12" + " " * 300):
        embed, _ = report_of(await feedback(fake_discord, world, world.moderator, issue=text))
        assert embed["title"] == "Feedback: December 2023"

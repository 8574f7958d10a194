"""/item's buttons (full text, paged; jump to post), /item's issue option, /latest's menu."""

from __future__ import annotations

import gc
from pathlib import Path

import discord
import pytest

from fakediscord import FakeDiscord, InteractionResult, Message
from masthead.bot import Masthead
from tests.cogs.helpers import (
    World,
    import_and_publish,
    issue_text,
    make_world,
    subscribe,
    wait_delivered,
)
from tests.cogs.test_publishing import sample_parts

PARAGRAPH = " ".join(["The factory in Hefei makes cells for storage containers."] * 12)
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
LONG_BODY = "\n\n".join(f"Part {n}. {PARAGRAPH}" for n in range(1, 15))  # ~10,000 chars


def components(message: Message) -> list[dict[str, object]]:
    return [c for row in message.components for c in row["components"]]


def custom_id(message: Message, label: str) -> str:
    return str(next(c["custom_id"] for c in components(message) if c.get("label") == label))


async def publish_long_issue(bot: Masthead, tmp_path: Path) -> None:
    text = issue_text(
        bodies={"A short note": "Just one line of text.", "Batteries everywhere": LONG_BODY}
    )
    path = tmp_path / "2024-01.txt"
    path.write_text(text, encoding="utf-8")
    await import_and_publish(bot, path)


async def open_full_text(fake: FakeDiscord, world: World, number: int) -> InteractionResult:
    card = await fake.run_command(world.guild, world.news, world.reader, "item", number=number)
    assert card.message is not None
    opened = await fake.click(card.message, custom_id(card.message, "Full text"), world.reader)
    assert opened.type == 4 and opened.ephemeral
    return opened


async def test_long_full_text_opens_paged_and_pages_edit_in_place(
    fake_discord: FakeDiscord, masthead: Masthead, world: World, tmp_path: Path
) -> None:
    await publish_long_issue(masthead, tmp_path)
    opened = await open_full_text(fake_discord, world, 2)
    first = opened.embeds[0]
    assert first["footer"]["text"].endswith("page 1/3")
    message = opened.message
    assert message is not None
    assert [(c["label"], c.get("disabled", False)) for c in components(message)] == [
        ("◀ Previous", True),
        ("Next ▶", False),
    ]
    pages = [first["description"]]
    for expected in (2, 3):
        turned = await fake_discord.click(message, custom_id(message, "Next ▶"), world.reader)
        assert turned.type == 7  # the same ephemeral message, edited
        message = turned.message
        assert message is not None
        assert message.embeds[0]["footer"]["text"].endswith(f"page {expected}/3")
        pages.append(message.embeds[0]["description"])
    assert components(message)[1].get("disabled") is True
    back = await fake_discord.click(message, custom_id(message, "◀ Previous"), world.reader)
    assert back.embeds[0]["footer"]["text"].endswith("page 2/3")
    # Split between paragraphs: every page is whole paragraphs, nothing lost.
    assert "\n\n".join(pages).split() == LONG_BODY.split()
    assert all(page.endswith("containers.") for page in pages)


async def test_short_full_text_has_no_page_buttons(
    fake_discord: FakeDiscord, masthead: Masthead, world: World, tmp_path: Path
) -> None:
    await publish_long_issue(masthead, tmp_path)
    opened = await open_full_text(fake_discord, world, 1)
    assert opened.embeds[0]["description"] == "Just one line of text."
    assert opened.components == []


async def test_jump_link_points_at_the_item_in_this_servers_thread(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await subscribe(fake_discord, world)
    await import_and_publish(masthead)
    _, posted = await wait_delivered(fake_discord, world.news, len(sample_parts()) - 1)
    thread = fake_discord.threads(world.news)[0]
    item3 = next(m for m in posted if m.embeds[0].get("title", "").startswith("3."))

    card = await fake_discord.run_command(world.guild, world.news, world.reader, "item", number=3)
    assert card.message is not None
    links = [c["url"] for c in components(card.message) if c.get("label") == "Jump to post"]
    assert links == [f"https://discord.com/channels/{world.guild.id}/{thread.id}/{item3.id}"]


async def test_no_jump_link_where_the_item_was_not_posted(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await subscribe(fake_discord, world)
    await import_and_publish(masthead)
    await wait_delivered(fake_discord, world.news, len(sample_parts()) - 1)
    elsewhere = make_world(fake_discord, "Elsewhere")  # never subscribed

    card = await fake_discord.run_command(
        elsewhere.guild, elsewhere.news, elsewhere.reader, "item", number=3
    )
    assert card.message is not None
    assert [c["label"] for c in components(card.message)] == ["Full text"]


async def test_item_with_an_unknown_issue_says_so(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead)
    result = await fake_discord.run_command(
        world.guild, world.news, world.reader, "item", number=1, issue="'; DROP TABLE items; --"
    )
    assert result.ephemeral
    assert result.content == 'No published issue matches "\'; DROP TABLE items; --".'


@pytest.mark.parametrize("number", [0, 100])
async def test_item_number_out_of_range_never_reaches_the_bot(
    fake_discord: FakeDiscord, masthead: Masthead, world: World, number: int
) -> None:
    # Discord's client enforces the registered 1–99 range; the emulator does too.
    with pytest.raises(ValueError, match=r"outside 1\.\.99"):
        await fake_discord.run_command(world.guild, world.news, world.reader, "item", number=number)
    assert fake_discord.requests_to("POST", CALLBACK) == []
    await fake_discord.run_command(world.guild, world.news, world.reader, "item", number=1)
    assert len(fake_discord.requests_to("POST", CALLBACK)) == 1  # the route is the right one


async def test_latest_menu_opens_an_item_card(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead)
    latest = await fake_discord.run_command(world.guild, world.news, world.reader, "latest")
    assert latest.message is not None
    menu = components(latest.message)[0]
    opened = await fake_discord.select(latest.message, str(menu["custom_id"]), ["4"], world.reader)
    assert opened.ephemeral
    assert opened.embeds[0]["title"].startswith("4. China memory chip maker CXMT")
    assert opened.embeds[0]["footer"]["text"].endswith("item 4/7")


async def test_item_in_a_direct_message_has_no_jump_link(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await subscribe(fake_discord, world)
    await import_and_publish(masthead)
    await wait_delivered(fake_discord, world.news, len(sample_parts()) - 1)
    dm = fake_discord.dm_channel(world.reader)
    card = await fake_discord.run_command(None, dm, world.reader, "item", number=3)
    assert card.message is not None
    assert card.embeds[0]["title"].startswith("3. Xiaomi")
    assert [c["label"] for c in components(card.message)] == ["Full text"]


async def test_answers_leave_no_view_in_memory_and_their_menus_still_work(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    # discord.py keeps a sent view (an ephemeral one for 15 minutes) unless it is
    # finished; every Masthead component routes by its custom id, so none is kept.
    await import_and_publish(masthead)
    for _ in range(3):
        latest = await fake_discord.run_command(world.guild, world.news, world.reader, "latest")
        card = await fake_discord.run_command(
            world.guild, world.news, world.reader, "item", number=2
        )
    gc.collect()
    assert [o for o in gc.get_objects() if isinstance(o, discord.ui.View)] == []
    assert latest.message is not None and card.message is not None
    menu = components(latest.message)[0]
    opened = await fake_discord.select(latest.message, str(menu["custom_id"]), ["5"], world.reader)
    assert opened.embeds[0]["footer"]["text"].endswith("item 5/7")
    full = components(card.message)[0]
    text = await fake_discord.click(card.message, str(full["custom_id"]), world.reader)
    assert text.embeds[0]["title"].startswith("2.")

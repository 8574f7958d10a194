"""/latest groups titles by section and pages an issue with many items; /item reaches 99.
End to end through fakediscord, with a real issue of 116 items in 10 sections."""

from __future__ import annotations

import re
from typing import Any

import pytest

from fakediscord import FakeDiscord, Message
from masthead.bot import Masthead
from tests.cogs.helpers import World, import_and_publish
from tests.cogs.test_full_text import components, custom_id
from tests.newsletter.corpus import CORPUS

WEEKLY = CORPUS / "this-week-in-rust" / "2024-07-17-this-week-in-rust.md"
NUMBER = re.compile(r"\*\*(\d+)\.\*\*")


def numbers(message_or_embed: dict[str, object]) -> list[int]:
    return [int(n) for n in NUMBER.findall(str(message_or_embed["description"]))]


def menu(message: Message) -> dict[str, Any]:
    return next(c for c in components(message) if c.get("type") == 3)


async def test_latest_pages_titles_grouped_by_section(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead, WEEKLY)
    result = await fake_discord.run_command(world.guild, world.news, world.reader, "latest")
    message = result.message
    assert message is not None
    first = result.embeds[0]
    description = str(first["description"])
    assert description.startswith(
        "__Newsletters__\n**1.** This Month in Rust OSDev: June 2024\n\n__Project/Tooling Updates__"
    )
    assert first["footer"]["text"].endswith("page 1/5")
    options = menu(message)["options"]
    assert isinstance(options, list) and len(options) == 25
    assert options[0]["description"] == "Newsletters"
    assert [(c["label"], c.get("disabled", False)) for c in components(message)[1:]] == [
        ("◀ Previous", True),
        ("Next ▶", False),
    ]

    seen = numbers(first)
    for page in range(2, 6):
        turned = await fake_discord.click(message, custom_id(message, "Next ▶"), world.reader)
        assert turned.type == 7  # the same message, edited in place
        message = turned.message
        assert message is not None
        embed = message.embeds[0]
        assert embed["footer"]["text"].endswith(f"page {page}/5")
        page_numbers = numbers(embed)
        assert [int(o["value"]) for o in menu(message)["options"]] == page_numbers
        seen += page_numbers
    assert seen == list(range(1, 117))  # every item once, in reading order
    assert components(message)[2].get("disabled") is True


async def test_a_section_continued_on_the_next_page_is_named_again(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead, WEEKLY)
    result = await fake_discord.run_command(world.guild, world.news, world.reader, "latest")
    assert result.message is not None
    turned = await fake_discord.click(
        result.message, custom_id(result.message, "Next ▶"), world.reader
    )
    assert turned.message is not None
    assert str(turned.message.embeds[0]["description"]).startswith(
        "__Updates from the Rust Project__\n**26.**"
    )


async def test_item_99_of_a_long_issue(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead, WEEKLY)
    result = await fake_discord.run_command(
        world.guild, world.news, world.reader, "item", number=99
    )
    embed = result.embeds[0]
    assert embed["title"] == (
        "99. rust-analyzer: encode ident rawness and literal kind separately in tt::Leaf"
    )
    assert embed["url"] == "https://github.com/rust-lang/rust-analyzer/pull/17559"
    assert embed["footer"]["text"] == "This Month in China · July 2024 · item 99/116"


async def test_item_numbers_past_99_are_refused_by_discord(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead, WEEKLY)
    with pytest.raises(ValueError, match=r"outside 1\.\.99"):
        await fake_discord.run_command(world.guild, world.news, world.reader, "item", number=100)
    # The issue's items past 99 are still listed by /latest and open from its menu.
    latest = await fake_discord.run_command(world.guild, world.news, world.reader, "latest")
    assert latest.message is not None
    message = latest.message
    while "116." not in str(message.embeds[0]["description"]):
        turned = await fake_discord.click(message, custom_id(message, "Next ▶"), world.reader)
        assert turned.message is not None
        message = turned.message
    opened = await fake_discord.select(
        message, str(menu(message)["custom_id"]), ["116"], world.reader
    )
    assert opened.embeds[0]["title"] == "116. RFC for project goals"


async def test_an_issue_that_fits_one_page_has_no_page_buttons(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead)
    result = await fake_discord.run_command(world.guild, world.news, world.reader, "latest")
    assert result.message is not None
    assert [c.get("type") for c in components(result.message)] == [3]
    assert result.embeds[0]["footer"]["text"] == "Pick an item below to read its summary."

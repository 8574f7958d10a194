"""/latest, /item and /search, end to end through fakediscord."""

from __future__ import annotations

from fakediscord import FakeDiscord
from masthead.bot import Masthead
from tests.cogs.helpers import World, import_and_publish


async def test_latest_shows_editorial_titles_and_a_menu(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead)
    result = await fake_discord.run_command(world.guild, world.news, world.reader, "latest")
    assert result.ephemeral
    embed = result.embeds[0]
    assert "December 2023" in embed["title"]
    assert embed["fields"][0]["name"] == "Neighbours"
    assert "**3.** Xiaomi founder Lei Jun" in embed["description"]
    menu = result.components[0]["components"][0]
    assert len(menu["options"]) == 7


async def test_item_three_is_xiaomi_with_take_and_footer(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead)
    result = await fake_discord.run_command(
        world.guild, world.news, world.reader, "item", number=3, public=True
    )
    assert not result.ephemeral
    embed = result.embeds[0]
    assert embed["title"].startswith("3. Xiaomi founder Lei Jun")
    assert embed["footer"]["text"] == "This Month in China · December 2023 · item 3/7"
    take = [f for f in embed["fields"] if f["name"] == "Editor's take"]
    assert take and "I always envisioned" in take[0]["value"]


async def test_item_past_the_last_names_the_valid_range(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead)
    result = await fake_discord.run_command(world.guild, world.news, world.reader, "item", number=9)
    assert result.ephemeral
    assert "1–7" in result.content


async def test_search_finds_the_dram_item(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead)
    result = await fake_discord.run_command(
        world.guild, world.news, world.reader, "search", query="DRAM"
    )
    fields = result.embeds[0]["fields"]
    assert fields[0]["name"].startswith("December 2023 · 4. China memory chip maker CXMT")
    assert "**DRAM**" in fields[0]["value"]


async def test_issue_autocomplete_answers_at_most_25_choices(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead)
    result = await fake_discord.autocomplete(
        world.guild, world.news, world.reader, "item", focused="issue", number=1, issue="2023"
    )
    assert result.choices is not None
    assert [c["value"] for c in result.choices] == ["2023-12"]

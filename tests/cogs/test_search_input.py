"""/search with whatever a reader may type: nothing breaks, nothing pings."""

from __future__ import annotations

import logging

import pytest

from fakediscord import FakeDiscord, InteractionResult
from masthead.bot import Masthead
from masthead.utils.errors import APOLOGY
from tests.cogs.helpers import World, import_and_publish


async def search(fake: FakeDiscord, world: World, query: str) -> InteractionResult:
    result = await fake.run_command(world.guild, world.news, world.reader, "search", query=query)
    assert result.ephemeral
    assert result.content != APOLOGY
    return result


@pytest.mark.parametrize("query", ["?!…", "🎉🔥", "* - ( ) : ^", "\u200b"])
async def test_query_without_words_finds_nothing_politely(
    fake_discord: FakeDiscord,
    masthead: Masthead,
    world: World,
    query: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await import_and_publish(masthead)
    result = await search(fake_discord, world, query)
    assert result.content.startswith("Nothing found for “")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "query",
    [
        '"DRAM',
        'DRAM" OR "x',
        "DRAM AND NOT memory",
        "DRAM NEAR/3 chip*",
        "title:DRAM",
        "DRAM'); DROP TABLE items; --",
        "DRAM & | ! <->",
    ],
)
async def test_quotes_and_operators_are_searched_as_plain_words(
    fake_discord: FakeDiscord, masthead: Masthead, world: World, query: str
) -> None:
    await import_and_publish(masthead)
    result = await search(fake_discord, world, query)
    assert result.embeds, result.content
    assert "CXMT" in result.embeds[0]["fields"][0]["name"]


async def test_chinese_query_is_accepted(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead)
    result = await search(fake_discord, world, "长鑫存储")
    assert result.embeds or result.content.startswith("Nothing found for “长鑫存储”")


async def test_echoed_query_pings_nobody(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead)
    role = fake_discord.add_role(world.guild, "Everyone-ish", mentionable=True)
    query = f"@everyone @here <@&{role.id}> <@{world.moderator.id}> zzyzx"
    result = await search(fake_discord, world, query)
    assert result.content.startswith("Nothing found for “")
    message = result.message
    assert message is not None
    assert not message.mention_everyone
    assert message.mentions == [] and message.mention_roles == []
    assert "@everyone" not in message.content  # neutralised, not only unpinged


async def test_found_results_echo_the_query_without_pinging(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead)
    result = await search(fake_discord, world, "@everyone DRAM")
    assert result.embeds[0]["title"].startswith("Search: ")
    assert "@everyone" not in result.embeds[0]["title"]
    assert result.message is not None and not result.message.mention_everyone


async def test_longest_query_is_accepted(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead)
    result = await search(fake_discord, world, ("DRAM " * 40)[:200])
    assert result.embeds


async def test_query_over_200_characters_never_reaches_the_bot(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    # The option is registered with max_length 200; Discord's client refuses longer input.
    with pytest.raises(ValueError, match="wrong length"):
        await fake_discord.run_command(
            world.guild, world.news, world.reader, "search", query="x" * 201
        )

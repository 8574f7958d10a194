"""The `issue` option's autocomplete: Discord's 25-choice cap and whatever is typed."""

from __future__ import annotations

import pytest

from fakediscord import FakeDiscord
from masthead.bot import Masthead
from masthead.importing import publish, store_document
from newsletter.parse import parse_issue
from tests.cogs.helpers import World, issue_text

MONTHS = [f"{year}-{month:02d}" for year in (2022, 2023, 2024) for month in range(1, 13)]
NAMES = "January February March April May June July August September October November December"


async def publish_archive(bot: Masthead) -> None:
    """36 published issues, 2022-01 to 2024-12."""
    async with bot.sessionmaker.begin() as session:
        for month in MONTHS:
            year, number = month.split("-")
            title = f"{NAMES.split()[int(number) - 1]} {year}"
            document = parse_issue(issue_text(title), newsletter=bot.settings.newsletter_name)
            issue, _ = await store_document(session, document)
            await publish(session, issue)


async def test_at_most_25_choices_newest_first(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await publish_archive(masthead)
    result = await fake_discord.autocomplete(
        world.guild, world.news, world.reader, "item", focused="issue", number=1
    )
    assert result.choices is not None
    assert [c["value"] for c in result.choices] == sorted(MONTHS, reverse=True)[:25]


async def test_typing_a_month_name_narrows_the_choices(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await publish_archive(masthead)
    result = await fake_discord.autocomplete(
        world.guild, world.news, world.reader, "search", focused="issue", issue="march"
    )
    assert result.choices is not None
    assert [c["name"] for c in result.choices] == [
        "March 2024 (2024-03)",
        "March 2023 (2023-03)",
        "March 2022 (2022-03)",
    ]


@pytest.mark.parametrize("typed", ["%", "_", "\\", "'", "🎉", "x" * 100])
async def test_wildcards_and_odd_input_match_nothing(
    fake_discord: FakeDiscord, masthead: Masthead, world: World, typed: str
) -> None:
    await publish_archive(masthead)
    result = await fake_discord.autocomplete(
        world.guild, world.news, world.reader, "item", focused="issue", number=1, issue=typed
    )
    assert result.choices == []

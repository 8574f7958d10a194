"""Errors in layers: a user's mistake is one short line, a bug is logged and apologised for."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from fakediscord import FakeDiscord
from masthead.bot import Masthead
from masthead.utils.errors import APOLOGY
from tests.cogs.helpers import World
from tests.cogs.test_votes import first_item, vote


async def drop_table(bot: Masthead, backend: str, table: str) -> None:
    """Break the database under the running bot, as a botched migration would."""
    cascade = " CASCADE" if backend == "postgresql" else ""
    async with bot.sessionmaker.begin() as session:
        await session.execute(text(f"DROP TABLE {table}{cascade}"))


def logged_error(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    return record


async def test_unexpected_error_in_a_command_is_logged_and_apologised_for(
    fake_discord: FakeDiscord,
    masthead: Masthead,
    world: World,
    backend: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await drop_table(masthead, backend, "guild_settings")
    result = await fake_discord.run_command(
        world.guild, world.news, world.moderator, "setup", "show"
    )
    assert result.ephemeral and result.content == APOLOGY
    record = logged_error(caplog)
    assert record.getMessage() == "command setup show failed"
    assert record.exc_info is not None  # the traceback goes to the log, not the user
    assert "guild_settings" in str(record.exc_info[1])


async def test_unexpected_error_in_a_button_is_logged_and_apologised_for(
    fake_discord: FakeDiscord,
    masthead: Masthead,
    world: World,
    backend: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    item = await first_item(fake_discord, masthead, world)
    await drop_table(masthead, backend, "item_votes")
    result = await vote(fake_discord, item, world.reader, helpful=True)
    assert result.content == APOLOGY
    record = logged_error(caplog)
    assert record.getMessage() == "component HelpfulButton failed"
    assert record.exc_info is not None


async def test_expected_error_is_one_short_line_and_not_logged_as_a_bug(
    fake_discord: FakeDiscord,
    masthead: Masthead,
    world: World,
    caplog: pytest.LogCaptureFixture,
) -> None:
    result = await fake_discord.run_command(world.guild, world.news, world.reader, "latest")
    assert result.ephemeral
    assert result.content == "No issue has been published yet."
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

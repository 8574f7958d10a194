"""A full SQLite database, met while the bot runs: the editor is told the database is
unavailable, the log says why in one line, and no traceback is logged."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from db import migrate
from db.engine import create_engine
from fakediscord import FakeDiscord, File
from masthead.bot import Masthead
from masthead.samples import SAMPLE_ISSUE
from masthead.utils.errors import DATABASE_UNAVAILABLE
from tests.cogs.helpers import COMMANDS, make_world, masthead_for


@pytest.fixture
async def full_bot(
    fake_discord: FakeDiscord, run_bot: Callable[..., Awaitable[Any]], tmp_path: Path
) -> AsyncIterator[Masthead]:
    """The bot on a SQLite file that may not grow by a single page (as on a full disk)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'full.db'}"
    engine = create_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()  # the connections made from here on are capped

    @event.listens_for(engine.sync_engine, "connect")
    def _no_more_pages(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA page_count")
        (pages,) = cursor.fetchone()
        cursor.execute(f"PRAGMA max_page_count = {int(pages)}")
        cursor.close()

    bot = masthead_for(fake_discord, engine, url)
    await run_bot(bot, commands=COMMANDS)
    yield bot
    await bot.close()
    await engine.dispose()


async def test_a_full_database_is_one_clear_line_for_the_editor_and_in_the_log(
    fake_discord: FakeDiscord, full_bot: Masthead, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(fake_discord)
    # The preview keeps the whole issue in the database: pages the file may not add.
    result = await fake_discord.run_command(
        world.guild,
        world.news,
        fake_discord.owner,
        "issue",
        "import",
        file=File("2023-12.txt", SAMPLE_ISSUE.read_bytes()),
    )
    await result.wait_message()
    assert result.ephemeral and result.content == DATABASE_UNAVAILABLE, result
    said = [r.getMessage() for r in caplog.records if "database is unavailable" in r.getMessage()]
    assert said == [
        "command issue import refused: the database is unavailable"
        " (OperationalError: database or disk is full)"
    ]
    assert [r for r in caplog.records if r.exc_info] == []

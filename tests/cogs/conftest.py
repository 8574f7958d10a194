"""End-to-end fixtures: the real Masthead bot, in this process, against fakediscord.

`masthead` starts the bot on the test's database backend; `world` is one server with an
announce channel, a moderator and a reader (helpers in tests/cogs/helpers.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from db import migrate
from db.engine import create_engine, create_sessionmaker
from fakediscord import FakeDiscord
from masthead.bot import Masthead
from masthead.settings import Settings
from tests.cogs.helpers import COMMANDS, READY_TIMEOUT, World, make_world


@pytest.fixture
async def masthead(
    fake_discord: FakeDiscord,
    database_url: str,
    run_bot: Callable[..., Awaitable[Any]],
) -> AsyncIterator[Masthead]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    settings = Settings(
        discord_token=fake_discord.token,
        database_url=database_url,
        api_base=fake_discord.api_base,
        gateway_url=fake_discord.gateway_url,
        editor_ids=frozenset({fake_discord.owner.id}),
    )
    bot = Masthead(
        settings=settings,
        sessionmaker=create_sessionmaker(engine),
        guild_ready_timeout=READY_TIMEOUT,
    )
    await run_bot(bot, commands=COMMANDS)
    yield bot
    await bot.close()  # before the engine goes: the delivery worker may be mid-query
    await engine.dispose()


@pytest.fixture
def world(fake_discord: FakeDiscord, masthead: Masthead) -> World:
    return make_world(fake_discord)

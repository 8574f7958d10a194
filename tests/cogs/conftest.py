"""End-to-end fixtures: the real Masthead bot, in this process, against fakediscord.

`masthead` starts the bot on the test's database backend; `world` is one server with an
announce channel, a moderator and a reader (helpers in tests/cogs/helpers.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from db import migrate
from db.engine import create_engine
from fakediscord import FakeDiscord
from masthead.bot import Masthead
from tests.cogs.helpers import COMMANDS, World, make_world, masthead_for


@pytest.fixture
async def masthead(
    fake_discord: FakeDiscord,
    database_url: str,
    run_bot: Callable[..., Awaitable[Any]],
) -> AsyncIterator[Masthead]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    bot = masthead_for(fake_discord, engine, database_url)
    await run_bot(bot, commands=COMMANDS)
    yield bot
    await bot.close()  # before the engine goes: the delivery worker may be mid-query
    await engine.dispose()


@pytest.fixture
def world(fake_discord: FakeDiscord, masthead: Masthead) -> World:
    return make_world(fake_discord)

"""On PostgreSQL a publish made by another process (the CLI, another shard's bot) reaches
this bot at once: its delivery starts without waiting for a poll, also after the
listening connection was cut."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text

from cogs.delivery import _worker
from db import migrate
from db.engine import create_engine, create_sessionmaker
from fakediscord import FakeDiscord
from masthead.bot import Masthead
from masthead.importing import publish, store_document
from newsletter.parse import parse_issue
from tests.backends import PG_URL, reset_postgres
from tests.cogs.helpers import COMMANDS, SAMPLE, make_world, masthead_for, subscribe, wait_delivered
from tests.cogs.test_publishing import sample_parts

pytestmark = pytest.mark.postgresql


@pytest.fixture
async def bot(
    fake_discord: FakeDiscord,
    run_bot: Callable[..., Awaitable[Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Masthead]:
    # Without a signal, the worker would look again only after ten minutes.
    monkeypatch.setattr(_worker, "POLL_SECONDS", 600.0)
    assert PG_URL is not None
    await reset_postgres(PG_URL)
    engine = create_engine(PG_URL)
    await migrate.upgrade(engine)
    bot = masthead_for(fake_discord, engine, PG_URL)
    await run_bot(bot, commands=COMMANDS, wait_ready=True)
    yield bot
    await bot.close()
    await engine.dispose()


async def publish_elsewhere() -> None:
    """Publish as `python bot.py import --publish` does from another process: its own
    engine, and no event in this one."""
    assert PG_URL is not None
    document = parse_issue(SAMPLE.read_bytes(), newsletter="This Month in China")
    engine = create_engine(PG_URL)
    try:
        async with create_sessionmaker(engine).begin() as session:
            issue, _ = await store_document(session, document)
            await publish(session, issue)
    finally:
        await engine.dispose()


async def test_a_publish_from_another_process_starts_delivery_at_once(
    fake_discord: FakeDiscord, bot: Masthead
) -> None:
    world = make_world(fake_discord)
    await subscribe(fake_discord, world)
    assert bot.change_listener is not None
    await fake_discord.wait_until(bot.change_listener.connected.is_set, "the listener")
    await publish_elsewhere()
    await wait_delivered(fake_discord, world.news, len(sample_parts()) - 1)


async def test_the_listener_reconnects_after_its_connection_is_cut(
    fake_discord: FakeDiscord, bot: Masthead
) -> None:
    world = make_world(fake_discord)
    await subscribe(fake_discord, world)
    listener = bot.change_listener
    assert listener is not None and PG_URL is not None
    await fake_discord.wait_until(listener.connected.is_set, "the listener")
    engine = create_engine(PG_URL)
    try:
        async with engine.begin() as connection:
            cut = await connection.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE query LIKE 'LISTEN %' AND datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )
            )
    finally:
        await engine.dispose()
    assert cut == 1
    await fake_discord.wait_until(lambda: not listener.connected.is_set(), "the cut to show")
    await fake_discord.wait_until(listener.connected.is_set, "the listener again", slow=True)
    await publish_elsewhere()
    await wait_delivered(fake_discord, world.news, len(sample_parts()) - 1)

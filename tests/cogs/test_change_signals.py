"""A publish made by another process (the CLI, another shard's bot) reaches this bot at
once, on SQLite and on PostgreSQL: its delivery starts without waiting for a poll, also
after PostgreSQL's listening connection was cut."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text

from cogs.delivery import _worker
from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.repositories import changes
from fakediscord import FakeDiscord
from masthead.bot import Masthead
from masthead.importing import publish, store_document
from newsletter.parse import parse_issue
from tests.backends import PG_URL
from tests.cogs.helpers import COMMANDS, SAMPLE, make_world, masthead_for, subscribe, wait_delivered
from tests.cogs.test_publishing import sample_parts


@pytest.fixture
async def bot(
    fake_discord: FakeDiscord,
    run_bot: Callable[..., Awaitable[Any]],
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
) -> AsyncIterator[Masthead]:
    # Without a signal, the worker would look again only after ten minutes.
    monkeypatch.setattr(_worker, "POLL_SECONDS", 600.0)
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    bot = masthead_for(fake_discord, engine, database_url)
    await run_bot(bot, commands=COMMANDS, wait_ready=True)
    yield bot
    await bot.close()
    await engine.dispose()


async def publish_elsewhere(database_url: str) -> None:
    """Publish as `python bot.py import --publish` does from another process: its own
    engine, and no event in this one."""
    document = parse_issue(SAMPLE.read_bytes(), newsletter="This Month in China")
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine).begin() as session:
            issue, _ = await store_document(session, document)
            await publish(session, issue)
    finally:
        await engine.dispose()


async def test_a_publish_from_another_process_starts_delivery_at_once(
    fake_discord: FakeDiscord, bot: Masthead, database_url: str
) -> None:
    world = make_world(fake_discord)
    await subscribe(fake_discord, world)
    assert bot.change_listener is not None
    await fake_discord.wait_until(bot.change_listener.connected.is_set, "the listener")
    # The newest issue, as /latest serves it, is read once before: from the cache after.
    assert await bot.published.latest() is None
    await publish_elsewhere(database_url)
    await wait_delivered(fake_discord, world.news, len(sample_parts()) - 1)
    latest = await bot.published.latest()
    assert latest is not None and latest.month == "2023-12"


async def test_changes_that_announce_nothing_wake_nobody(
    fake_discord: FakeDiscord, bot: Masthead, database_url: str
) -> None:
    heard: list[str] = []

    async def on_issues_changed() -> None:
        heard.append("issues_changed")

    listener = bot.change_listener
    assert listener is not None
    await fake_discord.wait_until(listener.connected.is_set, "the listener")
    await asyncio.sleep(0.1)  # past the one dispatch made on starting to listen
    bot.add_listener(on_issues_changed)
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine).begin() as session:
            # A change that is not an announcement (SQLite's data version moves).
            await session.execute(text("INSERT INTO bot_state (key, value) VALUES ('x', 'y')"))
        await asyncio.sleep(1.0)  # four looks of the SQLite watcher
        assert heard == []
        async with create_sessionmaker(engine).begin() as session:
            await changes.announce(session, "issues_changed")
        await fake_discord.wait_until(lambda: heard == ["issues_changed"], "the announcement")
    finally:
        await engine.dispose()


@pytest.mark.postgresql
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_the_listener_reconnects_after_its_connection_is_cut(
    fake_discord: FakeDiscord, bot: Masthead, database_url: str
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
    await publish_elsewhere(database_url)
    await wait_delivered(fake_discord, world.news, len(sample_parts()) - 1)

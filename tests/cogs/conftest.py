"""End-to-end fixtures: the real Masthead bot, in this process, against fakediscord.

`masthead` starts the bot on the test's database backend; `world` is one server with an
announce channel, a moderator and a reader; `newsroom` adds helpers to import, publish
and read what was posted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from db import migrate
from db.engine import create_engine, create_sessionmaker
from fakediscord import Channel, FakeDiscord, Guild, Role, User
from fakediscord import permissions as perms
from masthead.bot import Masthead
from masthead.importing import publish, store_document
from masthead.settings import Settings
from newsletter.parse import parse_issue

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = DATA / "issue-2023-12.txt"
COMMANDS = ("latest", "item", "search", "setup", "issue")


@dataclass
class World:
    guild: Guild
    news: Channel
    moderator: User
    reader: User
    mod_role: Role


def make_world(fake: FakeDiscord, name: str = "Readers") -> World:
    owner = fake.add_user(f"{name}-owner")
    guild = fake.add_guild(name, owner=owner)
    news = fake.add_channel(guild, "news")
    mod_role = fake.add_role(guild, "Mods", perms.MANAGE_GUILD)
    moderator = fake.add_user(f"{name}-mod")
    fake.add_member(guild, moderator, [mod_role])
    reader = fake.add_user(f"{name}-reader")
    fake.add_member(guild, reader)
    fake.add_member(guild, fake.owner)  # the application owner, an editor everywhere
    return World(guild, news, moderator, reader, mod_role)


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
    bot = Masthead(settings=settings, sessionmaker=create_sessionmaker(engine))
    await run_bot(bot, commands=COMMANDS)
    yield bot
    await engine.dispose()


@pytest.fixture
def world(fake_discord: FakeDiscord, masthead: Masthead) -> World:
    return make_world(fake_discord)


async def import_and_publish(bot: Masthead, path: Path = SAMPLE) -> int:
    """Store and publish an issue the way `bot.py import --publish` does; returns its id."""
    data = await asyncio.to_thread(path.read_bytes)
    document = parse_issue(data, newsletter=bot.settings.newsletter_name)
    async with bot.sessionmaker.begin() as session:
        issue, _ = await store_document(session, document)
        await publish(session, issue)
    bot.wake_delivery()
    return issue.id


async def subscribe(fake: FakeDiscord, world: World, **options: Any) -> None:
    result = await fake.run_command(
        world.guild,
        world.news,
        world.moderator,
        "setup",
        "announce",
        channel=world.news,
        **options,
    )
    assert result.ephemeral, result.content


async def wait_delivered(fake: FakeDiscord, channel: Channel, parts: int) -> list[Any]:
    """Wait until the channel's thread holds `parts` messages; return header + thread posts."""

    def done() -> list[Any] | None:
        threads = fake.threads(channel)
        if len(threads) != 1:
            return None
        posted = fake.messages(threads[0])
        return [fake.messages(channel), posted] if len(posted) >= parts else None

    result: list[Any] = await fake.wait_until(done, f"{parts} parts in #{channel.name}", slow=True)
    return result

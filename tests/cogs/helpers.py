"""What the end-to-end tests share: a small world to serve, and helpers to import,
publish, subscribe, restart the bot and read what was posted."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_sessionmaker
from fakediscord import Channel, FakeDiscord, Guild, InteractionResult, Role, User
from fakediscord import permissions as perms
from masthead.bot import Masthead
from masthead.importing import publish, store_document
from masthead.samples import SAMPLE_ISSUE
from masthead.settings import Settings
from newsletter.parse import parse_issue

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = SAMPLE_ISSUE
COMMANDS = (
    "latest",
    "item",
    "search",
    "setup",
    "issue",
    "tip",
    "mytips",
    "review",
    "tips",
    "feedback",
)
# The emulator sends every GUILD_CREATE at once: no need for discord.py's 2 s wait.
READY_TIMEOUT = 0.1


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


async def import_and_publish(bot: Masthead, path: Path = SAMPLE) -> int:
    """Store and publish an issue the way `bot.py import --publish` does; returns its id."""
    data = await asyncio.to_thread(path.read_bytes)
    document = parse_issue(data, newsletter=bot.settings.newsletter_name)
    async with bot.sessionmaker.begin() as session:
        issue, _ = await store_document(session, document)
        await publish(session, issue)
    bot.dispatch("issues_changed")
    return issue.id


async def subscribe(fake: FakeDiscord, world: World, **options: Any) -> InteractionResult:
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
    return result


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


def masthead_for(
    fake: FakeDiscord, engine: AsyncEngine, database_url: str, **settings: Any
) -> Masthead:
    """A Masthead served by ``fake`` on ``engine``'s database, its owner an editor;
    ``settings`` override the rest (start it with the ``run_bot`` fixture)."""
    defaults: dict[str, Any] = {
        "editor_ids": frozenset({fake.owner.id}),
        "fetch_allow_private": True,  # tests/local_web.py serves on loopback
    }
    return Masthead(
        settings=Settings(
            discord_token=fake.token,
            database_url=database_url,
            api_base=fake.api_base,
            gateway_url=fake.gateway_url,
            **(defaults | settings),
        ),
        sessionmaker=create_sessionmaker(engine),
        guild_ready_timeout=READY_TIMEOUT,
    )


def issue_text(title: str = "January 2024", bodies: dict[str, str] | None = None) -> str:
    """A small issue in the sample's plain-text shape: title line, numbered list, items.
    It has no editorial, so it parses with one warning."""
    bodies = bodies or {
        "Solar farms spread across Gansu": "Gansu added ten gigawatts of solar panels. "
        "Officials expect more.",
        "Beijing opens a new subway line": "The line links the airport with the centre. "
        "It cuts the trip to twenty minutes.",
    }
    titles = "\n".join(f"{n}. {t}" for n, t in enumerate(bodies, 1))
    items = "\n\n".join(f"{n}. {t}\n{b}" for n, (t, b) in enumerate(bodies.items(), 1))
    return f"This Month in China — {title}\n\n{titles}\n\n{items}\n"


async def restart(
    fake: FakeDiscord, bot: Masthead, run_bot: Callable[..., Awaitable[Any]]
) -> Masthead:
    """Stop the in-process bot and start a new one on the same database: nothing in
    memory survives, as after a crash."""
    await bot.close()
    fresh = Masthead(
        settings=bot.settings,
        sessionmaker=bot.sessionmaker,
        guild_ready_timeout=READY_TIMEOUT,
    )
    await run_bot(fresh)
    # Interactions need the guilds cached (member roles, permissions): wait for them.
    await fake.wait_until(
        lambda: all(fresh.get_guild(g) for g in fake.state.guilds), "guilds cached", slow=True
    )
    return fresh


async def wait_for_failure(fake: FakeDiscord, world: World, where: Channel | None = None) -> str:
    """The "Delivery failures" field of /setup show (run in ``where``), once it appears."""
    for _ in range(50):
        result = await fake.run_command(
            world.guild, where or world.news, world.moderator, "setup", "show"
        )
        fields = {f["name"]: f["value"] for f in result.embeds[0]["fields"]}
        if "Delivery failures" in fields:
            return str(fields["Delivery failures"])
        await asyncio.sleep(0.1)
    raise AssertionError("the failure never showed in /setup show")

"""Issues for the trials, stored straight into a database, and the questions every
trial asks afterwards: how much was posted, and does the bot still answer."""

from __future__ import annotations

import calendar
from collections.abc import Sequence

from db import migrate
from db.engine import create_engine, create_sessionmaker
from fakediscord import Channel, FakeDiscord
from masthead.importing import publish, store_document
from newsletter.parse import parse_issue
from tests.cogs.helpers import World, issue_text

NEWS = [
    "opens a new metro line",
    "builds a river bridge",
    "plants a city forest",
    "launches electric buses",
]
CITIES = ["Chengdu", "Wuhan", "Xiamen", "Kunming", "Harbin", "Lanzhou", "Nanning", "Hefei"]
CITIES += ["Jinan", "Urumqi", "Lhasa", "Haikou"]


def trial_issue(month: int, year: int = 2024) -> str:
    """A small issue of its own for ``month``: a header and an item per ``NEWS``."""
    city = CITIES[(month - 1) % len(CITIES)]
    bodies = {
        f"{city} {news}": f"The city of {city} did so this month. Residents welcomed the news."
        for news in NEWS
    }
    return issue_text(f"{calendar.month_name[month]} {year}", bodies)


async def store_issues(database_url: str, texts: Sequence[str], *, published: bool) -> None:
    """Store (and with ``published``, publish: queue for every subscribed channel) as
    ``bot.py import`` does, from the test process."""
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        async with create_sessionmaker(engine).begin() as session:
            for text in texts:
                issue, _ = await store_document(session, parse_issue(text))
                if published:
                    await publish(session, issue)
    finally:
        await engine.dispose()


def posted(fake: FakeDiscord, channels: Sequence[Channel]) -> int:
    """Messages in the channels and their threads."""
    total = 0
    for channel in channels:
        total += len(fake.messages(channel))
        total += sum(len(fake.messages(thread)) for thread in fake.threads(channel))
    return total


async def assert_serving(fake: FakeDiscord, world: World, title: str, *, trial: str) -> None:
    """A reader's /latest is answered, with the issue titled ``title``."""
    answer = await fake.run_command(world.guild, world.news, world.reader, "latest")
    shown = f"{answer.content} {answer.embeds}"
    assert title in shown, f"{trial}: /latest did not show {title!r} after the fault: {shown}"

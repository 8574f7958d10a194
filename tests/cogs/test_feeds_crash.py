"""The real `python bot.py` killed with SIGKILL while a feed entry's preview is on its
way to Discord, then started again: the editors see the preview once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from db.engine import create_engine, create_sessionmaker
from db.repositories import feeds
from db.states import FeedEntryStatus
from fakediscord import BotProcess, FakeDiscord
from tests.cogs.helpers import issue_text, make_world
from tests.local_web import Entry, LocalWeb, rss, running_web

ROOT = Path(__file__).resolve().parents[2]
BOT = str(ROOT / "bot.py")
MESSAGES = "/channels/{channel_id}/messages"


@pytest.fixture
async def web_site() -> AsyncIterator[LocalWeb]:
    async with running_web() as site:
        yield site


def entries(site: LocalWeb, *months: str) -> str:
    return rss(
        [
            Entry(f"urn:{m}", f"{m} issue", site.url(f"/{m}"), content=issue_text(f"{m} 2024"))
            for m in months
        ]
    )


async def test_sigkill_while_sending_a_preview_leaves_exactly_one(
    fake_discord: FakeDiscord,
    bot_process: Callable[..., Awaitable[BotProcess]],
    database_url: str,
    tmp_path: Path,
    web_site: LocalWeb,
) -> None:
    world = make_world(fake_discord)
    review = fake_discord.add_channel(world.guild, "review")
    env = {"DATABASE_URL": database_url, "FEED_POLL_SECONDS": "1", "FETCH_ALLOW_PRIVATE": "1"}
    proc = await bot_process((BOT,), env=env, cwd=tmp_path, commands=("setup", "issue"))
    await fake_discord.run_command(
        world.guild, world.news, world.moderator, "setup", "review", channel=review
    )
    web_site.serve("/feed.xml", entries(web_site, "January"), "application/rss+xml")
    watched = await fake_discord.run_command(
        world.guild, world.news, fake_discord.owner, "setup", "feed", url=web_site.url("/feed.xml")
    )
    assert "Watching" in (await watched.wait_message()).content

    before = len(fake_discord.requests_to("POST", MESSAGES))
    fake_discord.slow(3.0, method="POST", route=MESSAGES)
    web_site.serve("/feed.xml", entries(web_site, "January", "February"), "application/rss+xml")
    await fake_discord.wait_until(
        lambda: len(fake_discord.requests_to("POST", MESSAGES)) > before, "the send", slow=True
    )
    await proc.kill()
    fake_discord.clear_faults()
    await proc.start(fake_discord)
    await proc.wait_ready(fake_discord)

    await fake_discord.wait_until(lambda: fake_discord.messages(review), "a preview", slow=True)
    polled = web_site.hits("/feed.xml")
    await fake_discord.wait_until(
        lambda: web_site.hits("/feed.xml") >= polled + 2, "two more polls", slow=True
    )
    await asyncio.sleep(0.5)
    (preview,) = fake_discord.messages(review)
    assert preview.embeds[0]["title"] == "Preview — This Month in China · February 2024"

    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            rows = await feeds.entries_of(session, 1)
    finally:
        await engine.dispose()
    assert [(r.status, r.message_id) for r in rows] == [
        (FeedEntryStatus.SEEN, None),
        (FeedEntryStatus.SENT, preview.id),
    ]

"""With FETCH_ALLOW_PRIVATE off (the default), the bot fetches nothing from loopback or
private addresses, end to end: /issue fetch, /setup feed, and the feed watcher, whether
the address is typed, behind a name, or behind a redirect from a public host."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from db import migrate
from db.engine import create_engine
from db.repositories import feeds
from fakediscord import FakeDiscord
from masthead.bot import Masthead
from tests.cogs.helpers import COMMANDS, World, issue_text, make_world, masthead_for
from tests.cogs.test_feeds import watch
from tests.cogs.test_issue_fetch import fetch
from tests.cogs.test_issue_import import buttons, stored
from tests.local_web import Entry, LocalWeb, rss, running_web
from tests.public_stand_in import private_urls, public_web

ISSUE = issue_text("March 2024")


@pytest.fixture
async def guarded(
    fake_discord: FakeDiscord, database_url: str, run_bot: Callable[..., Awaitable[Any]]
) -> AsyncIterator[Masthead]:
    """A bot as deployed: private addresses refused; feeds polled every 0.2 s."""
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    bot = masthead_for(
        fake_discord, engine, database_url, fetch_allow_private=False, feed_poll_seconds=0.2
    )
    await run_bot(bot, commands=COMMANDS)
    yield bot
    await bot.close()
    await engine.dispose()


@pytest.fixture
async def world(fake_discord: FakeDiscord, guarded: Masthead) -> World:
    return make_world(fake_discord)


@pytest.fixture
async def private_site() -> AsyncIterator[LocalWeb]:
    async with running_web() as site:
        site.serve("/issue", ISSUE, "text/plain; charset=utf-8")
        site.serve("/feed.xml", rss([Entry("a", "A", site.url("/issue"), content=ISSUE)]))
        yield site


def port_of(site: LocalWeb) -> int:
    return int(site.base.rsplit(":", 1)[1])


async def test_issue_fetch_refuses_every_form_of_a_private_address(
    fake_discord: FakeDiscord, guarded: Masthead, world: World, private_site: LocalWeb
) -> None:
    for url in private_urls(port_of(private_site), "/issue"):
        result = await fetch(fake_discord, world, url)
        assert result.ephemeral
        assert result.content.startswith(f"{url}: refused: "), result.content
        assert "a loopback address" in result.content and "\n" not in result.content
    assert private_site.hits("/issue") == 0
    assert await stored(guarded) == []


async def test_issue_fetch_refuses_a_redirect_to_a_private_address(
    fake_discord: FakeDiscord,
    guarded: Masthead,
    world: World,
    private_site: LocalWeb,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = f"http://localhost:{port_of(private_site)}/issue"
    async with public_web(monkeypatch) as public:
        public.serve("/issue", ISSUE, "text/plain; charset=utf-8")
        public.serve("/moved", "", status=302, headers={"Location": target})
        allowed = await fetch(fake_discord, world, public.url("/issue"))
        assert allowed.embeds[0]["title"] == "Preview — This Month in China · March 2024"
        result = await fetch(fake_discord, world, public.url("/moved"))
    assert result.content == (
        f"{public.url('/moved')}: refused: redirected to {target}, "
        "where localhost resolves to a loopback address (127.0.0.1)"
    )
    assert private_site.hits("/issue") == 0


async def test_setup_feed_refuses_a_private_feed(
    fake_discord: FakeDiscord, guarded: Masthead, world: World, private_site: LocalWeb
) -> None:
    url = f"http://localhost:{port_of(private_site)}/feed.xml"
    answer = await watch(fake_discord, world, url)
    assert answer == f"{url}: refused: localhost resolves to a loopback address (127.0.0.1)"
    assert private_site.hits("/feed.xml") == 0
    async with guarded.sessionmaker() as session:
        assert await feeds.get_feed(session, 1) is None


async def test_the_watcher_refuses_an_entry_page_and_a_feed_moved_to_private_addresses(
    fake_discord: FakeDiscord,
    guarded: Masthead,
    world: World,
    private_site: LocalWeb,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = f"http://127.0.0.1:{port_of(private_site)}/issue"
    async with public_web(monkeypatch) as public:
        public.serve("/feed.xml", rss([]), "application/rss+xml", headers={"ETag": '"v1"'})
        await watch(fake_discord, world, public.url("/feed.xml"))
        # A summary-only entry: the watcher reads the page it links to, a private one.
        entry = Entry("urn:b", "Leaky entry", secret)
        public.serve("/feed.xml", rss([entry]), "application/rss+xml", headers={"ETag": '"v2"'})
        dm = await fake_discord.wait_until(
            lambda: fake_discord.dms(fake_discord.owner), "a preview by DM", slow=True
        )
        assert dm[0].embeds[0]["title"] == "Could not read this entry: Leaky entry"
        reason = dm[0].embeds[0]["description"]
        assert reason == f"{secret}: refused: 127.0.0.1 is a loopback address"
        assert buttons(dm[0]) == {}
        # The feed itself now redirects into the host's network: each poll is refused.
        public.serve("/feed.xml", "", status=301, headers={"Location": secret})
        polled = public.hits("/feed.xml") + 2  # a failure is recorded before the next poll
        await fake_discord.wait_until(
            lambda: public.hits("/feed.xml") >= polled, "two refused polls", slow=True
        )
        async with guarded.sessionmaker() as session:
            feed = await feeds.get_feed(session, 1)
    assert feed is not None and feed.failures >= 1
    assert feed.last_error == (
        f"{public.url('/feed.xml')}: refused: redirected to {secret}, "
        "where 127.0.0.1 is a loopback address"
    )
    assert private_site.hits("/issue") == 0

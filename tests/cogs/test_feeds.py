"""/setup feed and the feed watcher, end to end: a local feed gains an entry, and the
editors get its import preview (Publish / Discard) once, across restarts and crashes."""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from cogs.feeds._watcher import backoff_seconds
from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.models import FeedEntry
from db.repositories import feeds
from db.states import FeedEntryStatus
from fakediscord import Channel, FakeDiscord, Message
from masthead.bot import Masthead
from masthead.importing import store_document
from masthead.settings import Settings
from newsletter.parse import parse_issue
from newsletter.preview_page import issue_page
from tests.cogs.helpers import COMMANDS, READY_TIMEOUT, World, issue_text, make_world, restart
from tests.cogs.test_issue_import import buttons, stored
from tests.local_web import Entry, LocalWeb, rss, running_web

POLL_SECONDS = 0.2
MESSAGES = "/channels/{channel_id}/messages"
ISSUES = Path(__file__).resolve().parents[1] / "data" / "issues"


@pytest.fixture
async def web_site() -> AsyncIterator[LocalWeb]:
    async with running_web() as site:
        yield site


@pytest.fixture
async def bot(
    fake_discord: FakeDiscord, database_url: str, run_bot: Callable[..., Awaitable[Any]]
) -> AsyncIterator[Masthead]:
    """The `masthead` fixture's bot, polling feeds every 0.2 s."""
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    settings = Settings(
        discord_token=fake_discord.token,
        database_url=database_url,
        api_base=fake_discord.api_base,
        gateway_url=fake_discord.gateway_url,
        editor_ids=frozenset({fake_discord.owner.id}),
        feed_poll_seconds=POLL_SECONDS,
        fetch_allow_private=True,  # tests/local_web.py serves on loopback
    )
    started = Masthead(
        settings=settings,
        sessionmaker=create_sessionmaker(engine),
        guild_ready_timeout=READY_TIMEOUT,
    )
    await run_bot(started, commands=COMMANDS)
    yield started
    await started.close()
    await engine.dispose()


@pytest.fixture
async def world(fake_discord: FakeDiscord, bot: Masthead) -> World:
    return make_world(fake_discord)


@pytest.fixture
async def review(fake_discord: FakeDiscord, world: World) -> Channel:
    channel = fake_discord.add_channel(world.guild, "review")
    result = await fake_discord.run_command(
        world.guild, world.news, world.moderator, "setup", "review", channel=channel
    )
    assert "Review cards will be posted" in result.content
    return channel


def january(site: LocalWeb) -> Entry:
    return Entry(
        "urn:jan", "January", site.url("/jan"), "Mon, 01 Jan 2024 08:00:00 GMT", issue_text()
    )


def february(site: LocalWeb) -> Entry:
    return Entry(
        "urn:feb",
        "February issue",
        site.url("/feb"),
        "Thu, 01 Feb 2024 08:00:00 GMT",
        issue_text("February 2024"),
    )


def serve_feed(site: LocalWeb, entries: list[Entry], version: str) -> None:
    site.serve("/feed.xml", rss(entries), "application/rss+xml", headers={"ETag": f'"{version}"'})


async def watch(fake: FakeDiscord, world: World, url: str, user: Any = None) -> str:
    result = await fake.run_command(
        world.guild, world.news, user or fake.owner, "setup", "feed", url=url
    )
    message = await result.wait_message()
    assert message.ephemeral
    return str(message.content)


async def polls(fake: FakeDiscord, site: LocalWeb, more: int) -> None:
    """Until the feed was asked for `more` more times."""
    target = site.hits("/feed.xml") + more
    await fake.wait_until(lambda: site.hits("/feed.xml") >= target, f"{more} polls", slow=True)


async def previews(fake: FakeDiscord, channel: Channel, count: int = 1) -> list[Message]:
    found: list[Message] = await fake.wait_until(
        lambda: (m := fake.messages(channel)) and len(m) >= count and m, "a preview", slow=True
    )
    return found


async def entry_rows(bot: Masthead) -> list[FeedEntry]:
    async with bot.sessionmaker() as session:
        return await feeds.entries_of(session, 1)


async def test_a_new_entry_is_previewed_once_across_a_restart(
    fake_discord: FakeDiscord,
    bot: Masthead,
    world: World,
    review: Channel,
    web_site: LocalWeb,
    run_bot: Callable[..., Awaitable[Any]],
) -> None:
    serve_feed(web_site, [january(web_site)], "v1")
    answer = await watch(fake_discord, world, web_site.url("/feed.xml"))
    assert answer == (
        "Watching Masthead test feed: its 1 current entries are taken as read, and each new "
        f"one will come as an import preview in <#{review.id}>."
    )
    await polls(fake_discord, web_site, 2)
    assert fake_discord.messages(review) == []  # what was there before is not news

    serve_feed(web_site, [january(web_site), february(web_site)], "v2")
    (preview,) = await previews(fake_discord, review)
    assert preview.content == (
        f"New entry in the feed Masthead test feed: **February issue**\n<{web_site.url('/feb')}>"
    )
    assert preview.embeds[0]["title"] == "Preview — This Month in China · February 2024"
    assert preview.embeds[0]["footer"]["text"].endswith("feed entry 2")
    assert list(buttons(preview)) == ["Publish", "Discard"]
    assert await stored(bot) == []  # never published by itself

    await polls(fake_discord, web_site, 3)
    fresh = await restart(fake_discord, bot, run_bot)
    await polls(fake_discord, web_site, 3)
    assert len(fake_discord.messages(review)) == 1
    assert web_site.hits("/feb") == 0  # the entry carried its full text

    # Two editors at once: the first click wins, the other is told.
    publish = buttons(preview)["Publish"]
    answers = await asyncio.gather(
        fake_discord.click(preview, publish, fake_discord.owner),
        fake_discord.click(preview, publish, fake_discord.owner),
    )
    again, clicked = sorted(answers, key=lambda r: r.type or 0)
    assert clicked.type == 7
    assert "Imported February 2024. Published: queued for 0 channel(s)." in str(
        clicked.embeds[0]["fields"]
    )
    assert again.ephemeral and again.content == "This preview was already handled."
    assert await stored(fresh) == [("2024-02", "published")]


async def test_a_crash_while_sending_the_preview_leaves_one(
    fake_discord: FakeDiscord,
    bot: Masthead,
    world: World,
    review: Channel,
    web_site: LocalWeb,
    run_bot: Callable[..., Awaitable[Any]],
) -> None:
    serve_feed(web_site, [january(web_site)], "v1")
    await watch(fake_discord, world, web_site.url("/feed.xml"))
    before = len(fake_discord.requests_to("POST", MESSAGES))
    # The preview is on its way to Discord when the bot goes down; Discord takes it in
    # after the restart's resend (the first request is answered late).
    fake_discord.slow(2.0, method="POST", route=MESSAGES)
    serve_feed(web_site, [january(web_site), february(web_site)], "v2")
    await fake_discord.wait_until(
        lambda: len(fake_discord.requests_to("POST", MESSAGES)) > before, "the send", slow=True
    )
    fake_discord.clear_faults()
    fresh = await restart(fake_discord, bot, run_bot)

    def both_answered() -> bool:
        sent = fake_discord.requests_to("POST", MESSAGES)[before:]
        return len(sent) == 2 and all(r.status for r in sent)

    await fake_discord.wait_until(both_answered, "the send and the resend answered", slow=True)
    await polls(fake_discord, web_site, 2)
    assert len(fake_discord.messages(review)) == 1
    rows = await entry_rows(fresh)
    assert [row.status for row in rows] == [FeedEntryStatus.SEEN, FeedEntryStatus.SENT]
    assert rows[1].message_id == fake_discord.messages(review)[0].id


async def test_an_entry_already_imported_is_not_previewed(
    fake_discord: FakeDiscord, bot: Masthead, world: World, review: Channel, web_site: LocalWeb
) -> None:
    document = parse_issue(issue_text("February 2024"), newsletter=bot.settings.newsletter_name)
    async with bot.sessionmaker.begin() as session:
        await store_document(session, document)
    serve_feed(web_site, [january(web_site)], "v1")
    await watch(fake_discord, world, web_site.url("/feed.xml"))
    serve_feed(web_site, [january(web_site), february(web_site)], "v2")
    await fake_discord.wait_until(
        lambda: web_site.hits("/feed.xml") >= 3, "the new entry read", slow=True
    )
    await polls(fake_discord, web_site, 2)
    assert fake_discord.messages(review) == []
    rows = await entry_rows(bot)
    assert [row.status for row in rows] == [FeedEntryStatus.SEEN, FeedEntryStatus.SKIPPED]


async def test_without_a_review_channel_the_editor_gets_the_preview_by_dm(
    fake_discord: FakeDiscord, bot: Masthead, world: World, web_site: LocalWeb
) -> None:
    serve_feed(web_site, [january(web_site)], "v1")
    answer = await watch(fake_discord, world, web_site.url("/feed.xml"))
    assert answer.endswith("to you by DM (or run /setup review for a review channel).")
    serve_feed(web_site, [january(web_site), february(web_site)], "v2")
    dm = await fake_discord.wait_until(lambda: fake_discord.dms(fake_discord.owner), "a DM")
    assert list(buttons(dm[0])) == ["Publish", "Discard"]
    assert [a.filename for a in dm[0].attachments] == ["preview-2024-02.html"]
    clicked = await fake_discord.click(dm[0], buttons(dm[0])["Discard"], fake_discord.owner)
    assert "Discarded; nothing was stored." in str(clicked.embeds[0]["fields"])
    assert await stored(bot) == []


async def test_an_entry_that_is_no_issue_is_reported_without_buttons(
    fake_discord: FakeDiscord, bot: Masthead, world: World, review: Channel, web_site: LocalWeb
) -> None:
    serve_feed(web_site, [], "v1")
    await watch(fake_discord, world, web_site.url("/feed.xml"))
    chat = Entry("urn:chat", "A note", web_site.url("/note"), content="<p>Back next week.</p>")
    serve_feed(web_site, [chat], "v2")
    (preview,) = await previews(fake_discord, review)
    assert preview.embeds[0]["title"] == "Could not read this entry: A note"
    assert preview.embeds[0]["description"].startswith(web_site.url("/note"))
    assert buttons(preview) == {}
    assert preview.attachments == []  # nothing was read: no page to show


async def test_a_preview_attaches_the_entry_page_as_posted(
    fake_discord: FakeDiscord, bot: Masthead, world: World, review: Channel, web_site: LocalWeb
) -> None:
    serve_feed(web_site, [january(web_site)], "v1")
    await watch(fake_discord, world, web_site.url("/feed.xml"))
    serve_feed(web_site, [january(web_site), february(web_site)], "v2")
    (preview,) = await previews(fake_discord, review)
    [page] = preview.attachments
    assert page.filename == "preview-2024-02.html"
    # The same page as `python bot.py preview --html` writes for the entry's text.
    expected = parse_issue(issue_text("February 2024"), newsletter=bot.settings.newsletter_name)
    assert page.data == issue_page(expected).encode("utf-8")
    assert "Beijing opens a new subway line" in page.data.decode()


async def test_a_page_over_the_upload_limit_is_named_instead(
    fake_discord: FakeDiscord,
    bot: Masthead,
    world: World,
    web_site: LocalWeb,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A DM's upload limit, shrunk, in the watcher module the bot loaded (extensions are
    # imported afresh for each bot, so not necessarily this test's import of it).
    watcher = bot.get_cog("Feeds").watcher  # type: ignore[union-attr]
    monkeypatch.setitem(watcher.run.__globals__, "DM_UPLOAD_LIMIT", 1000)
    serve_feed(web_site, [january(web_site)], "v1")
    await watch(fake_discord, world, web_site.url("/feed.xml"))
    serve_feed(web_site, [january(web_site), february(web_site)], "v2")
    dm = await fake_discord.wait_until(lambda: fake_discord.dms(fake_discord.owner), "a DM")
    assert dm[0].attachments == []
    assert dm[0].content.endswith(
        "over the upload limit here; on the bot's host, run: "
        "python bot.py preview FILE --html preview.html"
    )
    assert list(buttons(dm[0])) == ["Publish", "Discard"]


async def test_non_editors_cannot_press_publish(
    fake_discord: FakeDiscord, bot: Masthead, world: World, review: Channel, web_site: LocalWeb
) -> None:
    serve_feed(web_site, [january(web_site)], "v1")
    await watch(fake_discord, world, web_site.url("/feed.xml"))
    serve_feed(web_site, [january(web_site), february(web_site)], "v2")
    (preview,) = await previews(fake_discord, review)
    clicked = await fake_discord.click(preview, buttons(preview)["Publish"], world.moderator)
    assert clicked.content == "Only the newsletter's editors can import and publish issues."
    assert await stored(bot) == []


async def test_a_failing_feed_backs_off_and_recovers(
    fake_discord: FakeDiscord, bot: Masthead, world: World, review: Channel, web_site: LocalWeb
) -> None:
    serve_feed(web_site, [january(web_site)], "v1")
    await watch(fake_discord, world, web_site.url("/feed.xml"))
    web_site.serve("/feed.xml", "down for maintenance", "text/plain", status=503)
    await polls(fake_discord, web_site, 4)
    times = [t for path, t in web_site.times if path == "/feed.xml"][-4:]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # 0.2 s doubled per failure: 0.4, 0.8, 1.6 (give or take the watcher's 0.2 s tick)
    assert gaps[-1] >= 1.5 * gaps[0], gaps
    async with bot.sessionmaker() as session:
        feed = await feeds.get_feed(session, 1)
    assert feed is not None and feed.failures >= 3
    assert feed.last_error is not None and feed.last_error.endswith("HTTP 503 Service Unavailable")
    serve_feed(web_site, [january(web_site), february(web_site)], "v2")
    await previews(fake_discord, review)
    async with bot.sessionmaker() as session:
        feed = await feeds.get_feed(session, 1)
    assert feed is not None and (feed.failures, feed.last_error) == (0, None)


async def test_non_editors_cannot_watch_a_feed(
    fake_discord: FakeDiscord, bot: Masthead, world: World, web_site: LocalWeb
) -> None:
    serve_feed(web_site, [january(web_site)], "v1")
    answer = await watch(fake_discord, world, web_site.url("/feed.xml"), world.moderator)
    assert answer == "Only the newsletter's editors can import and publish issues."
    assert web_site.hits("/feed.xml") == 0


def refused_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.xml"


BAD = {
    "not a URL": ("example.com/feed.xml", "not a URL"),
    "javascript": (
        "javascript:alert(1)",
        "only http and https URLs can be fetched, not javascript:",
    ),
    "ftp": ("ftp://127.0.0.1/feed.xml", "only http and https URLs can be fetched, not ftp:"),
    "refused": (None, "cannot connect to 127.0.0.1"),
    "404": ("/gone.xml", "HTTP 404 Not Found"),
    "a page": ("/page", "not an RSS or Atom feed (it is a page)"),
    "malformed": ("/broken.xml", "not a readable feed (malformed XML at line 1"),
}


@pytest.mark.parametrize("case", list(BAD))
async def test_a_bad_feed_url_is_one_private_line_naming_it(
    fake_discord: FakeDiscord, bot: Masthead, world: World, web_site: LocalWeb, case: str
) -> None:
    web_site.serve("/page", (ISSUES / "nine-items-2024-07.html").read_bytes())
    web_site.serve("/broken.xml", '<?xml version="1.0"?><rss><channel><item>', "text/xml")
    given, reason = BAD[case]
    url = refused_url() if given is None else given
    url = web_site.url(url) if url.startswith("/") else url
    answer = await watch(fake_discord, world, url)
    assert answer.startswith(f"{url}: ") and reason in answer and "\n" not in answer
    async with bot.sessionmaker() as session:
        assert await feeds.get_feed(session, 1) is None


async def test_a_feed_url_over_2048_characters_never_reaches_the_bot(
    fake_discord: FakeDiscord, bot: Masthead, world: World
) -> None:
    with pytest.raises(ValueError, match="wrong length"):
        await fake_discord.run_command(
            world.guild,
            world.news,
            fake_discord.owner,
            "setup",
            "feed",
            url="https://example.com/" + "a" * 2981,
        )


def test_backoff_doubles_per_failure_and_is_capped() -> None:
    assert [backoff_seconds(n, 900) for n in range(1, 5)] == [1800, 3600, 7200, 14400]
    assert backoff_seconds(30, 900) == 6 * 3600
    assert backoff_seconds(3, 12 * 3600) == 12 * 3600  # never sooner than a normal poll


async def test_setup_show_lists_the_watched_feeds_with_their_trouble(
    fake_discord: FakeDiscord, bot: Masthead, world: World, review: Channel, web_site: LocalWeb
) -> None:
    # The title comes from the web: its markdown and mentions are shown as text.
    web_site.serve(
        "/feed.xml",
        rss([january(web_site)], title="**China** @everyone <@&123456789012345678>"),
        "application/rss+xml",
    )
    await watch(fake_discord, world, web_site.url("/feed.xml"))
    web_site.serve("/feed.xml", "down for maintenance", "text/plain", status=503)
    await polls(fake_discord, web_site, 1)

    async def shown_fields() -> dict[str, str]:
        result = await fake_discord.run_command(
            world.guild, world.news, world.moderator, "setup", "show"
        )
        return {f["name"]: f["value"] for f in result.embeds[0]["fields"]}

    async def failing() -> bool:
        async with bot.sessionmaker() as session:
            feed = await feeds.get_feed(session, 1)
        return feed is not None and feed.last_error is not None

    for _ in range(50):
        if await failing():
            break
        await asyncio.sleep(0.1)
    (line,) = (await shown_fields())["Watched feeds (new issues previewed here)"].splitlines()
    title = "\\*\\*China\\*\\* @\u200beveryone <@\u200b&123456789012345678>"
    assert line.startswith(f"{title}: `{web_site.url('/feed.xml')}` (failing: ")
    assert line.endswith("HTTP 503 Service Unavailable)")

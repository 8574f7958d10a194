"""/issue fetch: a page or a feed's newest entry becomes the /issue import preview, with
its buttons; a URL that cannot be read is one private line naming it."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from fakediscord import FakeDiscord, InteractionResult, User
from masthead.bot import Masthead
from tests.cogs.helpers import World, issue_text
from tests.cogs.test_issue_import import buttons, press, stored
from tests.local_web import Entry, LocalWeb, rss, running_web

ISSUES = Path(__file__).resolve().parents[1] / "data" / "issues"


@pytest.fixture
async def web_site() -> AsyncIterator[LocalWeb]:
    async with running_web() as site:
        yield site


async def fetch(
    fake: FakeDiscord, world: World, url: str, user: User | None = None
) -> InteractionResult:
    result = await fake.run_command(
        world.guild, world.news, user or fake.owner, "issue", "fetch", url=url
    )
    await result.wait_message()
    return result


async def test_a_page_gets_the_import_preview_and_confirm_stores_it(
    fake_discord: FakeDiscord, masthead: Masthead, world: World, web_site: LocalWeb
) -> None:
    web_site.serve("/issues/2024-07", (ISSUES / "nine-items-2024-07.html").read_bytes())
    result = await fetch(fake_discord, world, web_site.url("/issues/2024-07"))
    assert result.ephemeral
    assert result.embeds[0]["title"] == "Preview — This Month in China · July 2024"
    assert result.message is not None
    assert list(buttons(result.message)) == ["Confirm", "Publish", "Cancel"]
    assert await stored(masthead) == []
    clicked = await press(fake_discord, result, "Confirm")
    assert "Imported July 2024." in str(clicked.embeds[0]["fields"])
    assert await stored(masthead) == [("2024-07", "draft")]


async def test_a_feed_previews_its_newest_entry(
    fake_discord: FakeDiscord, masthead: Masthead, world: World, web_site: LocalWeb
) -> None:
    entries = [
        Entry(
            "jan", "January", web_site.url("/jan"), "Mon, 01 Jan 2024 08:00:00 GMT", issue_text()
        ),
        Entry(
            "feb",
            "February",
            web_site.url("/feb"),
            "Thu, 01 Feb 2024 08:00:00 GMT",
            issue_text("February 2024"),
        ),
    ]
    web_site.serve("/feed.xml", rss(entries), "application/rss+xml")
    result = await fetch(fake_discord, world, web_site.url("/feed.xml"))
    assert result.embeds[0]["title"] == "Preview — This Month in China · February 2024"


async def test_non_editors_cannot_fetch(
    fake_discord: FakeDiscord, masthead: Masthead, world: World, web_site: LocalWeb
) -> None:
    web_site.serve("/issue", (ISSUES / "nine-items-2024-07.html").read_bytes())
    result = await fake_discord.run_command(
        world.guild, world.news, world.moderator, "issue", "fetch", url=web_site.url("/issue")
    )
    assert result.content == "Only the newsletter's editors can import and publish issues."
    assert web_site.hits("/issue") == 0


def refused_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/issue.html"


BAD = {
    "not a URL": ("example.com/issue.html", "not a URL"),
    "javascript": (
        "javascript:alert(1)",
        "only http and https URLs can be fetched, not javascript:",
    ),
    "ftp": ("ftp://127.0.0.1/issue.md", "only http and https URLs can be fetched, not ftp:"),
    "refused": (None, "cannot connect to 127.0.0.1"),
    "404": ("/gone", "HTTP 404 Not Found"),
    "no issue": ("/tea", "no"),
}


@pytest.mark.parametrize("case", list(BAD))
async def test_a_bad_url_is_one_private_line_naming_it(
    fake_discord: FakeDiscord, masthead: Masthead, world: World, web_site: LocalWeb, case: str
) -> None:
    web_site.serve("/tea", "<html><body><p>We sell tea.</p></body></html>")
    given, reason = BAD[case]
    url = refused_url() if given is None else given
    url = web_site.url(url) if url.startswith("/") else url
    result = await fetch(fake_discord, world, url)
    assert result.ephemeral
    assert result.content.startswith(f"{url}: ")
    assert reason in result.content and "\n" not in result.content
    assert await stored(masthead) == []


async def test_a_url_over_2048_characters_never_reaches_the_bot(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    # Registered with max_length 2048: Discord's client refuses a longer value.
    with pytest.raises(ValueError, match="wrong length"):
        await fake_discord.run_command(
            world.guild,
            world.news,
            fake_discord.owner,
            "issue",
            "fetch",
            url="https://example.com/" + "a" * 2981,
        )

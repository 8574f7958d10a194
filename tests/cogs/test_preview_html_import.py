"""/issue import attaches the issue's page: the file `preview --html` writes, showing
what Discord then receives when the editor presses Publish."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, Tag

from fakediscord import FakeDiscord, File, InteractionResult, Message
from masthead.bot import Masthead
from masthead.samples import SAMPLE_ISSUE
from newsletter.parse import parse_issue
from newsletter.render import render_issue
from tests.cli.test_settings_errors import run_cli
from tests.cogs.helpers import World, issue_text, subscribe, wait_delivered
from tests.cogs.test_issue_import import press


async def import_file(fake: FakeDiscord, world: World, name: str, data: bytes) -> InteractionResult:
    result = await fake.run_command(
        world.guild, world.news, fake.owner, "issue", "import", file=File(name, data)
    )
    await result.wait_message()
    return result


def attached_page(result: InteractionResult) -> tuple[str, bytes]:
    message = result.followups[0] if result.followups else result.message
    assert message is not None and message.embeds, result.content
    [file] = message.attachments
    return file.filename, file.data


def shown(message: Message | Tag) -> dict[str, Any]:
    """What a reader sees of a posted message, from Discord's JSON or from the page."""
    if isinstance(message, Tag):

        def text(selector: str) -> list[str]:
            return [node.get_text() for node in message.select(selector)]

        return {
            "title": text(".embed-title"),
            "description": text(".embed-description"),
            "fields": list(zip(text(".field-name"), text(".field-value"), strict=True)),
            "footer": text(".embed-footer"),
            "buttons": text(".button"),
        }
    embeds = message.embeds
    return {
        "title": [e["title"] for e in embeds if "title" in e],
        # The page shows the bot's **bold** as bold, as Discord's client does.
        "description": [
            re.sub(r"\*\*(.+?)\*\*", r"\1", e["description"]) for e in embeds if "description" in e
        ],
        "fields": [(f["name"], f["value"]) for e in embeds for f in e.get("fields", [])],
        "footer": [e["footer"]["text"] for e in embeds if "footer" in e],
        "buttons": [
            f"{c['emoji']['name']} {c['label']}"
            for row in message.components
            for c in row["components"]
        ],
    }


async def test_import_attaches_the_page_the_cli_writes(
    fake_discord: FakeDiscord, masthead: Masthead, world: World, tmp_path: Path
) -> None:
    data = SAMPLE_ISSUE.read_bytes()
    result = await import_file(fake_discord, world, SAMPLE_ISSUE.name, data)
    name, page = attached_page(result)
    assert name == "preview-2023-12.html"
    written = tmp_path / "page.html"
    cli = await asyncio.to_thread(
        run_cli, tmp_path, "preview", str(SAMPLE_ISSUE), "--html", str(written)
    )
    assert cli.returncode == 0, cli.stderr
    assert str(written) in cli.stdout and "7 items" in cli.stdout
    assert page == written.read_bytes()
    assert result.message is not None and result.message.components  # the buttons stay


async def test_the_page_shows_what_discord_gets_on_publish(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await subscribe(fake_discord, world)
    data = SAMPLE_ISSUE.read_bytes()
    result = await import_file(fake_discord, world, SAMPLE_ISSUE.name, data)
    _, page_bytes = attached_page(result)
    await press(fake_discord, result, "Publish")

    document = parse_issue(data, newsletter=masthead.settings.newsletter_name)
    parts = render_issue(document)
    header, posted = await wait_delivered(fake_discord, world.news, len(parts) - 1)
    page = BeautifulSoup(page_bytes.decode("utf-8"), "html.parser")
    on_page = page.select(".message")
    assert len(on_page) == len(parts) == 1 + len(posted)
    assert [shown(m) for m in [*header, *posted]] == [shown(m) for m in on_page]
    thread = fake_discord.threads(world.news)[0]
    assert page.select_one(".thread-start strong").get_text() == thread.name  # type: ignore[union-attr]
    # The attachment stays on the preview once it is handled.
    assert result.message is not None
    assert [a.filename for a in result.message.attachments] == ["preview-2023-12.html"]


async def test_a_file_that_does_not_parse_gets_no_page(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    result = await import_file(fake_discord, world, "junk.txt", b"\x00\xff\x00 binary junk")
    messages = [m for m in [result.message, *result.followups] if m is not None]
    assert messages and not any(m.attachments for m in messages)


async def test_warnings_reach_the_page(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    result = await import_file(fake_discord, world, "2024-01.txt", issue_text().encode())
    name, page_bytes = attached_page(result)
    assert name == "preview-2024-01.html"
    page = BeautifulSoup(page_bytes.decode("utf-8"), "html.parser")
    warnings = [li.get_text() for li in page.select(".warnings li")]
    assert warnings and "no editorial found" in warnings[0]
    assert len(page.select("article.item-card")) == 2

"""/issue import: the preview, its Confirm / Publish / Cancel buttons, and bad files."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from db.repositories import issues
from fakediscord import FakeDiscord, File, InteractionResult, Message, User
from masthead.bot import Masthead
from masthead.importing import store_document
from newsletter.parse import parse_issue
from tests.cogs.helpers import (
    World,
    import_and_publish,
    issue_text,
    restart,
    subscribe,
    wait_delivered,
)


def buttons(message: Message) -> dict[str, str]:
    """Label → custom id of every button on a message."""
    return {
        c["label"]: c["custom_id"]
        for row in message.components
        for c in row["components"]
        if "custom_id" in c
    }


async def stored(bot: Masthead) -> list[tuple[str, str]]:
    async with bot.sessionmaker() as session:
        found = await issues.find_issues(
            session, bot.settings.newsletter_name, published_only=False
        )
    return [(issue.month, issue.status) for issue in found]


async def press(
    fake: FakeDiscord, result: InteractionResult, label: str, user: User | None = None
) -> InteractionResult:
    """Click the preview's button called ``label`` (as the editor unless ``user``)."""
    assert result.message is not None
    return await fake.click(result.message, buttons(result.message)[label], user or fake.owner)


async def preview(
    fake: FakeDiscord, world: World, data: bytes, filename: str = "2024-01.txt"
) -> InteractionResult:
    result = await fake.run_command(
        world.guild, world.news, fake.owner, "issue", "import", file=File(filename, data)
    )
    await result.wait_message()
    return result


async def test_preview_lists_items_and_warnings_with_three_buttons(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    result = await preview(fake_discord, world, issue_text().encode())
    assert result.ephemeral
    embed = result.embeds[0]
    assert embed["title"] == "Preview — This Month in China · January 2024"
    assert "1. Solar farms spread across Gansu" in embed["description"]
    assert "2. Beijing opens a new subway line" in embed["description"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "no editorial found" in fields["Warnings"]
    assert result.message is not None
    assert list(buttons(result.message)) == ["Confirm", "Publish", "Cancel"]
    assert await stored(masthead) == []  # a preview stores nothing yet


async def test_confirm_stores_a_draft_that_latest_does_not_show(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    result = await preview(fake_discord, world, issue_text().encode())
    clicked = await press(fake_discord, result, "Confirm")
    assert clicked.type == 7  # the preview is edited in place
    assert "Imported January 2024." in str(clicked.embeds[0]["fields"])
    assert clicked.components == []
    assert await stored(masthead) == [("2024-01", "draft")]
    latest = await fake_discord.run_command(world.guild, world.news, world.reader, "latest")
    assert latest.content == "No issue has been published yet."


async def test_publish_stores_and_delivers_to_subscribed_channels(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await subscribe(fake_discord, world)
    result = await preview(fake_discord, world, issue_text().encode())
    clicked = await press(fake_discord, result, "Publish")
    assert "Published: queued for 1 channel(s)." in str(clicked.embeds[0]["fields"])
    assert await stored(masthead) == [("2024-01", "published")]
    header, posted = await wait_delivered(fake_discord, world.news, 2)
    assert "January 2024" in header[0].embeds[0]["title"]
    assert [m.embeds[0]["title"][:2] for m in posted] == ["1.", "2."]


async def test_cancel_stores_nothing(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    result = await preview(fake_discord, world, issue_text().encode())
    clicked = await press(fake_discord, result, "Cancel")
    assert "nothing was stored" in str(clicked.embeds[0]["fields"])
    assert await stored(masthead) == []


async def test_second_click_on_a_handled_preview_says_it_was_handled(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await subscribe(fake_discord, world)
    result = await preview(fake_discord, world, issue_text().encode())
    message = result.message
    assert message is not None
    ids = buttons(message)
    # Both clicks leave the client before the first answer edits the buttons away.
    first, second = await asyncio.gather(
        fake_discord.click(message, ids["Publish"], fake_discord.owner),
        fake_discord.click(message, ids["Confirm"], fake_discord.owner),
    )
    answers = sorted([first, second], key=lambda r: r.type or 0)
    assert answers[0].type == 4 and answers[0].ephemeral
    assert answers[0].content == "This preview was already handled or has expired."
    assert answers[1].type == 7
    assert len(await stored(masthead)) == 1


async def test_preview_buttons_work_after_a_restart(
    fake_discord: FakeDiscord,
    masthead: Masthead,
    world: World,
    run_bot: Callable[..., Awaitable[Any]],
) -> None:
    result = await preview(fake_discord, world, issue_text().encode())
    fresh = await restart(fake_discord, masthead, run_bot)
    clicked = await press(fake_discord, result, "Confirm")
    assert "Imported January 2024." in str(clicked.embeds[0]["fields"])
    assert await stored(fresh) == [("2024-01", "draft")]


async def test_non_editor_import_is_refused(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    result = await fake_discord.run_command(
        world.guild,
        world.news,
        world.moderator,  # Manage Server, but not an editor
        "issue",
        "import",
        file=File("2024-01.txt", issue_text().encode()),
    )
    assert result.ephemeral
    assert result.content == "Only the newsletter's editors can import and publish issues."
    assert await stored(masthead) == []


async def test_non_editor_pressing_a_preview_button_is_refused(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    result = await preview(fake_discord, world, issue_text().encode())
    clicked = await press(fake_discord, result, "Publish", world.moderator)
    assert clicked.ephemeral
    assert clicked.content == "Only the newsletter's editors can import and publish issues."
    assert await stored(masthead) == []


BAD_FILES = {
    "empty": (b"   \n", "file is empty"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "file looks binary"),
    "too-large": (b"a" * 2_000_001, "larger than 2 MB"),
    "not-an-issue": (b"Some thoughts about tea.\n\nNothing numbered here.", "no numbered items"),
    "undecodable": (b"January 2024\n1. \x81\x8d\x8f\x90", "cannot decode text"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
async def test_bad_file_gets_one_line_naming_the_file_and_stores_nothing(
    fake_discord: FakeDiscord, masthead: Masthead, world: World, case: str
) -> None:
    data, problem = BAD_FILES[case]
    result = await fake_discord.run_command(
        world.guild,
        world.news,
        fake_discord.owner,
        "issue",
        "import",
        file=File(f"{case}.txt", data),
    )
    message = await result.wait_message()
    assert message.ephemeral
    assert message.content.startswith(f"{case}.txt: ")
    assert problem in message.content
    assert "\n" not in message.content and len(message.content) < 120
    assert await stored(masthead) == []


async def draft(bot: Masthead) -> None:
    document = parse_issue(issue_text(), newsletter=bot.settings.newsletter_name)
    async with bot.sessionmaker.begin() as session:
        await store_document(session, document)


async def test_non_editor_publish_is_refused_and_the_issue_stays_a_draft(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await draft(masthead)
    result = await fake_discord.run_command(
        world.guild, world.news, world.moderator, "issue", "publish", issue="2024-01"
    )
    assert result.ephemeral
    assert result.content == "Only the newsletter's editors can import and publish issues."
    assert await stored(masthead) == [("2024-01", "draft")]


async def test_editor_publishes_a_draft_by_month(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await draft(masthead)
    await subscribe(fake_discord, world)
    result = await fake_discord.run_command(
        world.guild, world.news, fake_discord.owner, "issue", "publish", issue="2024-01"
    )
    assert result.content == "January 2024 is published: queued for 1 new channel(s)."
    await wait_delivered(fake_discord, world.news, 2)


async def test_publishing_an_unknown_issue_names_it(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    result = await fake_discord.run_command(
        world.guild, world.news, fake_discord.owner, "issue", "publish", issue="1999-01"
    )
    assert result.ephemeral
    assert result.content == "No issue matches '1999-01'; pick one from the list."


async def test_publish_autocomplete_shows_drafts_to_editors_only(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead)
    await draft(masthead)
    offered = []
    for user in (fake_discord.owner, world.moderator):
        result = await fake_discord.autocomplete(
            world.guild, world.news, user, "issue", "publish", focused="issue"
        )
        assert result.choices is not None
        offered.append([c["value"] for c in result.choices])
    assert offered == [["2024-01", "2023-12"], ["2023-12"]]

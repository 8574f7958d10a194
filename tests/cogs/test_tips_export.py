"""/tips export: the server's tips as a file, with no anonymous author and no live
spreadsheet formulas; every server's for editors only; too large says what to run."""

from __future__ import annotations

import csv
import io
import json

import discord
import pytest

from fakediscord import FakeDiscord, InteractionResult, User
from masthead.bot import Masthead
from tests.cogs.helpers import World, make_world
from tests.cogs.tip_helpers import send_tip


async def export(
    fake: FakeDiscord, world: World, user: User | None = None, **options: str
) -> InteractionResult:
    result = await fake.run_command(
        world.guild, world.news, user or world.moderator, "tips", "export", **options
    )
    await result.wait_message()
    return result


def attached(result: InteractionResult) -> tuple[str, str]:
    message = result.followups[0] if result.followups else result.message
    assert message is not None and message.attachments, result.content
    [file] = message.attachments
    return file.filename, file.data.decode("utf-8")


async def test_csv_export_neutralizes_formulas_and_hides_anonymous_authors(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await send_tip(fake_discord, world, headline='=HYPERLINK("http://evil","x") story')
    await send_tip(
        fake_discord, world, headline="Anonymous tip about Chengdu pandas", anonymous=True
    )
    result = await export(fake_discord, world)
    name, text = attached(result)
    assert name == "tips-all.csv"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["headline"] for r in rows] == [
        '\'=HYPERLINK("http://evil","x") story',
        "Anonymous tip about Chengdu pandas",
    ]
    assert rows[0]["sent_by"] == str(world.reader.id)
    assert rows[1]["sent_by"] == ""
    assert str(world.reader.id) not in json.dumps(rows[1])


async def test_json_and_markdown_exports_filter_by_status(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await send_tip(fake_discord, world, headline="First pending story | with a pipe")
    result = await export(fake_discord, world, status="pending", format="json")
    name, text = attached(result)
    assert name == "tips-pending.json"
    [row] = json.loads(text)
    assert row["status"] == "pending" and row["headline"].startswith("First pending")
    markdown = attached(await export(fake_discord, world, format="md"))[1]
    assert "First pending story \\| with a pipe" in markdown
    assert not json.loads(
        attached(await export(fake_discord, world, status="approved", format="json"))[1]
    )


async def test_only_editors_export_every_server(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    other = make_world(fake_discord, "Elsewhere")
    await fake_discord.wait_until(lambda: masthead.get_guild(other.guild.id), "guild cached")
    await send_tip(fake_discord, world, headline="A tip from the first server")
    await send_tip(fake_discord, other, headline="A tip from the other server")
    refused = await fake_discord.run_command(
        world.guild, world.news, world.moderator, "tips", "export", scope="all servers"
    )
    assert "Only the newsletter's editors" in refused.content
    mine = json.loads(attached(await export(fake_discord, world, format="json"))[1])
    assert [r["headline"] for r in mine] == ["A tip from the first server"]
    everything = attached(
        await export(fake_discord, world, fake_discord.owner, format="json", scope="all servers")
    )[1]
    assert len(json.loads(everything)) == 2


async def test_readers_cannot_export(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    result = await fake_discord.run_command(world.guild, world.news, world.reader, "tips", "export")
    assert result.ephemeral and "Only moderators" in result.content


async def test_an_export_over_the_upload_limit_names_the_cli(
    fake_discord: FakeDiscord,
    masthead: Masthead,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await send_tip(fake_discord, world)
    # A server's upload limit is 10 MB; a tiny one stands in for a huge export.
    monkeypatch.setattr(discord.Guild, "filesize_limit", property(lambda self: 100))
    result = await export(fake_discord, world)
    assert "over Discord's upload limit" in result.content
    assert "python bot.py tips export" in result.content
    assert not any(m.attachments for m in [result.message, *result.followups] if m)

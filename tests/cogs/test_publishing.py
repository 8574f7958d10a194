"""Posting an issue to every subscribed server, end to end through fakediscord."""

from __future__ import annotations

from pathlib import Path

from fakediscord import FakeDiscord
from fakediscord import permissions as perms
from masthead.bot import Masthead
from newsletter.parse import parse_issue
from newsletter.render import render_issue
from tests.cogs.helpers import (
    SAMPLE,
    import_and_publish,
    make_world,
    subscribe,
    wait_delivered,
    wait_for_failure,
)


def sample_parts() -> list[str]:
    return [p.key for p in render_issue(parse_issue(SAMPLE.read_bytes()))]


async def test_issue_reaches_three_servers_in_order_pinging_only_the_role(
    fake_discord: FakeDiscord, masthead: Masthead
) -> None:
    worlds = [make_world(fake_discord, f"Server {n}") for n in range(3)]
    roles = [fake_discord.add_role(w.guild, "Readers", mentionable=True) for w in worlds]
    for world, role in zip(worlds, roles, strict=True):
        await subscribe(fake_discord, world, ping_role=role)

    await import_and_publish(masthead)

    keys = sample_parts()
    for world, role in zip(worlds, roles, strict=True):
        header, posted = await wait_delivered(fake_discord, world.news, len(keys) - 1)
        assert len(header) == 1
        assert "December 2023" in header[0].embeds[0]["title"]
        assert header[0].mention_roles == [role.id]
        assert not header[0].mention_everyone and header[0].mentions == []
        thread = fake_discord.threads(world.news)[0]
        assert thread.name == "This Month in China — December 2023"
        titles = [m.embeds[0].get("title", "") for m in posted]
        numbered = [t.split(".")[0] for t in titles if t[:1].isdigit()]
        assert numbered == sorted(numbered, key=int)
        assert {str(n) for n in range(1, 8)} <= set(numbered)
        assert any("TEMU" in t for t in titles)
        assert len(posted) == len(keys) - 1  # every part once, header in the channel


async def test_forbidden_channel_fails_alone_and_is_reported(
    fake_discord: FakeDiscord, masthead: Masthead
) -> None:
    ok, blocked = make_world(fake_discord, "Fine"), make_world(fake_discord, "Locked")
    await subscribe(fake_discord, ok)
    await subscribe(fake_discord, blocked)
    fake_discord.deny_bot(blocked.news, perms.SEND_MESSAGES)

    await import_and_publish(masthead)
    await wait_delivered(fake_discord, ok.news, len(sample_parts()) - 1)
    shown = await wait_for_failure(fake_discord, blocked)
    assert "missing permissions" in shown.lower()
    assert fake_discord.messages(blocked.news) == []


async def test_hostile_issue_pings_nobody_and_fits_discord(
    fake_discord: FakeDiscord, masthead: Masthead, tmp_path: Path
) -> None:
    world = make_world(fake_discord)
    await subscribe(fake_discord, world)
    role = fake_discord.add_role(world.guild, "Everyone-ish", mentionable=True)
    long_body = " ".join(["A paragraph of words that keeps going."] * 30)
    ping = f"<@&{role.id}>"
    hostile = (
        "January 2024\n"
        f"1. @everyone look at this {ping}\n"
        "2. A very long item\n\n"
        f"1. @everyone look at this {ping}\n"
        f"@here Beijing announced things. <@{world.reader.id}> is mentioned. "
        "[click](javascript:alert(1))\n"
        "2. A very long item\n" + "\n\n".join([long_body] * 9) + "\n"
    )
    issue_file = tmp_path / "hostile.txt"
    issue_file.write_text(hostile, encoding="utf-8")
    await import_and_publish(masthead, issue_file)
    parts = render_issue(parse_issue(hostile))
    assert len("".join(p.key for p in parts)) > 0
    _, posted = await wait_delivered(fake_discord, world.news, len(parts) - 1)
    everything = fake_discord.messages(world.news) + posted
    for message in everything:
        assert not message.mention_everyone
        assert message.mentions == [] and message.mention_roles == []
    assert len(posted) > 3  # the 10,000-character item was split, not refused

"""`/issue status` end to end: delivery progress that edits itself until it is done."""

from __future__ import annotations

import asyncio
import itertools
import re
import sys
import time
from datetime import timedelta
from types import ModuleType

import pytest

import fakediscord.interactions
from db.repositories import deliveries, issues, schedules
from db.repositories.progress import Failure, Progress
from db.states import DeliveryStatus
from db.types import utcnow
from fakediscord import FakeDiscord, InteractionResult
from fakediscord import permissions as perms
from masthead.bot import Masthead
from masthead.delivery_status import IssueProgress
from tests.cogs.helpers import World, make_world, subscribe
from tests.cogs.schedule_helpers import answer_of, buttons, store_draft

MESSAGES = "/channels/{channel_id}/messages"
EDIT_ORIGINAL = "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
SERVERS = re.compile(r"(\d+)/(\d+) servers")


@pytest.fixture
def status_module(masthead: Masthead) -> ModuleType:
    """The module as the running bot loaded it: a bot that closes unloads its extensions,
    and the next one imports them anew."""
    return sys.modules["cogs.issues._status"]


@pytest.fixture
def quick_updates(status_module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(status_module, "LIVE_SECONDS", 0.5)


def servers_done(embed: dict[str, object]) -> tuple[int, int]:
    found = SERVERS.search(str(embed.get("description", "")))
    assert found, embed
    return int(found[1]), int(found[2])


def shown(body: object) -> tuple[str, str]:
    """What an edit shows, its clock aside: the description and the fields."""
    assert isinstance(body, dict)
    (embed,) = body["embeds"]
    return embed["description"], str(embed.get("fields"))


def embed_size(embed: dict[str, object]) -> int:
    """Characters counted toward Discord's 6,000 per embed."""
    fields = embed.get("fields") or []
    assert isinstance(fields, list)
    footer = embed.get("footer") or {}
    assert isinstance(footer, dict)
    return (
        len(str(embed.get("title", "")))
        + len(str(embed.get("description", "")))
        + sum(len(f["name"]) + len(f["value"]) for f in fields)
        + len(str(footer.get("text", "")))
    )


async def status(fake: FakeDiscord, world: World, **options: str) -> InteractionResult:
    result = await fake.run_command(
        world.guild, world.news, fake.owner, "issue", "status", **options
    )
    assert result.ephemeral
    return result


async def test_status_during_a_delivery_to_50_servers_rises_to_50_of_50_naming_the_failure(
    fake_discord: FakeDiscord, masthead: Masthead, quick_updates: None
) -> None:
    worlds = [make_world(fake_discord, f"Server {n}") for n in range(50)]
    for world in worlds:
        await subscribe(fake_discord, world)
    blocked = worlds[17]
    fake_discord.deny_bot(blocked.news, perms.SEND_MESSAGES)
    await store_draft(masthead)
    fake_discord.slow(0.3, method="POST", route=MESSAGES)  # a delivery long enough to watch

    published = await fake_discord.run_command(
        worlds[0].guild, worlds[0].news, fake_discord.owner, "issue", "publish", issue="2024-01"
    )
    assert "queued for 50 new channel(s)" in published.content
    answer = await status(fake_discord, worlds[0])
    seen = [servers_done(answer.embeds[0])]
    assert seen[0][0] < 50

    def finished() -> bool:
        done = servers_done(answer.embeds[0])
        if done != seen[-1]:
            seen.append(done)
        return "Delivery finished" in answer.embeds[0]["footer"]["text"]

    await fake_discord.wait_until(finished, "the answer to show the delivery done", slow=True)
    counts = [done for done, _ in seen]
    assert counts == sorted(counts) and len(set(counts)) >= 3, seen
    assert seen[-1] == (50, 50)
    embed = answer.embeds[0]
    assert "Out: delivered to 49 of 50 servers; 1 failed." in embed["description"]
    assert "Delivered 49 · in progress 0 · waiting 0 · failed 1" in embed["description"]
    (failed,) = embed["fields"]
    assert failed["name"] == "Failed (1)"
    assert failed["value"].startswith("#news in Server 17: missing permissions in the channel")
    assert set(buttons(answer_of(answer))) == {"Refresh"}
    # Edited only when something moved (not on every tick), and not after the end.
    edits = [shown(r.body) for r in fake_discord.requests_to("PATCH", EDIT_ORIGINAL)]
    assert len(edits) >= len(seen) - 1
    assert all(before != after for before, after in itertools.pairwise(edits)), edits
    await asyncio.sleep(1.5)
    assert len(fake_discord.requests_to("PATCH", EDIT_ORIGINAL)) == len(edits)
    assert len(fake_discord.messages(blocked.news)) == 0


async def test_at_2000_servers_the_answer_fits_one_embed_with_the_first_failures(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    issue = await store_draft(masthead)
    reason = "missing permissions in the channel: " + "x" * 264  # as long as reasons get
    async with masthead.sessionmaker.begin() as session:
        await issues.mark_published(session, await session.merge(issue))
        for n in range(2000):
            delivery, _ = await deliveries.queue_delivery(
                session, issue_id=issue.id, guild_id=10_000 + n, channel_id=20_000 + n
            )
            failed = n % 4 == 0
            await deliveries.set_status(
                session,
                delivery.id,
                DeliveryStatus.FAILED if failed else DeliveryStatus.DONE,
                reason=reason if failed else None,
            )
    embed = (await status(fake_discord, world)).embeds[0]
    assert "Out: delivered to 1500 of 2000 servers; 500 failed." in embed["description"]
    assert servers_done(embed) == (2000, 2000)
    (failed,) = embed["fields"]
    assert failed["name"] == "Failed (500)"
    lines = failed["value"].split("\n")
    assert lines[0].startswith("channel 20000 in server 10000: missing permissions")
    assert re.fullmatch(r"and (\d+) more", lines[-1])
    assert len(lines) - 1 + int(lines[-1].split()[1]) == 500
    assert len(failed["value"]) <= 1024 and embed_size(embed) <= 6000


async def test_an_in_progress_embed_at_2000_servers_stays_within_limits(
    masthead: Masthead, status_module: ModuleType
) -> None:
    issue = await store_draft(masthead)
    async with masthead.sessionmaker.begin() as session:
        issue = await session.merge(issue)
        await issues.mark_published(session, issue)
    reason = "r" * 300
    progress = Progress(
        delivered=1200,
        delivering=50,
        waiting=650,
        failed=100,
        failures=tuple(Failure(n, n, reason) for n in range(25)),
    )
    for state in ("live", "final", "stopped"):
        embed = status_module.status_embed(
            masthead, IssueProgress(issue, progress, None), state
        ).to_dict()
        assert "On its way: 1300 of 2000 servers done." in embed["description"]
        assert "█████████████░░░░░░░ 1300/2000 servers (65%)" in embed["description"]
        assert embed["fields"][0]["value"].endswith("more")
        assert embed_size(embed) <= 6000


async def test_the_answer_stops_before_its_token_dies_and_refresh_follows_again(
    fake_discord: FakeDiscord,
    masthead: Masthead,
    quick_updates: None,
    status_module: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(status_module, "LIVE_FOR_SECONDS", 2.0)
    monkeypatch.setattr(fakediscord.interactions, "_TOKEN_LIFETIME", 4.0)
    worlds = [make_world(fake_discord, f"Server {n}") for n in range(2)]
    for world in worlds:
        await subscribe(fake_discord, world)
    await store_draft(masthead)
    fake_discord.slow(2.0, method="POST", route=MESSAGES)
    await fake_discord.run_command(
        worlds[0].guild, worlds[0].news, fake_discord.owner, "issue", "publish", issue="2024-01"
    )
    answer = await status(fake_discord, worlds[0])
    await fake_discord.wait_until(
        lambda: "press Refresh" in answer.embeds[0]["footer"]["text"], "the updates to stop"
    )
    assert servers_done(answer.embeds[0])[0] < 2
    # The token dies; nothing edits the answer any more (an edit now would be refused).
    await fake_discord.wait_until(
        lambda: time.monotonic() - answer.interaction.created > 4.0, "the token to expire"
    )
    monkeypatch.setattr(status_module, "LIVE_FOR_SECONDS", 60.0)  # follow to the end now
    monkeypatch.setattr(fakediscord.interactions, "_TOKEN_LIFETIME", 60.0)
    refreshed = await fake_discord.click(
        answer_of(answer), buttons(answer_of(answer))["Refresh"], fake_discord.owner
    )
    assert refreshed.type == 7
    await fake_discord.wait_until(
        lambda: "Delivery finished" in refreshed.embeds[0]["footer"]["text"],
        "the refreshed answer to follow the delivery to its end",
        slow=True,
    )
    assert servers_done(refreshed.embeds[0]) == (2, 2)


async def test_without_a_published_issue_or_for_a_scheduled_one(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    assert "No issue is published yet" in (await status(fake_discord, world)).content
    issue = await store_draft(masthead)
    async with masthead.sessionmaker.begin() as session:
        await schedules.schedule_issue(session, issue.id, utcnow() + timedelta(hours=3), by=None)
    embed = (await status(fake_discord, world, issue="2024-01")).embeds[0]
    assert embed["description"].startswith("**Scheduled.**\nScheduled for <t:")
    assert "UTC" in embed["description"]
    unknown = await status(fake_discord, world, issue="1999-01")
    assert "No issue matches" in unknown.content


async def test_only_editors_see_the_status_and_refresh_it(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await store_draft(masthead)
    await fake_discord.run_command(
        world.guild, world.news, fake_discord.owner, "issue", "publish", issue="2024-01"
    )
    refused = await fake_discord.run_command(
        world.guild, world.news, world.moderator, "issue", "status"
    )
    assert "Only the newsletter's editors" in refused.content
    answer = await status(fake_discord, world)
    assert "no server has an announce channel" in answer.embeds[0]["description"]
    pressed = await fake_discord.click(
        answer_of(answer), buttons(answer_of(answer))["Refresh"], world.moderator
    )
    assert "Only the newsletter's editors" in pressed.content

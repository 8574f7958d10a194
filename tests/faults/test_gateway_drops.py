"""The gateway connection dropped (the bot resumes) and its session invalidated (the bot
identifies again) in the middle of delivery and of commands: nothing posted twice or
lost, every command sent over a resumable connection answered."""

from __future__ import annotations

import asyncio
import random

import pytest

from fakediscord import FakeDiscord, InteractionResult
from tests.cogs.helpers import make_world, subscribe
from tests.faults.conftest import FaultCounts, StartBot
from tests.faults.issues import assert_serving, posted, store_issues, trial_issue
from tests.faults.ledger import issue_parts

pytestmark = pytest.mark.faults

MESSAGES = "/channels/{channel_id}/messages"


async def test_gateway_dropped_and_invalidated_mid_delivery_posts_each_part_once(
    fake_discord: FakeDiscord,
    start_masthead: StartBot,
    database_url: str,
    backend: str,
    fault_counts: FaultCounts,
) -> None:
    await start_masthead(database_url)
    worlds = [make_world(fake_discord, f"Server {n}") for n in range(3)]
    for world in worlds:
        await subscribe(fake_discord, world, backfill=False)
    channels = [w.news for w in worlds]
    texts = [trial_issue(7), trial_issue(8)]
    await store_issues(database_url, texts, published=False)
    fake_discord.slow(0.05, method="POST", route=MESSAGES)  # deliveries long enough to hit

    for seed, month, fault in ((1501, 7, "dropped"), (1502, 8, "invalidated")):
        rng = random.Random(seed)
        parts = issue_parts(texts[month - 7])
        total = len(parts) * len(worlds)
        expected = posted(fake_discord, channels) + total
        hit_after = rng.randint(1, total - 1)
        trial = fault_counts.trial(
            f"[{backend}] gateway {fault} mid-delivery seed={seed}: after {hit_after}/{total} posts"
        )
        resumes, identifies = fake_discord.gateway.resumes, fake_discord.gateway.identifies
        world = worlds[0]
        answer = await fake_discord.run_command(
            world.guild,
            world.news,
            fake_discord.owner,
            "issue",
            "publish",
            issue=f"2024-{month:02d}",
        )
        assert "queued for 3 new channel(s)" in answer.content, answer.content
        start = expected - total
        await fake_discord.wait_until(
            lambda n=hit_after, s=start: posted(fake_discord, channels) - s >= n, "posts"
        )
        if fault == "dropped":
            assert await fake_discord.drop_gateway() == 1
            await fake_discord.wait_until(
                lambda r=resumes: fake_discord.gateway.resumes > r, "RESUME", slow=True
            )
        else:
            fake_discord.invalidate_session(resumable=False)
            await fake_discord.wait_until(
                lambda i=identifies: fake_discord.gateway.identifies > i, "IDENTIFY", slow=True
            )
        await fake_discord.wait_until(
            lambda e=expected: posted(fake_discord, channels) >= e, "delivery", slow=True
        )
        await asyncio.sleep(0.1)
        fault_counts.check_parts(fake_discord, channels, parts, trial=trial)
        title = f"{('July', 'August')[month - 7]} 2024"
        await assert_serving(fake_discord, worlds[2], title, trial=trial)


async def test_commands_in_flight_when_the_gateway_drops_are_answered(
    fake_discord: FakeDiscord,
    start_masthead: StartBot,
    database_url: str,
    backend: str,
    fault_counts: FaultCounts,
) -> None:
    seed = 1503
    rng = random.Random(seed)
    await start_masthead(database_url)
    world = make_world(fake_discord, "Readers")
    await store_issues(database_url, [trial_issue(9)], published=True)
    drop_at = rng.uniform(0.0, 0.05)
    trial = fault_counts.trial(
        f"[{backend}] gateway dropped among commands seed={seed}: at {drop_at:.3f} s"
    )

    async def ask(n: int) -> InteractionResult:
        await asyncio.sleep(rng.uniform(0.0, 0.1))
        if n % 2:
            return await fake_discord.run_command(world.guild, world.news, world.reader, "latest")
        return await fake_discord.run_command(
            world.guild, world.news, world.reader, "item", number=1 + n % 4
        )

    asked = [asyncio.create_task(ask(n)) for n in range(8)]
    await asyncio.sleep(drop_at)
    resumes = fake_discord.gateway.resumes
    assert await fake_discord.drop_gateway() == 1
    answers = await asyncio.gather(*asked)
    assert fake_discord.gateway.resumes > resumes, f"{trial}: the bot did not resume"
    for n, answer in enumerate(answers):
        assert answer.embeds, f"{trial}: command {n} got {answer.content!r}"
    # Every command answered once: exactly one response per interaction.
    callbacks = fake_discord.requests_to(
        "POST", "/interactions/{interaction_id}/{interaction_token}/callback"
    )
    assert len([c for c in callbacks if c.status < 300]) == len(answers), trial

    # A session Discord invalidates: the bot identifies again and serves.
    identifies = fake_discord.gateway.identifies
    fake_discord.invalidate_session(resumable=False)
    await fake_discord.wait_until(
        lambda: fake_discord.gateway.identifies > identifies, "IDENTIFY", slow=True
    )
    await assert_serving(fake_discord, world, "September 2024", trial=trial)

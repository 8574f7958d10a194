"""PostgreSQL stopped and started again (the suite's own cluster, FAULTS_DATABASE_URL)
while an issue is being delivered and while readers send tips: nothing posted twice or
lost, every tip a reader got a number for is stored, and the bot serves again afterwards
without a restart of its own."""

from __future__ import annotations

import asyncio
import random
import re

import pytest
from sqlalchemy import select

from db.models import Tip
from fakediscord import FakeDiscord, User
from masthead.bot import Masthead
from masthead.utils.errors import DATABASE_UNAVAILABLE
from tests.cogs.helpers import World, make_world, subscribe
from tests.faults.cluster import Cluster
from tests.faults.conftest import FaultCounts, StartBot
from tests.faults.issues import assert_serving, posted, store_issues, trial_issue
from tests.faults.ledger import issue_parts

pytestmark = pytest.mark.faults

MESSAGES = "/channels/{channel_id}/messages"
RECEIPT = re.compile(r"Your tip \*\*#(\d+)\*\*")
RATE_LIMITED = "the most allowed"  # over TIP_LIMIT_PER_HOUR


async def test_postgresql_restarted_mid_delivery_posts_each_part_once(
    fake_discord: FakeDiscord,
    start_masthead: StartBot,
    faults_database_url: str,
    faults_cluster: Cluster,
    fault_counts: FaultCounts,
) -> None:
    seed = 1401
    rng = random.Random(seed)
    await start_masthead(faults_database_url)
    worlds = [make_world(fake_discord, f"Server {n}") for n in range(3)]
    for world in worlds:
        await subscribe(fake_discord, world, backfill=False)
    text = trial_issue(5)
    await store_issues(faults_database_url, [text], published=False)
    parts = issue_parts(text)
    total = len(parts) * len(worlds)
    channels = [w.news for w in worlds]

    # Slow posts keep the delivery going through the outage.
    fake_discord.slow(0.25, method="POST", route=MESSAGES)
    answer = await fake_discord.run_command(
        worlds[0].guild, worlds[0].news, fake_discord.owner, "issue", "publish", issue="2024-05"
    )
    assert "queued for 3 new channel(s)" in answer.content, answer.content
    stop_after = rng.randint(1, len(worlds))
    outage = rng.uniform(1.0, 3.0)
    trial = fault_counts.trial(
        f"PostgreSQL down mid-delivery seed={seed}: after {stop_after}/{total} posts, "
        f"for {outage:.1f} s"
    )
    await fake_discord.wait_until(lambda: posted(fake_discord, channels) >= stop_after, "posts")
    await faults_cluster.stop()
    during = posted(fake_discord, channels)
    await asyncio.sleep(outage)
    await faults_cluster.start()
    assert during < total, f"{trial}: delivery finished before the outage; slow it down"
    fake_discord.clear_faults()

    await fake_discord.wait_until(
        lambda: posted(fake_discord, channels) >= total, "delivery after the outage", slow=True
    )
    await asyncio.sleep(0.2)
    fault_counts.check_parts(fake_discord, channels, parts, trial=trial)
    await assert_serving(fake_discord, worlds[1], "May 2024", trial=trial)


async def test_tips_through_a_postgresql_restart_are_stored_or_refused(
    fake_discord: FakeDiscord,
    start_masthead: StartBot,
    faults_database_url: str,
    faults_cluster: Cluster,
    fault_counts: FaultCounts,
) -> None:
    """Tips in flight as the database goes down, sent while it is down, and sent after it
    came back: each is acknowledged with a number (and then stored) or refused as
    temporarily unavailable (or over the hourly limit); none goes unanswered."""
    seed = 1402
    rng = random.Random(seed)
    bot = await start_masthead(faults_database_url)
    world = make_world(fake_discord, "Tipsters")
    readers = [fake_discord.add_user(f"reader {n}") for n in range(6)]
    for reader in readers:
        fake_discord.add_member(world.guild, reader)
    await store_issues(faults_database_url, [trial_issue(6)], published=True)
    outage = rng.uniform(1.0, 2.5)
    trial = fault_counts.trial(f"PostgreSQL down during /tip seed={seed}: for {outage:.1f} s")

    answers: dict[str, str] = {}
    headlines = iter(f"Ferry route {1000 + n} reopens after the winter storms" for n in range(99))

    async def wave(delay_spread: float) -> None:
        async def one(reader: User, headline: str) -> None:
            await asyncio.sleep(rng.uniform(0, delay_spread))
            answers[headline] = await _answer(fake_discord, world, reader, headline)

        await asyncio.gather(*(one(reader, next(headlines)) for reader in readers))

    before = asyncio.create_task(wave(1.0))  # some done, some in flight as it stops
    await asyncio.sleep(rng.uniform(0.3, 0.7))
    await faults_cluster.stop()
    await before
    await wave(outage / 2)  # sent while it is down
    await asyncio.sleep(outage / 2)
    await faults_cluster.start()
    # Serving again: a tip is accepted (the first may still meet a connection that died).
    for reader, n in zip(readers, range(2000, 2003), strict=False):
        headline = f"Ferry route {n} opens with new boats"
        answers[headline] = await _answer(fake_discord, world, reader, headline)
        if RECEIPT.search(answers[headline]):
            break
    else:
        raise AssertionError(f"{trial}: no tip accepted after the restart: {answers}")

    acknowledged = {}
    for headline, text in answers.items():
        found = RECEIPT.search(text)
        if found:
            acknowledged[int(found[1])] = headline
        else:
            # The refusal of a sent form goes on to quote what the reader typed.
            refused = text.startswith(DATABASE_UNAVAILABLE) or RATE_LIMITED in text
            assert refused, f"{trial}: {headline!r} was answered {text!r}"
    stored = await _stored(bot)
    # Not an error, but worth seeing: a tip stored although its reader was told to retry.
    unacknowledged = len(set(stored) - set(acknowledged))
    print(
        f"{trial}: {len(acknowledged)} of {len(answers)} tips acknowledged, the rest refused; "
        f"stored without a receipt: {unacknowledged}"
    )
    fault_counts.check_tips(acknowledged, stored, trial=trial)
    await assert_serving(fake_discord, world, "June 2024", trial=trial)


async def _answer(fake: FakeDiscord, world: World, reader: User, headline: str) -> str:
    """What the reader is told, at the form's opening or after sending it."""
    try:
        opened = await fake.run_command(world.guild, world.news, reader, "tip")
        if opened.modal is None:
            return opened.content or ""
        answer = await fake.submit_modal(opened, {"headline": headline, "link": "", "why": ""})
        await answer.wait_message()
    except TimeoutError as exc:
        return f"no answer: {exc}"
    return answer.content or ""


async def _stored(bot: Masthead) -> dict[int, str]:
    async with bot.sessionmaker() as session:
        rows = await session.execute(select(Tip.id, Tip.headline))
        return {tip_id: headline for tip_id, headline in rows.all()}

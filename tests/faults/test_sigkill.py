"""The real `python bot.py` killed with SIGKILL at seeded random moments of delivery,
then started again: every part in every server exactly once.

A trial waits until a seeded number of this issue's posts reached Discord, then a
seeded pause of up to 20 ms (so the kill lands anywhere: between a post and its record,
while a request is in flight, between two channels), kills the bot and starts it again.
"""

from __future__ import annotations

import asyncio
import calendar
import random
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from fakediscord import BotProcess, FakeDiscord
from newsletter.render import Part
from tests.cogs.helpers import World, make_world, subscribe
from tests.faults.conftest import FaultCounts
from tests.faults.issues import assert_serving, posted, store_issues, trial_issue
from tests.faults.ledger import count_parts, issue_parts

pytestmark = pytest.mark.faults

BOT = str(Path(__file__).resolve().parents[2] / "bot.py")
COMMANDS = ("setup", "issue", "latest")
TRIALS = 10
FIRST_SEED = 1201  # trial n uses FIRST_SEED + n
MAX_PAUSE = 0.02
Spawn = Callable[..., Awaitable[BotProcess]]


async def _kill_mid_delivery(
    fake: FakeDiscord, proc: BotProcess, worlds: list[World], rng: random.Random, total: int
) -> str:
    """Kill once a seeded number of posts (1 to total-1) is out; returns what was done."""
    channels = [w.news for w in worlds]
    before = posted(fake, channels)
    kill_after = rng.randint(1, total - 1)
    pause = rng.uniform(0, MAX_PAUSE)
    await fake.wait_until(
        lambda: posted(fake, channels) - before >= kill_after, f"{kill_after} posts", slow=True
    )
    await asyncio.sleep(pause)
    await proc.kill()
    return f"killed after {kill_after}/{total} posts + {pause * 1000:.0f} ms"


async def _wait_complete(fake: FakeDiscord, worlds: list[World], target: int) -> None:
    """Until the channels hold ``target`` messages, or the wait times out (the check that
    follows then says what is missing)."""
    channels = [w.news for w in worlds]
    try:
        await fake.wait_until(lambda: posted(fake, channels) >= target, "delivery", slow=True)
    except TimeoutError:
        return
    await asyncio.sleep(0.1)  # a duplicate sent at once would show by now; later ones
    # are caught by the final pass over every trial


@pytest.mark.timeout(300)  # ten restarts of the real bot: a minute, more on a busy machine
async def test_ten_sigkills_at_random_moments_leave_every_part_exactly_once(
    fake_discord: FakeDiscord, tmp_path: Path, fault_counts: FaultCounts
) -> None:
    """Two lanes of five trials side by side, each a bot with its own emulator and
    database: a restart is mostly the interpreter starting, which the lanes overlap."""
    plans = []
    for lane in range(2):
        trials = range(lane * TRIALS // 2, (lane + 1) * TRIALS // 2)
        texts = {n: trial_issue(n + 1) for n in trials}
        cwd = tmp_path / f"lane{lane}"
        database_url = f"sqlite+aiosqlite:///{cwd / 'bot.db'}"  # made by the engine
        await store_issues(database_url, list(texts.values()), published=False)
        plans.append((texts, cwd, database_url))
    async with FakeDiscord() as second, asyncio.TaskGroup() as lanes:
        for fake, plan in zip((fake_discord, second), plans, strict=True):
            lanes.create_task(_lane(fake, *plan, fault_counts))
    assert not second.unexpected_violations(), second.unexpected_violations()


async def _lane(
    fake: FakeDiscord,
    texts: dict[int, str],
    cwd: Path,
    database_url: str,
    fault_counts: FaultCounts,
) -> None:
    worlds = [make_world(fake, f"Server {n}") for n in range(3)]
    proc = BotProcess(fake.bot_env(DATABASE_URL=database_url), cwd, (BOT,))
    try:
        await proc.start(fake)
        await proc.wait_ready(fake, commands=COMMANDS)
        for world in worlds:
            await subscribe(fake, world, backfill=False)
        checked = [
            await _trial(fake, proc, worlds, n, text, fault_counts) for n, text in texts.items()
        ]
    finally:
        await proc.close()
    # Nothing turned up twice later on, after another trial's restart.
    for trial, parts in checked:
        for world in worlds:
            assert count_parts(fake, world.news, parts).exact, f"later: {trial}"


async def _trial(
    fake: FakeDiscord,
    proc: BotProcess,
    worlds: list[World],
    n: int,
    text: str,
    fault_counts: FaultCounts,
) -> tuple[str, list[Part]]:
    """Publish trial issue ``n``, kill the bot mid-delivery, start it, check."""
    seed = FIRST_SEED + n
    rng = random.Random(seed)
    channels = [w.news for w in worlds]
    parts = issue_parts(text)
    total = len(parts) * len(worlds)
    month = f"2024-{n + 1:02d}"
    expected = posted(fake, channels) + total
    answer = await fake.run_command(
        worlds[0].guild, worlds[0].news, fake.owner, "issue", "publish", issue=month
    )
    assert "queued for 3 new channel(s)" in answer.content, answer.content
    done = await _kill_mid_delivery(fake, proc, worlds, rng, total)
    trial = fault_counts.trial(f"SIGKILL seed={seed} issue {month}: {done}")
    await proc.start(fake)
    await proc.wait_ready(fake)
    await _wait_complete(fake, worlds, expected)
    fault_counts.check_parts(fake, channels, parts, trial=trial)
    title = f"{calendar.month_name[n + 1]} 2024"
    await assert_serving(fake, worlds[n % len(worlds)], title, trial=trial)
    return trial, parts


@pytest.mark.timeout(240)
async def test_two_processes_one_killed_mid_delivery_still_post_each_part_once(
    fake_discord: FakeDiscord,
    bot_process: Spawn,
    faults_database_url: str,
    tmp_path: Path,
    fault_counts: FaultCounts,
) -> None:
    seed = FIRST_SEED + 100
    rng = random.Random(seed)
    worlds: list[World] = []
    # Servers on both processes' shards (a guild's shard comes from its id's timestamp).
    while len(worlds) < 6 or len({_shard(w) for w in worlds}) < 2:
        worlds.append(make_world(fake_discord, f"Server {len(worlds)}"))
        await asyncio.sleep(0.003)
    # One shard each: a process with two waits 5 s between their IDENTIFYs, as on Discord.
    env = {"DATABASE_URL": faults_database_url, "SHARD_COUNT": "2"}
    text = trial_issue(11)
    # Migrated here first, so that the two processes can start side by side.
    await store_issues(faults_database_url, [text], published=False)
    procs = await asyncio.gather(
        *(
            bot_process((BOT,), env={**env, "SHARD_IDS": i}, cwd=tmp_path, commands=COMMANDS)
            for i in ("0", "1")
        )
    )
    await fake_discord.wait_until(lambda: fake_discord.gateway.identifies >= 2, "both shards")
    for world in worlds:
        await subscribe(fake_discord, world, backfill=False)
    parts = issue_parts(text)
    victim = rng.randrange(2)
    its_worlds = [w for w in worlds if _shard(w) == victim]
    # Published through the process that is then killed, so it is surely delivering.
    on_victim = its_worlds[0]
    answer = await fake_discord.run_command(
        on_victim.guild, on_victim.news, fake_discord.owner, "issue", "publish", issue="2024-11"
    )
    assert f"queued for {len(worlds)} new channel(s)" in answer.content, answer.content
    # Killed after some of its own servers' posts: in the middle of its share.
    its_total = len(parts) * len(its_worlds)
    done = await _kill_mid_delivery(fake_discord, procs[victim], its_worlds, rng, its_total)
    trial = fault_counts.trial(f"SIGKILL of process {victim} of 2 (PostgreSQL) seed={seed}: {done}")
    await procs[victim].start(fake_discord)
    await procs[victim].wait_ready(fake_discord)
    await _wait_complete(fake_discord, worlds, len(parts) * len(worlds))
    fault_counts.check_parts(fake_discord, [w.news for w in worlds], parts, trial=trial)
    for world in (worlds[0], on_victim):
        await assert_serving(fake_discord, world, "November 2024", trial=trial)


def _shard(world: World) -> int:
    return (world.guild.id >> 22) % 2

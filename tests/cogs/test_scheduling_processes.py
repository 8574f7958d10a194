"""Scheduled publishing with real `python bot.py` processes: killed before the time and
started after it, and two processes (one per shard) racing for the same schedules."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from db.engine import create_engine, create_sessionmaker
from db.states import IssueStatus, ScheduleStatus
from fakediscord import BotProcess, FakeDiscord
from masthead.bot import Masthead
from tests.cogs.helpers import World, make_world, wait_delivered
from tests.cogs.schedule_helpers import (
    issue_row,
    schedule_rows,
    sleep_past,
    store_draft,
    typed_time,
    write_draft,
)

BOT = str(Path(__file__).resolve().parents[2] / "bot.py")
PARTS = 3  # issue_text(): the header, then two items in the thread
FIRED = "published scheduled issue"  # the scheduler's log line, once per publish
UTC_ZONE = ZoneInfo("UTC")


async def _announce(fake: FakeDiscord, world: World) -> None:
    result = await fake.run_command(
        world.guild, world.news, world.moderator, "setup", "announce", channel=world.news
    )
    assert result.ephemeral, result.content


def _cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, BOT, *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_killed_before_its_time_and_restarted_after_it_publishes_once(
    fake_discord: FakeDiscord,
    bot_process: Callable[..., Awaitable[BotProcess]],
    database_url: str,
    tmp_path: Path,
) -> None:
    env = {"DATABASE_URL": database_url}
    worlds = [make_world(fake_discord, f"Server {n}") for n in range(2)]
    proc = await bot_process((BOT,), env=env, cwd=tmp_path, commands=("setup", "issue"))
    for world in worlds:
        await _announce(fake_discord, world)
    imported = await asyncio.to_thread(_cli, env, tmp_path, "import", str(write_draft(tmp_path)))
    assert imported.returncode == 0, imported.stderr
    typed, moment = typed_time(2, UTC_ZONE)
    scheduled = await fake_discord.run_command(
        worlds[0].guild,
        worlds[0].news,
        fake_discord.owner,
        "issue",
        "publish",
        issue="2024-01",
        at=typed,
    )
    assert "will be published" in scheduled.content, scheduled.content

    await proc.kill()
    await sleep_past(moment, 2)  # the time passes while the bot is down
    assert all(fake_discord.messages(w.news) == [] for w in worlds)
    restarted_at = datetime.now(UTC)
    await proc.start(fake_discord)
    await proc.wait_ready(fake_discord)

    for world in worlds:
        header, posted = await wait_delivered(fake_discord, world.news, PARTS - 1)
        assert len(header) == 1 and len(posted) == PARTS - 1
    engine = create_engine(database_url)
    try:
        sessions = create_sessionmaker(engine)
        issue = await issue_row(sessions, "2024-01")
        (schedule,) = await schedule_rows(sessions)
    finally:
        await engine.dispose()
    assert issue.status == IssueStatus.PUBLISHED and issue.published_at is not None
    assert restarted_at <= issue.published_at <= restarted_at + timedelta(seconds=10)
    assert (schedule.status, schedule.queued) == (ScheduleStatus.PUBLISHED, 2)
    assert proc.output().count(FIRED) == 1


async def test_two_processes_publish_each_schedule_once(
    fake_discord: FakeDiscord,
    bot_process: Callable[..., Awaitable[BotProcess]],
    database_url: str,
    tmp_path: Path,
) -> None:
    env = {"DATABASE_URL": database_url, "SHARD_COUNT": "2"}
    worlds: list[World] = []
    while len({(w.guild.id >> 22) % 2 for w in worlds}) < 2 or len(worlds) < 3:
        worlds.append(make_world(fake_discord, f"Server {len(worlds)}"))
        await asyncio.sleep(0.003)  # the next guild id's timestamp, so the shard, moves on
    procs = [
        await bot_process(
            (BOT,), env={**env, "SHARD_IDS": str(shard)}, cwd=tmp_path, commands=("setup",)
        )
        for shard in (0, 1)
    ]
    for world in worlds:
        await _announce(fake_discord, world)
    # Three issues due at the same moment, scheduled from the command line: both
    # processes wake for them at once.
    typed, _ = typed_time(6, UTC_ZONE)  # the command line takes a while to start
    months = ("January 2024", "February 2024", "March 2024")
    files = [str(write_draft(tmp_path, month)) for month in months]
    imported = await asyncio.to_thread(_cli, env, tmp_path, "import", *files, "--publish-at", typed)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.count("to be published") == 3

    for world in worlds:
        await fake_discord.wait_until(
            lambda w=world: len(fake_discord.messages(w.news)) >= 3, "three headers", slow=True
        )
    await asyncio.sleep(1)  # anything posted twice would have shown by now
    for world in worlds:
        headers = [m.embeds[0]["title"] for m in fake_discord.messages(world.news)]
        assert len(headers) == len(set(headers)) == 3, headers
    logs = [p.output() for p in procs]
    assert sum(log.count(FIRED) for log in logs) == 3, logs
    for month in ("2024-01", "2024-02", "2024-03"):
        assert sum(log.count(f"{FIRED} {month}") for log in logs) == 1
    engine = create_engine(database_url)
    try:
        rows = await schedule_rows(create_sessionmaker(engine))
    finally:
        await engine.dispose()
    assert [r.status for r in rows] == [ScheduleStatus.PUBLISHED] * 3
    assert sum(r.queued or 0 for r in rows) == 3 * len(worlds)


async def test_schedulers_racing_in_one_process_publish_once(
    fake_discord: FakeDiscord, masthead: Masthead
) -> None:
    from cogs.schedules._scheduler import Scheduler
    from db.repositories import schedules

    world = make_world(fake_discord)
    await _announce(fake_discord, world)
    issue = await store_draft(masthead)
    now = datetime.now(UTC)
    async with masthead.sessionmaker.begin() as session:
        await schedules.schedule_issue(session, issue.id, now + timedelta(hours=1), by=None)
    async with masthead.sessionmaker() as session:
        (waiting,) = await schedules.waiting(session, masthead.settings.newsletter_name)
    later = now + timedelta(hours=2)  # due for these schedulers, not the bot's own
    racing = [Scheduler(masthead) for _ in range(6)]
    won = await asyncio.gather(*(s.fire(waiting.schedule_id, later) for s in racing))
    assert sorted(won) == [False] * 5 + [True]
    await wait_delivered(fake_discord, world.news, PARTS - 1)
    (row,) = await schedule_rows(masthead.sessionmaker)
    assert (row.status, row.queued) == (ScheduleStatus.PUBLISHED, 1)

"""Benchmark the editor's answer to /issue publish at many subscribed servers (issue 12).

The real Masthead bot (in this process; a temporary SQLite database, or --database-url)
with --servers servers subscribed (their settings rows written in bulk, as /setup
announce stores them) publishes a fresh draft issue per round with /issue publish. The
answer's latency is the emulator's own measure (INTERACTION_CREATE sent to callback
received); Discord refuses an answer after 3 seconds. The delivery worker is unloaded:
posting to thousands of servers is bench_delivery.py's business, and the worker is
woken only after the answer anyway.

Baselines in the same run: /latest on the same bot (a command whose work does not grow
with servers), and the queueing itself done the way it was before issue 12, one
SELECT and INSERT per server, timed directly against the bulk queueing used now.

Usage: python bench/bench_publish.py [--quick] [--servers N] [--rounds N]
       [--database-url URL]   (an empty, migrated or not, PostgreSQL database)
Writes bench/out/publish.json and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import percentile, print_table, ratio, verdict, write_report
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.models import GuildSettings
from db.repositories import deliveries
from fakediscord import FakeDiscord
from fakediscord.process import InProcessBot
from masthead.bot import Masthead
from masthead.importing import publish, store_document
from masthead.samples import SAMPLE_ISSUE
from masthead.settings import Settings
from newsletter.parse import parse_issue

DEADLINE_SECONDS = 3.0  # Discord's, for the first answer to an interaction
TARGET_SECONDS = 1.5  # well within it: the p99 of the answers
FIRST_SERVER = 10**15  # ids of the bulk servers, far from the emulator's own

Sessions = async_sessionmaker[AsyncSession]


async def subscribe_in_bulk(sessionmaker: Sessions, servers: int) -> None:
    rows = [
        {"guild_id": FIRST_SERVER + n, "announce_channel_id": 2 * FIRST_SERVER + n}
        for n in range(servers)
    ]
    async with sessionmaker.begin() as session:
        await session.execute(insert(GuildSettings), rows)


async def store_drafts(bot: Masthead, rounds: int) -> list[str]:
    """One draft per round (the sample issue under another month), to publish fresh."""
    text = SAMPLE_ISSUE.read_text(encoding="utf-8")
    months = [f"2030-{n + 1:02d}" for n in range(rounds)]
    async with bot.sessionmaker.begin() as session:
        for month in months:
            document = parse_issue(text.encode(), newsletter=bot.settings.newsletter_name)
            await store_document(session, dataclasses.replace(document, month=month))
    return months


async def one_row_at_a_time(session: AsyncSession, issue_id: int) -> int:
    """The queueing before issue 12: a SELECT and an INSERT per subscribed server."""
    stmt = select(GuildSettings).where(GuildSettings.announce_channel_id.is_not(None))
    queued = 0
    for settings in (await session.execute(stmt)).scalars():
        assert settings.announce_channel_id is not None
        _, created = await deliveries.queue_delivery(
            session,
            issue_id=issue_id,
            guild_id=settings.guild_id,
            channel_id=settings.announce_channel_id,
            ping_role_id=settings.ping_role_id,
        )
        queued += created
    return queued


async def time_queueing(sessionmaker: Sessions, servers: int) -> list[dict[str, Any]]:
    """Both ways of queueing, each for an issue of its own, inside a transaction that is
    rolled back (the bot's rounds do not see them)."""
    text = SAMPLE_ISSUE.read_bytes()
    rows = []
    timings: dict[str, float] = {}
    for name, queue in (("row at a time", one_row_at_a_time), ("bulk", None)):
        async with sessionmaker() as session, session.begin():
            document = parse_issue(text, newsletter="This Month in China")
            issue, _ = await store_document(session, dataclasses.replace(document, month="2031-01"))
            started = time.perf_counter()
            if queue is None:
                count = await deliveries.queue_for_subscribers(session, issue.id)
            else:
                count = await queue(session, issue.id)
            timings[name] = time.perf_counter() - started
            if count != servers:
                raise RuntimeError(f"{name}: queued {count} of {servers}")
            await session.rollback()
    rows.append(
        {
            "case": f"queueing for {servers} servers, bulk (now)",
            "p50_ms": timings["bulk"] * 1000,
            "ratio": ratio(timings["bulk"], timings["row at a time"]),
        }
    )
    rows.append(
        {
            "case": "baseline: queueing, row at a time (before issue 12)",
            "p50_ms": timings["row at a time"] * 1000,
        }
    )
    return rows


async def answers(
    fake: FakeDiscord, bot: Masthead, months: list[str], samples_latest: int
) -> tuple[list[float], list[float], int]:
    guild = fake.add_guild("Editors")
    channel = fake.add_channel(guild, "news")
    fake.add_member(guild, fake.owner)
    await fake.wait_until(lambda: bot.get_guild(guild.id), "the editors' server cached")
    publish_ms, latest_ms, deferred = [], [], 0
    for month in months:
        result = await fake.run_command(guild, channel, fake.owner, "issue", "publish", issue=month)
        await result.wait_message()
        if result.refused or result.latency is None or "is published" not in result.content:
            raise RuntimeError(f"/issue publish was not answered properly: {result!r}")
        deferred += result.deferred
        publish_ms.append(result.latency * 1000)
        for _ in range(samples_latest):
            latest = await fake.run_command(guild, channel, fake.owner, "latest")
            if latest.refused or latest.latency is None or not latest.embeds:
                raise RuntimeError(f"/latest was not answered properly: {latest!r}")
            latest_ms.append(latest.latency * 1000)
    return publish_ms, latest_ms, deferred


async def run(servers: int, rounds: int, database_url: str | None) -> list[dict[str, Any]]:
    fake = FakeDiscord()
    await fake.start()
    runner = InProcessBot(fake)
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'publish.db'}"
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
            sessionmaker = create_sessionmaker(engine)
            await subscribe_in_bulk(sessionmaker, servers)
            settings = Settings(
                discord_token=fake.token,
                database_url=url,
                api_base=fake.api_base,
                gateway_url=fake.gateway_url,
                editor_ids=frozenset({fake.owner.id}),
            )
            bot = Masthead(settings=settings, sessionmaker=sessionmaker, guild_ready_timeout=0.2)
            await runner.start(bot, commands=("issue", "latest"), wait_ready=True)
            await bot.unload_extension("cogs.delivery")
            document = parse_issue(SAMPLE_ISSUE.read_bytes(), newsletter=settings.newsletter_name)
            async with sessionmaker.begin() as session:  # something for /latest to show
                issue, _ = await store_document(session, document)
                await publish(session, issue)
            months = await store_drafts(bot, rounds)
            publish_ms, latest_ms, deferred = await answers(fake, bot, months, 3)
            queueing = await time_queueing(sessionmaker, servers)
        finally:
            await runner.stop()
            await engine.dispose()
            await fake.stop()
    return [
        {
            "case": f"/issue publish to {servers} servers",
            "samples": len(publish_ms),
            "p50_ms": percentile(publish_ms, 50),
            "p99_ms": percentile(publish_ms, 99),
            "max_ms": max(publish_ms),
            "deferred": deferred,
            "ratio": ratio(percentile(publish_ms, 50), percentile(latest_ms, 50)),
        },
        {
            "case": "baseline: /latest, same bot",
            "samples": len(latest_ms),
            "p50_ms": percentile(latest_ms, 50),
            "p99_ms": percentile(latest_ms, 99),
            "max_ms": max(latest_ms),
        },
        *queueing,
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 servers, 3 rounds")
    parser.add_argument("--servers", type=int, help="subscribed servers (default 2000)")
    parser.add_argument("--rounds", type=int, help="issues published (default 10)")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args(argv)
    servers = args.servers or (200 if args.quick else 2000)
    rounds = args.rounds or (3 if args.quick else 10)
    logging.basicConfig(level=logging.ERROR)

    rows = asyncio.run(run(servers, rounds, args.database_url))
    backend = "postgresql" if args.database_url else "sqlite"
    print(f"/issue publish with {servers} servers subscribed, {backend}, {rounds} rounds")
    print_table(
        rows,
        [
            ("case", "case"),
            ("samples", "n"),
            ("p50_ms", "p50 ms"),
            ("p99_ms", "p99 ms"),
            ("max_ms", "max ms"),
            ("deferred", "deferred"),
            ("ratio", "ratio"),
        ],
    )
    worst = rows[0]["max_ms"] / 1000
    met = worst < TARGET_SECONDS
    print(
        f"target: every answer under {TARGET_SECONDS} s (Discord's deadline "
        f"{DEADLINE_SECONDS:.0f} s): {verdict(met)} (slowest {worst:.3f} s)"
    )
    write_report(
        "publish",
        {
            "quick": args.quick,
            "servers": servers,
            "rounds": rounds,
            "backend": backend,
            "target_seconds": TARGET_SECONDS,
            "target_met": met,
            "rows": rows,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark delivering one issue to many servers under Discord's rate limits.

The real Masthead bot (in this process, temporary SQLite database) posts the sample issue
to --servers subscribed announce channels while fakediscord enforces the global limit of
50 requests per second and Discord's per-route windows (5 messages per 5 s per channel).
The floor is what that limit allows at best: the requests the delivery needs (the
accepted ones, not 429s) / 50 per second. Reported: total time / floor.

Baseline in the same run: discord.py itself sending the same number of plain messages to
as many fresh channels, every channel at once, under the same limits (no database, no
threads, no pacing): how close to the floor discord.py's own rate-limit handling gets,
and how many 429s that costs.

With --processes 2 --database-url URL (an empty PostgreSQL database: its schema is
wiped), two real `python bot.py` processes with two shards each of four share one
emulator and so one global limit, their servers split unevenly (70/30); they share the
limit through rate leases in the database (cogs/delivery/_pacing.py). Timed from the
publish: that includes up to one poll (5 s) before the processes see the work. No
baseline in this mode; the floor is the reference.

Usage: python bench/bench_delivery.py [--quick] [--servers N]
       [--processes 2 --database-url URL]
Writes bench/out/delivery.json (delivery_processes.json with --processes) and prints a
table.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import logging
import math
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import discord
from _common import print_table, ratio, verdict, write_report
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.models import Delivery
from db.repositories import guilds
from fakediscord import Channel, FakeDiscord
from fakediscord.process import BotProcess, InProcessBot
from fakediscord.server import RequestRecord
from masthead.bot import Masthead
from masthead.importing import publish, store_document
from masthead.samples import SAMPLE_ISSUE
from masthead.settings import Settings
from newsletter.parse import parse_issue
from newsletter.render import render_issue

SAMPLE = SAMPLE_ISSUE
GLOBAL_PER_SECOND = 50
PER_ROUTE = (5, 5.0)  # Discord's message route: 5 per 5 s per channel
TARGET = 1.05  # total time at most 1.05x the floor (issue 12)
SHARDS, SPLIT = 4, 0.7  # --processes 2: shards 0,1 | 2,3, servers 70% | 30%
BOT = Path(__file__).resolve().parent.parent / "bot.py"

Sessions = async_sessionmaker[AsyncSession]


def summarize(name: str, records: list[RequestRecord], started: float) -> dict[str, Any]:
    """Time from ``started`` until the last request was answered, against the floor."""
    ok = [r for r in records if 200 <= r.status < 300]
    finished = max(r.time + r.duration for r in ok)
    total = finished - started
    floor = len(ok) / GLOBAL_PER_SECOND
    # Each channel's own window also bounds it: n requests need (ceil(n/5) - 1) windows.
    busiest = max(Counter((r.method, r.route, r.path) for r in ok).values())
    limit, per = PER_ROUTE
    return {
        "case": name,
        "gave_up": 0,
        "requests": len(ok),
        "429s": sum(r.status == 429 for r in records),
        "channel_floor_s": (math.ceil(busiest / limit) - 1) * per,
        "floor_s": floor,
        "total_s": total,
        "ratio": ratio(total, floor),
    }


async def subscribe_servers(fake: FakeDiscord, sessionmaker: Sessions, n: int) -> list[Channel]:
    """``n`` servers, each with an announce channel set (as /setup announce stores it)."""
    channels = []
    for index in range(n):
        guild = fake.add_guild(f"Server {index}")
        channels.append(fake.add_channel(guild, "news"))
    async with sessionmaker.begin() as session:
        for channel in channels:
            assert channel.guild_id is not None
            await guilds.update_settings(session, channel.guild_id, announce_channel_id=channel.id)
    return channels


async def deliver(
    fake: FakeDiscord, bot: Masthead, channels: list[Channel], give_up_after: float
) -> dict[str, Any]:
    """Publish the sample issue and wait until every delivery is done; the result row."""
    document = parse_issue(SAMPLE.read_bytes(), newsletter=bot.settings.newsletter_name)
    fake.enable_rate_limits(GLOBAL_PER_SECOND, PER_ROUTE)
    first = len(fake.requests)
    started = time.time()
    async with bot.sessionmaker.begin() as session:
        issue, _ = await store_document(session, document)
        await publish(session, issue)
    bot.dispatch("issues_changed")

    async def finished() -> int:
        async with bot.sessionmaker() as session:
            stmt = select(func.count()).where(Delivery.status.in_(("done", "failed")))
            return int((await session.execute(stmt)).scalar_one())

    while (done := await finished()) < len(channels):
        if time.time() - started > give_up_after:
            raise TimeoutError(f"only {done} of {len(channels)} deliveries done in time")
        await asyncio.sleep(0.2)
    row = summarize(f"Masthead: issue to {len(channels)} servers", fake.requests[first:], started)
    check_exactly_once(fake, channels, len(render_issue(document)))
    return row


def settle() -> None:
    """Move everything alive now (the emulator's servers, its parsed spec) out of the
    cyclic GC's generations: rescanned, it pauses the emulator for 100 ms and more, and
    requests that arrived meanwhile are logged as if they came together."""
    gc.collect()
    gc.freeze()


def longest_gap(records: list[RequestRecord]) -> float:
    """The longest time between two requests the emulator logged (its own stalls, or a
    delivery's tail waiting out channel windows)."""
    times = sorted(r.time for r in records)
    return max((b - a for a, b in itertools.pairwise(times)), default=0.0)


def busiest_second(records: list[RequestRecord]) -> int:
    """The most requests under the global limit that arrived within any one second."""
    exempt = ("/interactions/", "/webhooks/")
    times = sorted(r.time for r in records if not r.path.startswith(exempt))
    most, start = 0, 0
    for end, moment in enumerate(times):
        while times[start] <= moment - 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def check_exactly_once(fake: FakeDiscord, channels: list[Channel], parts: int) -> None:
    """Every channel: the header, and a thread holding every other part once."""
    for channel in channels:
        threads = fake.threads(channel)
        posted = fake.messages(threads[0]) if len(threads) == 1 else []
        nonces = Counter(m.nonce for m in posted)
        if len(fake.messages(channel)) != 1 or len(posted) != parts - 1 or max(nonces.values()) > 1:
            raise RuntimeError(
                f"#{channel.name} in {channel.guild_id} is not delivered exactly once"
            )


async def raw_sends(
    fake: FakeDiscord, bot: Masthead, channels: list[int], each: int
) -> dict[str, Any]:
    """discord.py alone: ``each`` plain messages to every channel, all channels at once.
    discord.py gives up after five 429s in a row; the naive loop then simply tries again."""
    fake.enable_rate_limits(GLOBAL_PER_SECOND, PER_ROUTE)  # fresh buckets and windows
    first = len(fake.requests)
    started = time.time()
    gave_up = 0

    async def channel_loop(channel_id: int) -> None:
        nonlocal gave_up
        channel = bot.get_partial_messageable(channel_id)
        for n in range(each):
            while True:
                try:
                    await channel.send(f"baseline message {n}")
                    break
                except discord.HTTPException as exc:
                    if exc.status != 429:
                        raise
                    gave_up += 1

    await asyncio.gather(*(channel_loop(c) for c in channels))
    row = summarize(
        f"baseline: discord.py, {each} plain messages x {len(channels)}",
        fake.requests[first:],
        started,
    )
    row["gave_up"] = gave_up
    return row


async def run(servers: int, quick: bool, baseline: bool = True) -> list[dict[str, Any]]:
    fake = FakeDiscord()
    fake.ready_timeout = 120.0
    await fake.start()
    runner = InProcessBot(fake)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'delivery.db'}"
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
            sessionmaker = create_sessionmaker(engine)
            channels = await subscribe_servers(fake, sessionmaker, servers)
            settings = Settings(
                discord_token=fake.token,
                database_url=url,
                api_base=fake.api_base,
                gateway_url=fake.gateway_url,
            )
            # on_ready (and so the delivery worker) waits this long for more servers.
            bot = Masthead(settings=settings, sessionmaker=sessionmaker, guild_ready_timeout=0.2)
            await runner.start(bot, wait_ready=True)
            settle()
            # Generous: a minute plus ten times the floor of ~10 requests per server.
            row = await deliver(fake, bot, channels, give_up_after=60 + servers * 2)
            rows = [row]
            if baseline:
                # Fresh channels, so no rate-limit state carries over from the delivery.
                guilds_of = [fake.state.guilds[c.guild_id] for c in channels if c.guild_id]
                fresh = [fake.add_channel(guild, "baseline").id for guild in guilds_of]
                per_channel = round(row["requests"] / len(fresh))
                if quick:  # short of one per-channel window: seconds, not a realistic run
                    per_channel = min(per_channel, PER_ROUTE[0] - 1)
                rows.append(await raw_sends(fake, bot, fresh, per_channel))
        finally:
            await runner.stop()
            await engine.dispose()
            await fake.stop()
    violations = [str(v) for v in fake.unexpected_violations()]
    if violations:
        raise RuntimeError(f"the emulator refused requests: {violations[:5]}")
    return rows


def split_servers(fake: FakeDiscord, servers: int) -> tuple[list[Channel], list[Channel]]:
    """``servers`` servers with a news channel, SPLIT of them on shards 0-1 and the rest
    on shards 2-3 (a guild's shard is its id's millisecond timestamp modulo SHARDS)."""
    wanted = (round(servers * SPLIT), servers - round(servers * SPLIT))
    groups: tuple[list[Channel], list[Channel]] = ([], [])
    while len(groups[0]) < wanted[0] or len(groups[1]) < wanted[1]:
        guild = fake.add_guild(f"Server {len(groups[0]) + len(groups[1])}")
        group = groups[0] if (guild.id >> 22) % SHARDS < SHARDS // 2 else groups[1]
        if len(group) < wanted[groups.index(group)]:
            group.append(fake.add_channel(guild, "news"))
        time.sleep(0.0005)  # the next id's timestamp, so the shard, moves on
    return groups


async def wipe_schema(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


async def run_processes(servers: int, url: str) -> list[dict[str, Any]]:
    """Two bot processes, two shards each, one emulator: the issue to every server."""
    fake = FakeDiscord()
    fake.ready_timeout = 120.0
    await fake.start()
    await wipe_schema(url)
    engine = create_engine(url)
    procs: list[BotProcess] = []
    try:
        await migrate.upgrade(engine)
        sessionmaker = create_sessionmaker(engine)
        groups = split_servers(fake, servers)
        async with sessionmaker.begin() as session:
            for channel in [*groups[0], *groups[1]]:
                assert channel.guild_id is not None
                await guilds.update_settings(
                    session, channel.guild_id, announce_channel_id=channel.id
                )
        with tempfile.TemporaryDirectory() as tmp:
            for shard_ids in ("0,1", "2,3"):
                env = fake.bot_env(DATABASE_URL=url, SHARD_COUNT=str(SHARDS), SHARD_IDS=shard_ids)
                procs.append(await BotProcess(env, tmp, (str(BOT),)).start(fake))
            for proc in procs:
                await proc.wait_ready(fake)
            # Ready (every server seen): the delivery worker says so when it starts. (Polled:
            # a log line is no emulator event for fake.wait_until to wake on.)
            ready_by = time.time() + 300
            while not all("delivery worker started" in p.output() for p in procs):
                if time.time() > ready_by or any(p.returncode is not None for p in procs):
                    raise RuntimeError("a bot process did not get ready:\n" + procs[0].output())
                await asyncio.sleep(0.2)
            bot_settings = Settings(database_url=url)
            document = parse_issue(SAMPLE.read_bytes(), newsletter=bot_settings.newsletter_name)
            fake.enable_rate_limits(GLOBAL_PER_SECOND, PER_ROUTE)
            settle()
            first = len(fake.requests)
            started = time.time()
            async with sessionmaker.begin() as session:
                issue, _ = await store_document(session, document)
                await publish(session, issue)
            await wait_finished(sessionmaker, servers, started, give_up_after=60 + servers * 2)
            records = fake.requests[first:]
            row = summarize(
                f"2 processes x 2 shards, {len(groups[0])}/{len(groups[1])} servers",
                records,
                started,
            )
            row["busiest_second"] = busiest_second(records)
            row["longest_gap_ms"] = longest_gap(records) * 1000
            ok = [r for r in records if 200 <= r.status < 300]
            row["from_first_request_s"] = row["total_s"] - (min(r.time for r in ok) - started)
            check_exactly_once(fake, [*groups[0], *groups[1]], len(render_issue(document)))
    finally:
        for proc in procs:
            await proc.terminate()
        await engine.dispose()
        await fake.stop()
    return [row]


async def wait_finished(
    sessionmaker: Sessions, count: int, started: float, give_up_after: float
) -> None:
    async def finished() -> int:
        async with sessionmaker() as session:
            stmt = select(func.count()).where(Delivery.status.in_(("done", "failed")))
            return int((await session.execute(stmt)).scalar_one())

    while (done := await finished()) < count:
        if time.time() - started > give_up_after:
            raise TimeoutError(f"only {done} of {count} deliveries done in time")
        await asyncio.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 servers instead of 200")
    parser.add_argument("--servers", type=int, help="subscribed servers (default 200)")
    parser.add_argument("--processes", type=int, choices=(1, 2), default=1)
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip discord.py's naive sends (as long again as the delivery); the floor stays",
    )
    parser.add_argument("--database-url", help="--processes 2: an empty PostgreSQL database")
    args = parser.parse_args(argv)
    servers = args.servers or (10 if args.quick else 200)
    if args.processes == 2 and not (args.database_url or "").startswith("postgresql"):
        parser.error("--processes 2 needs --database-url postgresql+asyncpg://...")
    # discord.py logs every 429 as a warning; the table counts them instead.
    logging.basicConfig(level=logging.ERROR)

    if args.processes == 2:
        rows = asyncio.run(run_processes(servers, args.database_url))
    else:
        rows = asyncio.run(run(servers, args.quick, baseline=not args.no_baseline))
    print(
        f"one issue to {servers} servers, fakediscord enforcing {GLOBAL_PER_SECOND} req/s "
        f"globally and {PER_ROUTE[0]} per {PER_ROUTE[1]:.0f} s per route and channel"
    )
    print_table(
        rows,
        [
            ("case", "case"),
            ("requests", "requests"),
            ("429s", "429s"),
            ("gave_up", "gave up"),
            ("channel_floor_s", "per-channel floor s"),
            ("floor_s", "floor s"),
            ("total_s", "total s"),
            ("ratio", "ratio"),
            *(
                [("busiest_second", "busiest 1 s"), ("longest_gap_ms", "longest gap ms")]
                if args.processes == 2
                else []
            ),
        ],
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.quick:
        print("quick: too few servers for the global limit to bind; the ratio means little")
    met = rows[0]["ratio"] <= TARGET
    print(f"target: total time <= {TARGET}x the floor: {verdict(met)} ({rows[0]['ratio']:.2f}x)")
    write_report(
        "delivery" if args.processes == 1 else "delivery_processes",
        {
            "quick": args.quick,
            "servers": servers,
            "processes": args.processes,
            "load_average": list(os.getloadavg()),
            "global_per_second": GLOBAL_PER_SECOND,
            "per_route": list(PER_ROUTE),
            "target_ratio_max": TARGET,
            "target_met": met,
            "rows": rows,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

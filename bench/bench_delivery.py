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

Usage: python bench/bench_delivery.py [--quick] [--servers N]
Writes bench/out/delivery.json and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import discord
from _common import print_table, ratio, verdict, write_report
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.models import Delivery
from db.repositories import guilds
from fakediscord import Channel, FakeDiscord
from fakediscord.process import InProcessBot
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
TARGET = 1.15  # total time at most 1.15x the floor

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


async def run(servers: int, quick: bool) -> list[dict[str, Any]]:
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
            # Generous: a minute plus ten times the floor of ~10 requests per server.
            row = await deliver(fake, bot, channels, give_up_after=60 + servers * 2)
            # Fresh channels, so no rate-limit state carries over from the delivery.
            guilds_of = [fake.state.guilds[c.guild_id] for c in channels if c.guild_id]
            fresh = [fake.add_channel(guild, "baseline").id for guild in guilds_of]
            per_channel = round(row["requests"] / len(fresh))
            if quick:  # short of one per-channel window: seconds, not a realistic run
                per_channel = min(per_channel, PER_ROUTE[0] - 1)
            baseline = await raw_sends(fake, bot, fresh, per_channel)
        finally:
            await runner.stop()
            await engine.dispose()
            await fake.stop()
    violations = [str(v) for v in fake.unexpected_violations()]
    if violations:
        raise RuntimeError(f"the emulator refused requests: {violations[:5]}")
    return [row, baseline]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 servers instead of 200")
    parser.add_argument("--servers", type=int, help="subscribed servers (default 200)")
    args = parser.parse_args(argv)
    servers = args.servers or (10 if args.quick else 200)
    # discord.py logs every 429 as a warning; the table counts them instead.
    logging.basicConfig(level=logging.ERROR)

    rows = asyncio.run(run(servers, args.quick))
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
        ],
    )
    if args.quick:
        print("quick: too few servers for the global limit to bind; the ratio means little")
    met = rows[0]["ratio"] <= TARGET
    print(f"target: total time <= {TARGET}x the floor: {verdict(met)} ({rows[0]['ratio']:.2f}x)")
    write_report(
        "delivery",
        {
            "quick": args.quick,
            "servers": servers,
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

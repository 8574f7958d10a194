"""Two real bot processes (one shard each of two) share the token's global rate limit
through PostgreSQL: the busy one gets more than its half once the other is done, the
emulator never sees more than 50 requests in any one second, and a killed process's lease
runs out."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.models import Delivery
from db.repositories import guilds, rate_leases
from db.repositories.rate_leases import LEASE_TTL
from fakediscord import BotProcess, Channel, FakeDiscord
from fakediscord.server import RequestRecord
from masthead.importing import publish, store_document
from masthead.samples import SAMPLE_ISSUE
from newsletter.parse import parse_issue
from newsletter.render import render_issue
from tests.backends import PG_URL, reset_postgres

BOT = str(Path(__file__).resolve().parents[2] / "bot.py")
GLOBAL_LIMIT = 50
SERVERS = {0: 6, 1: 40}  # shard -> subscribed servers: shard 1 has most of the work
# Discord's 5 messages per 5 s per channel would bound 50 channels below the global
# limit; this is about the global limit, so each channel may send as fast as it likes.
PER_CHANNEL = (50, 1.0)
STATIC_SHARE = GLOBAL_LIMIT / 2
CHANNEL_PATH = re.compile(r"/channels/(\d+)")

pytestmark = pytest.mark.postgresql


def busiest_second(records: list[RequestRecord]) -> int:
    """The most requests under the global limit that arrived within any one second."""
    times = sorted(
        r.time for r in records if not r.path.startswith(("/interactions/", "/webhooks/"))
    )
    most, start = 0, 0
    for end, moment in enumerate(times):
        while times[start] <= moment - 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def servers_by_shard(fake: FakeDiscord) -> dict[int, list[Channel]]:
    """Servers with a news channel until each shard has its count (a guild's shard is
    its id's millisecond timestamp modulo the shard count)."""
    channels: dict[int, list[Channel]] = {0: [], 1: []}
    while any(len(channels[s]) < n for s, n in SERVERS.items()):
        guild = fake.add_guild(f"Server {sum(map(len, channels.values()))}")
        shard = (guild.id >> 22) % 2
        if len(channels[shard]) < SERVERS[shard]:
            channels[shard].append(fake.add_channel(guild, "news"))
        time.sleep(0.001)  # the next id's timestamp, so the shard, moves on
    return channels


def check_exactly_once(fake: FakeDiscord, channel: Channel, parts: int) -> None:
    (thread,) = fake.threads(channel)
    posted = fake.messages(thread)
    assert len(fake.messages(channel)) == 1
    assert len(posted) == parts - 1
    assert max(Counter(m.nonce for m in posted).values()) == 1


async def test_the_busy_process_gets_the_rate_the_other_leaves(
    fake_discord: FakeDiscord,
    bot_process: Callable[..., Awaitable[BotProcess]],
    tmp_path: Path,
) -> None:
    assert PG_URL is not None
    await reset_postgres(PG_URL)
    engine = create_engine(PG_URL)
    try:
        await migrate.upgrade(engine)
        sessions = create_sessionmaker(engine)
        channels = servers_by_shard(fake_discord)
        async with sessions.begin() as session:
            for channel in [*channels[0], *channels[1]]:
                assert channel.guild_id is not None
                await guilds.update_settings(
                    session, channel.guild_id, announce_channel_id=channel.id
                )
        env = {"DATABASE_URL": PG_URL, "SHARD_COUNT": "2"}
        procs = [
            await bot_process((BOT,), env={**env, "SHARD_IDS": str(shard)}, cwd=tmp_path)
            for shard in (0, 1)
        ]
        fake_discord.enable_rate_limits(GLOBAL_LIMIT, PER_CHANNEL)
        first = len(fake_discord.requests)
        document = parse_issue(SAMPLE_ISSUE.read_bytes(), newsletter="This Month in China")
        async with sessions.begin() as session:
            issue, _ = await store_document(session, document)
            await publish(session, issue)
        total = SERVERS[0] + SERVERS[1]

        grants: list[tuple[float, str, int]] = []  # (time, holder, granted) as sampled
        started = time.time()
        while True:
            async with sessions() as session:
                done = await session.scalar(
                    select(func.count()).where(Delivery.status.in_(("done", "failed")))
                )
                for lease in await rate_leases.leases(session):
                    grants.append((time.time(), lease.holder, lease.granted))
            if done == total:
                break
            assert time.time() - started < 90, f"only {done} of {total} delivered"
            await asyncio.sleep(0.2)

        parts = len(render_issue(document))
        for channel in [*channels[0], *channels[1]]:
            check_exactly_once(fake_discord, channel, parts)
        records = fake_discord.requests[first:]
        assert not [r for r in records if r.status == 429]
        assert busiest_second(records) <= GLOBAL_LIMIT

        # Whose requests were whose: a thread's id is its header's, in the same server.
        ids_of = {
            shard: {c.id for c in chans} | {t.id for c in chans for t in fake_discord.threads(c)}
            for shard, chans in channels.items()
        }

        accepted = [r for r in records if 200 <= r.status < 300]

        def sent_by(shard: int) -> list[float]:
            matches = ((r, CHANNEL_PATH.search(r.path)) for r in accepted)
            return sorted(r.time for r, m in matches if m and int(m.group(1)) in ids_of[shard])

        small, busy = sent_by(0), sent_by(1)
        # Per server: the header, the thread, and the other parts in it.
        assert len(small) == SERVERS[0] * (parts + 1) and len(busy) == SERVERS[1] * (parts + 1)
        # Once the small process is done, its rate moves to the busy one, which then sends
        # more in one second than its static half (25) ever let through. (How much more
        # depends on the machine; that it may is the point.)
        handed_over = small[-1]
        fastest = busiest_second([r for r in accepted if r.time > handed_over])
        assert fastest > STATIC_SHARE, fastest
        busy_pid, small_pid = procs[1].proc.pid, procs[0].proc.pid  # type: ignore[union-attr]
        busy_grants = [g for t, h, g in grants if f":{busy_pid}:" in h and t >= handed_over]
        assert max(busy_grants) > STATIC_SHARE

        # SIGKILL the small process: its lease is gone once it could have expired.
        async with sessions() as session:
            holders = [lease.holder for lease in await rate_leases.leases(session)]
        assert any(f":{small_pid}:" in h for h in holders), holders
        await procs[0].kill()
        killed = time.time()
        while True:
            async with sessions() as session:
                holders = [lease.holder for lease in await rate_leases.leases(session)]
            if not any(f":{small_pid}:" in h for h in holders):
                break
            # Removed by the other process's next renewal after it expired.
            assert time.time() - killed < LEASE_TTL.total_seconds() + 3, holders
            await asyncio.sleep(0.2)
        assert any(f":{busy_pid}:" in h for h in holders)
    finally:
        await engine.dispose()

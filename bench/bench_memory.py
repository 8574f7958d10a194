"""Benchmark resident memory per connected server (issue 12).

The real bot (`python bot.py`, its own process, a temporary SQLite database) connects to
fakediscord serving --servers servers, each with a few channels and roles; once
`on_ready` has fired (every GUILD_CREATE handled: the delivery worker logs that it
started) and its resident set size (VmRSS) has settled, that size is read. Baseline in
the same run: the same bot connected to one server. Reported per server:
(RSS at N servers - RSS at one) / (N - 1), against the target of 100 KB.

With --trace, the same bot is also run in this process under tracemalloc, and the
lines that allocated most of what N servers keep are printed (the emulator's own
allocations left out): what dominates.

Usage: python bench/bench_memory.py [--quick] [--servers N] [--trace]
                                   [--channels N] [--roles N]
Writes bench/out/memory.json and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from _common import ROOT, print_table, ratio, verdict, write_report

from db import migrate
from db.engine import create_engine, create_sessionmaker
from fakediscord import FakeDiscord
from fakediscord.process import BotProcess, InProcessBot
from masthead.bot import Masthead
from masthead.settings import Settings

TARGET_KB = 100.0
CHANNELS_PER_SERVER = 6  # besides the @everyone role and the bot's own
ROLES_PER_SERVER = 4
SETTLE_SECONDS = 2.0  # RSS unchanged this long counts as settled (--quick: a quarter)
READY_LINE = "delivery worker started"
TRACE_FRAMES = 25  # deep enough to see whether the emulator is anywhere in the stack


def populate(fake: FakeDiscord, servers: int, shape: tuple[int, int]) -> None:
    """`servers` servers in the emulator, each with (channels, roles), before the bot
    connects (no events needed)."""
    channels, roles = shape
    for index in range(servers):
        guild = fake.state.add_guild(f"Server {index}")
        for channel in range(channels):
            fake.state.add_channel(guild, f"channel-{channel}")
        for role in range(roles):
            fake.state.add_role(guild, f"Role {role}", 0)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc: Linux only")


async def settled_rss(proc: BotProcess, give_up_after: float, settle: float) -> int:
    """The process's RSS once it has stopped changing for `settle` seconds."""
    assert proc.proc is not None
    pid = proc.proc.pid
    started = time.monotonic()
    while READY_LINE not in proc.output():
        if proc.returncode is not None or time.monotonic() - started > give_up_after:
            raise RuntimeError(f"the bot never got ready:\n{proc.output()[-3000:]}")
        await asyncio.sleep(0.2)
    last, since = rss_kb(pid), time.monotonic()
    while time.monotonic() - since < settle:
        await asyncio.sleep(0.25)
        now = rss_kb(pid)
        if abs(now - last) > 256:  # still growing (or freeing) by more than noise
            last, since = now, time.monotonic()
    return rss_kb(pid)


async def measure(servers: int, shape: tuple[int, int], give_up_after: float, settle: float) -> int:
    """RSS (KB) of the real bot process connected to `servers` servers."""
    fake = FakeDiscord()
    fake.ready_timeout = give_up_after
    await fake.start()
    populate(fake, servers, shape)
    with tempfile.TemporaryDirectory() as tmp:
        env = fake.bot_env(
            DATABASE_URL=f"sqlite+aiosqlite:///{Path(tmp) / 'memory.db'}",
            LOG_LEVEL="INFO",
        )
        proc = BotProcess(env, cwd=ROOT)
        try:
            await proc.start(fake)
            return await settled_rss(proc, give_up_after, settle)
        finally:
            await proc.terminate()
            proc.log_path.unlink(missing_ok=True)
            await fake.stop()


async def trace(servers: int, shape: tuple[int, int], top: int = 12) -> list[dict[str, Any]]:
    """Where the bot's memory for `servers` servers was allocated (this process, under
    tracemalloc), by file and line. A bot with one server runs first, so imports and
    other one-time costs are paid before the snapshots; allocations made by the emulator
    (any frame in fakediscord/) are left out."""
    await _in_process(1, shape, traced=False)
    snapshots = await _in_process(servers, shape, traced=True)
    assert snapshots is not None
    before, after = snapshots
    emulator = tracemalloc.Filter(False, "*/fakediscord/*", all_frames=True)
    stats = after.filter_traces([emulator]).compare_to(before.filter_traces([emulator]), "lineno")
    rows = []
    for stat in stats[:top]:
        frame = stat.traceback[0]
        where = frame.filename.replace(str(ROOT) + "/", "").split("site-packages/")[-1]
        rows.append(
            {
                "where": f"{where}:{frame.lineno}",
                "kb": stat.size_diff / 1024,
                "per_server_kb": stat.size_diff / 1024 / servers,
                "blocks": stat.count_diff,
            }
        )
    return rows


async def _in_process(
    servers: int, shape: tuple[int, int], *, traced: bool
) -> tuple[tracemalloc.Snapshot, tracemalloc.Snapshot] | None:
    """The bot in this process connected to `servers` servers; with `traced`, snapshots
    from before it starts and from once it is ready."""
    fake = FakeDiscord()
    fake.ready_timeout = 300.0
    await fake.start()
    populate(fake, servers, shape)
    runner = InProcessBot(fake)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'trace.db'}"
        engine = create_engine(url)
        await migrate.upgrade(engine)
        settings = Settings(
            discord_token=fake.token,
            database_url=url,
            api_base=fake.api_base,
            gateway_url=fake.gateway_url,
        )
        bot = Masthead(settings=settings, sessionmaker=create_sessionmaker(engine))
        snapshots = None
        if traced:
            tracemalloc.start(TRACE_FRAMES)
        try:
            before = tracemalloc.take_snapshot() if traced else None
            await runner.start(bot, wait_ready=True)
            if before is not None:
                snapshots = (before, tracemalloc.take_snapshot())
        finally:
            tracemalloc.stop()
            await runner.stop()
            await engine.dispose()
            await fake.stop()
    return snapshots


async def run(
    servers: int, shape: tuple[int, int], give_up_after: float, settle: float
) -> list[dict[str, Any]]:
    one = await measure(1, shape, give_up_after, settle)
    many = await measure(servers, shape, give_up_after, settle)
    per_server = (many - one) / (servers - 1)
    return [
        {"case": "baseline: the bot with 1 server", "servers": 1, "rss_kb": one},
        {
            "case": f"Masthead: the bot with {servers} servers",
            "servers": servers,
            "rss_kb": many,
            "per_server_kb": per_server,
            "ratio": ratio(many, one),
        },
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 servers instead of 2,000")
    parser.add_argument("--servers", type=int, help="connected servers (default 2000)")
    parser.add_argument("--trace", action="store_true", help="also name what dominates")
    parser.add_argument("--channels", type=int, default=CHANNELS_PER_SERVER)
    parser.add_argument("--roles", type=int, default=ROLES_PER_SERVER)
    args = parser.parse_args(argv)
    servers = args.servers or (200 if args.quick else 2000)
    shape = (args.channels, args.roles)
    logging.basicConfig(level=logging.ERROR)

    settle = SETTLE_SECONDS / 4 if args.quick else SETTLE_SECONDS
    rows = asyncio.run(run(servers, shape, 60 + servers * 0.1, settle))
    print(
        f"resident memory of the bot process, {args.channels} channels and "
        f"{args.roles + 2} roles per server; ratio: RSS at {servers} / RSS at 1"
    )
    print_table(
        rows,
        [
            ("case", "case"),
            ("servers", "servers"),
            ("rss_kb", "RSS KB"),
            ("per_server_kb", "KB per server"),
            ("ratio", "ratio"),
        ],
    )
    per_server = rows[1]["per_server_kb"]
    met = per_server < TARGET_KB
    print(f"target: under {TARGET_KB:.0f} KB per server: {verdict(met)} ({per_server:.1f} KB)")
    if args.quick:
        print("quick: 200 servers; the per-server figure is noisier than at 2,000")
    dominating: list[dict[str, Any]] = []
    if args.trace or not met:
        dominating = asyncio.run(trace(servers, shape))
        print(f"\nwhat {servers} servers keep, by where it was allocated (tracemalloc):")
        print_table(
            dominating,
            [
                ("where", "where"),
                ("kb", "KB"),
                ("per_server_kb", "KB/server"),
                ("blocks", "blocks"),
            ],
        )
    write_report(
        "memory",
        {
            "quick": args.quick,
            "servers": servers,
            "channels_per_server": args.channels,
            "roles_per_server": args.roles + 2,
            "target_kb_per_server": TARGET_KB,
            "target_met": met,
            "rows": rows,
            "dominating": dominating,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

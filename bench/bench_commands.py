"""Benchmark /latest, /item and /search end to end through the emulator.

The real Masthead bot (in this process, a temporary SQLite database holding the sample
issue, imported and published) against bench/baseline_bot.py answering /ping with a
fixed embed, both connected to one fakediscord at the same time: Masthead as shard 0 of
2 and the baseline as shard 1, each serving its own server, so rounds can alternate
between them with no restart and both pay the same emulator costs.

Latency is the emulator's own measure (INTERACTION_CREATE sent to callback received),
one user at a time. Throughput is answered commands per second with --users readers
firing commands back to back. Rounds alternate bot and baseline after a warm-up.

/item counts its lookups (masthead/lookup_counts.py) as it always does: the run checks
that every /item it sent was counted and written, and holds /item alone to ITEM_TARGET.

Usage: python bench/bench_commands.py [--quick] [--rounds N] [--samples N] [--users N]
       [--database-url URL] [--no-lookup-counts]
Writes bench/out/commands.json and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
from _common import percentile, print_table, ratio, verdict, write_report
from baseline_bot import PING_EMBED, BaselineBot
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.models import ItemLookup
from fakediscord import Channel, FakeDiscord, Guild, User
from fakediscord.process import InProcessBot
from masthead.bot import Masthead
from masthead.importing import publish, store_document
from masthead.lookup_counts import LookupCounts
from masthead.samples import SAMPLE_ISSUE
from masthead.settings import Settings
from newsletter.parse import parse_issue

SAMPLE = SAMPLE_ISSUE
P50_TARGET = 1.3  # Masthead p50 at most 1.3x the bare bot's
THROUGHPUT_TARGET = 0.75  # Masthead throughput at least 0.75x the bare bot's
ITEM_TARGET = 1.1  # /item p50 (lookup counting on) at most 1.1x the bare bot's (issue 10)
SHARDS = 2
MASTHEAD_SHARD, BASELINE_SHARD = 0, 1

Command = tuple[str, dict[str, Any]]
COMMANDS: dict[str, Command] = {
    "/latest": ("latest", {}),
    "/item": ("item", {"number": 3}),
    "/search": ("search", {"query": "DRAM"}),
}
PING: Command = ("ping", {})
# Commands answered, by name: what the lookup counters must have written.
sent: Counter[str] = Counter()


@dataclass
class Server:
    guild: Guild
    channel: Channel
    readers: list[User]


@dataclass
class Samples:
    latency_ms: dict[str, list[float]] = field(default_factory=dict)
    emulator_ms: list[float] = field(default_factory=list)
    throughput: list[float] = field(default_factory=list)

    def add(self, name: str, measured: tuple[list[float], list[float]]) -> None:
        self.latency_ms.setdefault(name, []).extend(measured[0])
        self.emulator_ms.extend(measured[1])


def server_for_shard(fake: FakeDiscord, shard: int, users: int, name: str) -> Server:
    """A server whose id the emulator routes to ``shard`` (ids are time-based)."""
    while True:
        guild = fake.add_guild(name)
        if (guild.id >> 22) % SHARDS == shard:
            break
    channel = fake.add_channel(guild, "general")
    readers = []
    for n in range(users):
        reader = fake.add_user(f"{name}-reader-{n}")
        fake.add_member(guild, reader)
        readers.append(reader)
    return Server(guild, channel, readers)


class Uncounted(LookupCounts):
    """--no-lookup-counts: the same bot with counting switched off, to compare."""

    def item_opened(self, issue_id: int, number: int) -> None:
        pass

    def full_text_opened(self, issue_id: int, number: int) -> None:
        pass

    def search_missed(self, query: str) -> None:
        pass


async def start_masthead(
    fake: FakeDiscord, database_url: str, *, counting: bool = True
) -> tuple[InProcessBot, AsyncEngine]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    settings = Settings(
        discord_token=fake.token,
        database_url=database_url,
        api_base=fake.api_base,
        gateway_url=fake.gateway_url,
        shard_count=SHARDS,
        shard_ids=(MASTHEAD_SHARD,),
    )
    document = parse_issue(SAMPLE.read_bytes(), newsletter=settings.newsletter_name)
    async with sessionmaker.begin() as session:
        issue, _ = await store_document(session, document)
        await publish(session, issue)
    runner = InProcessBot(fake)
    bot = Masthead(settings=settings, sessionmaker=sessionmaker)
    if not counting:
        bot.lookups = Uncounted(sessionmaker, settings.newsletter_name)
    await runner.start(
        bot,
        commands=[name for name, _ in COMMANDS.values()],
    )
    return runner, engine


async def start_baseline(fake: FakeDiscord, server: Server) -> InProcessBot:
    runner = InProcessBot(fake)
    bot = BaselineBot(sync_commands=False, shard_id=BASELINE_SHARD, shard_count=SHARDS)
    await runner.start(bot)
    # A guild command, so Masthead's global ones stay registered.
    guild = discord.Object(server.guild.id)
    bot.tree.copy_global_to(guild=guild)
    await bot.tree.sync(guild=guild)
    await fake.wait_commands(["ping"], server.guild)
    return runner


async def stop_all(runners: list[InProcessBot], engines: list[AsyncEngine]) -> None:
    while runners:
        await runners.pop().stop()
    while engines:
        await engines.pop().dispose()


async def invoke(
    fake: FakeDiscord, server: Server, reader: User, command: Command
) -> tuple[float, float]:
    """Run one command: (latency, the emulator's own time handling the callback) in ms.
    Anything but a proper answer stops the run."""
    name, options = command
    result = await fake.run_command(server.guild, server.channel, reader, name, **options)
    embeds = result.embeds
    if result.refused or result.latency is None or not embeds or not embeds[0].get("title"):
        raise RuntimeError(f"/{name} was not answered properly: {result!r} {embeds}")
    if name == "ping" and embeds[0]["title"] != PING_EMBED["title"]:
        raise RuntimeError(f"/ping answered {embeds}")
    sent[name] += 1
    prefix = f"/interactions/{result.interaction.id}/"
    emulator = next(r.duration for r in reversed(fake.requests) if r.path.startswith(prefix))
    return result.latency * 1000, emulator * 1000


async def latencies(
    fake: FakeDiscord, server: Server, command: Command, n: int
) -> tuple[list[float], list[float]]:
    """(latencies, emulator times) in ms of ``n`` commands, one after another."""
    pairs = [await invoke(fake, server, server.readers[0], command) for _ in range(n)]
    return [p[0] for p in pairs], [p[1] for p in pairs]


async def throughput(
    fake: FakeDiscord, server: Server, commands: Sequence[Command], per_user: int
) -> float:
    """Answered commands per second with every reader firing ``per_user`` commands."""

    async def reader_loop(index: int, reader: User) -> None:
        for n in range(per_user):
            await invoke(fake, server, reader, commands[(index + n) % len(commands)])

    start = time.perf_counter()
    await asyncio.gather(*(reader_loop(i, r) for i, r in enumerate(server.readers)))
    return len(server.readers) * per_user / (time.perf_counter() - start)


def settle() -> None:
    """Start a timed phase with the cyclic GC's generations empty.

    Everything alive now (the emulator's parsed OpenAPI spec and its growing request log
    above all) is long-lived; left in the generations, it is rescanned in 80-200 ms
    pauses that land in whichever bot's phase happens to be running.
    """
    gc.collect()
    gc.freeze()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    fake = FakeDiscord()
    await fake.start()
    runners: list[InProcessBot] = []
    engines: list[AsyncEngine] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            mine = server_for_shard(fake, MASTHEAD_SHARD, args.users, "Readers")
            base = server_for_shard(fake, BASELINE_SHARD, args.users, "Baseline")
            url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'b.db'}"
            runner, engine = await start_masthead(fake, url, counting=args.lookup_counts)
            runners.append(runner)
            engines.append(engine)
            runners.append(await start_baseline(fake, base))

            for command in COMMANDS.values():  # warm-up: caches, pools, first-call costs
                await latencies(fake, mine, command, args.warmup)
            await latencies(fake, base, PING, args.warmup)

            bot, baseline = Samples(), Samples()
            mixed = list(COMMANDS.values())
            for _ in range(args.rounds):
                for label, command in COMMANDS.items():
                    settle()
                    bot.add(label, await latencies(fake, mine, command, args.samples))
                    settle()
                    baseline.add(label, await latencies(fake, base, PING, args.samples))
                settle()
                bot.throughput.append(await throughput(fake, mine, mixed, args.per_user))
                settle()
                baseline.throughput.append(await throughput(fake, base, [PING], args.per_user))
            await stop_all(runners, engines)  # before the database file goes
            counted = await item_opens_written(url)
    finally:
        await stop_all(runners, engines)
        await fake.stop()
    violations = [str(v) for v in fake.unexpected_violations()]
    if violations:
        raise RuntimeError(f"the emulator refused requests: {violations[:5]}")
    if counted != (sent["item"] if args.lookup_counts else 0):
        raise RuntimeError(f"{sent['item']} /item answered but {counted} opens written")
    report = summarize(bot, baseline)
    report["rows"].append({"case": "/item opens counted and written", "p50": counted})
    return report


async def item_opens_written(url: str) -> int:
    """The /item opens in the database once the bot has closed (its last batch written)."""
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            return int(await session.scalar(select(func.sum(ItemLookup.item_opens))) or 0)
    finally:
        await engine.dispose()


def summarize(bot: Samples, baseline: Samples) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for label in COMMANDS:
        mine, base = bot.latency_ms[label], baseline.latency_ms[label]
        rows.append(
            {
                "case": f"{label} latency (ms)",
                "p50": percentile(mine, 50),
                "p99": percentile(mine, 99),
                "baseline_p50": percentile(base, 50),
                "baseline_p99": percentile(base, 99),
                "ratio": ratio(percentile(mine, 50), percentile(base, 50)),
                "n": len(mine),
            }
        )
    all_mine = [v for values in bot.latency_ms.values() for v in values]
    all_base = [v for values in baseline.latency_ms.values() for v in values]
    rows.append(
        {
            "case": "all three latency (ms)",
            "p50": percentile(all_mine, 50),
            "p99": percentile(all_mine, 99),
            "baseline_p50": percentile(all_base, 50),
            "baseline_p99": percentile(all_base, 99),
            "ratio": ratio(percentile(all_mine, 50), percentile(all_base, 50)),
            "n": len(all_mine),
        }
    )
    rows.append(
        {
            "case": "  of which in emulator (ms)",
            "p50": percentile(bot.emulator_ms, 50),
            "baseline_p50": percentile(baseline.emulator_ms, 50),
        }
    )
    mine_tp, base_tp = percentile(bot.throughput, 50), percentile(baseline.throughput, 50)
    rows.append(
        {
            "case": "throughput (commands/s)",
            "p50": mine_tp,
            "baseline_p50": base_tp,
            "ratio": ratio(mine_tp, base_tp),
            "n": len(bot.throughput),
        }
    )
    return {"rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few samples, one round")
    parser.add_argument("--rounds", type=int, help="alternating bot/baseline rounds")
    parser.add_argument("--samples", type=int, help="latency samples per command per round")
    parser.add_argument("--users", type=int, help="concurrent readers for throughput")
    parser.add_argument("--per-user", type=int, help="commands per reader per round")
    parser.add_argument("--warmup", type=int, help="untimed commands of each kind first")
    parser.add_argument(
        "--no-lookup-counts",
        dest="lookup_counts",
        action="store_false",
        help="switch off /item's lookup counting (on in the real bot), to compare",
    )
    parser.add_argument(
        "--database-url",
        help="an empty database for Masthead (e.g. PostgreSQL); default: a temporary SQLite file",
    )
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (1 if args.quick else 5)
    args.samples = args.samples or (15 if args.quick else 100)
    args.users = args.users or (4 if args.quick else 16)
    args.per_user = args.per_user or (5 if args.quick else 25)
    args.warmup = args.warmup or (5 if args.quick else 30)
    # discord.py logs every interaction at DEBUG/INFO; keep stdout the table.
    logging.basicConfig(level=logging.ERROR)

    report = asyncio.run(run(args))
    rows = report["rows"]
    print(
        f"Masthead vs bare discord.py bot through fakediscord: {args.rounds} rounds, "
        f"{args.samples} samples/command/round, {args.users} users x {args.per_user} commands"
    )
    print_table(
        rows,
        [
            ("case", "case"),
            ("p50", "p50"),
            ("p99", "p99"),
            ("baseline_p50", "baseline p50"),
            ("baseline_p99", "baseline p99"),
            ("ratio", "ratio"),
            ("n", "n"),
        ],
    )
    by_case = {row["case"]: row for row in rows}
    p50_ratio = by_case["all three latency (ms)"]["ratio"]
    tp_ratio = by_case["throughput (commands/s)"]["ratio"]
    p50_met, tp_met = p50_ratio <= P50_TARGET, tp_ratio >= THROUGHPUT_TARGET
    item_ratio = by_case["/item latency (ms)"]["ratio"]
    item_met = item_ratio <= ITEM_TARGET
    print(f"target: p50 ratio <= {P50_TARGET}: {verdict(p50_met)} ({p50_ratio:.2f}x)")
    print(f"target: throughput ratio >= {THROUGHPUT_TARGET}: {verdict(tp_met)} ({tp_ratio:.2f}x)")
    counting = "on" if args.lookup_counts else "OFF"
    print(
        f"target: /item p50 ratio (lookup counting {counting}) <= {ITEM_TARGET}: "
        f"{verdict(item_met)} ({item_ratio:.2f}x)"
    )
    write_report(
        "commands",
        {
            "quick": args.quick,
            "settings": {k: v for k, v in vars(args).items() if k != "quick"},
            "targets": {
                "p50_ratio_max": P50_TARGET,
                "throughput_ratio_min": THROUGHPUT_TARGET,
                "item_p50_ratio_max": ITEM_TARGET,
            },
            "targets_met": {"p50": p50_met, "throughput": tp_met, "item_p50": item_met},
            **report,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

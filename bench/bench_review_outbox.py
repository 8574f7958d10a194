"""Benchmark the review outbox's queries: what it runs after every tip, at 10,000 tips.

`cards_to_post` and `cards_to_edit` (db/repositories/tips.py) in a session of their own,
as the outbox runs them, on a migrated database (a temporary SQLite file, or
--database-url). The baseline is the same query on the same database before any tips
were added: one reviewed server whose 20 tips all show their card. Then two cases, one
added on top of the other (seeding cannot be undone between samples, so the baseline is
measured first):

- "pending": --tips pending tips in 40 servers without settings (no review channel, so
  never a card): the tips a reader can send anywhere, waiting for a server to set up;
- "carded": as many more tips in the reviewed server, every status, each with its card
  posted and up to date: a server's history.

In every case neither query has anything to do, as after most tips; the time is what
finding that out costs. A sample is one call; the two queries alternate.

Usage: python bench/bench_review_outbox.py [--quick] [--tips N] [--samples N]
       [--database-url URL]
Writes bench/out/review_outbox.json and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from _common import percentile, print_table, ratio, verdict, write_report
from sqlalchemy import delete, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.models import GuildSettings, Tip
from db.repositories import tips
from db.states import TipStatus
from db.types import utcnow

NEWSLETTER = "Masthead outbox benchmark"  # its rows are deleted before and after a run
REVIEWED_GUILD = 410_000_000_000_000_001
REVIEW_CHANNEL = 410_000_000_000_000_002
OTHER_GUILDS = tuple(410_000_000_000_001_000 + n for n in range(40))  # no settings
FIRST_MESSAGE = 410_000_000_000_100_000
P50_TARGET_MS = 1.0  # each query at most 1 ms at p50 with the tips seeded
DECIDED = (TipStatus.APPROVED, TipStatus.SHORTLISTED, TipStatus.REJECTED, TipStatus.USED)

Query = Callable[[AsyncSession], Awaitable[Any]]
QUERIES: dict[str, Query] = {
    "cards_to_post": tips.cards_to_post,
    "cards_to_edit": tips.cards_to_edit,
}


def tip_row(number: int, *, guild_id: int, status: TipStatus, card: int | None) -> dict[str, Any]:
    """A tip; with `card`, one whose card (that message id) is posted and up to date."""
    now = utcnow() - timedelta(hours=1, seconds=number)
    revision = 1 if status is TipStatus.PENDING else 3
    return {
        "newsletter": NEWSLETTER,
        "guild_id": guild_id,
        "user_id": 10**17 + number,
        "anonymous": False,
        "headline": f"Seeded story number {number}",
        "for_month": now.strftime("%Y-%m"),
        "status": status,
        "version": 1 if status is TipStatus.PENDING else 2,
        "review_channel_id": REVIEW_CHANNEL if card is not None else None,
        "review_message_id": card,
        "card_revision": revision,
        "card_posted_revision": revision if card is not None else 0,
        "created_at": now,
    }


def pending_elsewhere(start: int, count: int) -> Iterator[dict[str, Any]]:
    for n in range(start, start + count):
        guild = OTHER_GUILDS[n % len(OTHER_GUILDS)]
        yield tip_row(n, guild_id=guild, status=TipStatus.PENDING, card=None)


def carded_history(start: int, count: int) -> Iterator[dict[str, Any]]:
    statuses = (TipStatus.PENDING, *DECIDED)
    for n in range(start, start + count):
        status = statuses[n % len(statuses)]
        yield tip_row(n, guild_id=REVIEWED_GUILD, status=status, card=FIRST_MESSAGE + n)


async def insert_rows(engine: AsyncEngine, rows: Iterator[dict[str, Any]]) -> None:
    batch = list(rows)
    async with engine.begin() as connection:
        for start in range(0, len(batch), 5000):
            await connection.execute(insert(Tip), batch[start : start + 5000])
        if connection.dialect.name == "postgresql":
            # What autovacuum does after this many new rows. Without it each connection
            # keeps the plan it chose for a table of 20 tips (a scan of all of them).
            await connection.execute(text("ANALYZE tips"))


async def forget_benchmark_rows(engine: AsyncEngine) -> None:
    """A reused (PostgreSQL) database starts and ends without this benchmark's rows."""
    async with engine.begin() as connection:
        await connection.execute(delete(Tip).where(Tip.newsletter == NEWSLETTER))
        await connection.execute(
            delete(GuildSettings).where(GuildSettings.guild_id == REVIEWED_GUILD)
        )


async def timed(sessions: async_sessionmaker[AsyncSession], query: Query) -> float:
    async with sessions() as session:
        started = time.perf_counter()
        found = await query(session)
        elapsed = (time.perf_counter() - started) * 1000
    if found:
        raise RuntimeError(f"{query.__name__} found work in a database that has none: {found}")
    return elapsed


async def sample(sessions: async_sessionmaker[AsyncSession], count: int) -> dict[str, list[float]]:
    taken: dict[str, list[float]] = {name: [] for name in QUERIES}
    for _ in range(count):
        for name, query in QUERIES.items():
            taken[name].append(await timed(sessions, query))
    return taken


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'outbox.db'}"
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
            await forget_benchmark_rows(engine)
            sessions = create_sessionmaker(engine)
            async with sessions.begin() as session:
                session.add(
                    GuildSettings(guild_id=REVIEWED_GUILD, review_channel_id=REVIEW_CHANNEL)
                )
            await insert_rows(engine, carded_history(0, 20))
            await sample(sessions, args.warmup)
            baseline = await sample(sessions, args.samples)
            results: dict[str, dict[str, list[float]]] = {}
            seeds = {"pending": pending_elsewhere, "carded": carded_history}
            for case, seed in seeds.items():
                await insert_rows(engine, seed(100 + len(results) * args.tips, args.tips))
                await sample(sessions, args.warmup)
                results[case] = await sample(sessions, args.samples)
        finally:
            await forget_benchmark_rows(engine)
            await engine.dispose()
    return summarize(results, baseline, args.tips)


def summarize(
    results: dict[str, dict[str, list[float]]], baseline: dict[str, list[float]], count: int
) -> dict[str, Any]:
    labels = {
        "pending": f"+{count:,} pending tips, servers without settings",
        "carded": f"+{count:,} tips with cards, the reviewed server",
    }
    rows = []
    for case, taken in results.items():
        for name, samples in taken.items():
            base = baseline[name]
            rows.append(
                {
                    "case": f"{name}, {labels[case]} (ms)",
                    "key": f"{case}:{name}",
                    "p50": percentile(samples, 50),
                    "p99": percentile(samples, 99),
                    "baseline_p50": percentile(base, 50),
                    "baseline_p99": percentile(base, 99),
                    "ratio": ratio(percentile(samples, 50), percentile(base, 50)),
                    "n": len(samples),
                }
            )
    return {"rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few tips and samples")
    parser.add_argument("--tips", type=int, help="tips added by each case (default 10,000)")
    parser.add_argument("--samples", type=int, help="calls of each query per case")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args(argv)
    args.tips = args.tips or (300 if args.quick else 10_000)
    args.samples = args.samples or (10 if args.quick else 200)
    args.warmup = 3 if args.quick else 20
    logging.basicConfig(level=logging.ERROR)

    report = asyncio.run(run(args))
    rows = report["rows"]
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"review outbox queries on {backend}, {args.samples} calls each per case; baseline: "
        "the same database before the tips were added"
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
    slowest = max(row["p50"] for row in rows)
    met = slowest <= P50_TARGET_MS
    print(f"target: every p50 <= {P50_TARGET_MS} ms: {verdict(met)} (slowest {slowest:.2f} ms)")
    write_report(
        "review_outbox",
        {
            "quick": args.quick,
            "backend": backend,
            "settings": {k: v for k, v in vars(args).items() if k not in ("quick", "database_url")},
            "targets": {"p50_ms_max": P50_TARGET_MS},
            "targets_met": {"p50": met},
            **report,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

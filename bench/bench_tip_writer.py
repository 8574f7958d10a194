"""Benchmark a tip submission alone, no bot and no Discord: db/tip_writer.py's writer
against `submit_tip` in a session (how the cog submitted before), on the same database.

Each case alternates the two, rounds x samples submissions each, new tips only (made-up
headlines and links, readers taking turns, the hourly limit out of reach), timed from the
call to the committed outcome. Cases: an empty database, then the same after --earlier
tips (default 10,000) were bulk-inserted, which the headline check reads once and then
scores every submission against. This locates the time bench_tips.py measures end to end;
it sets no target.

Usage: python bench/bench_tip_writer.py [--quick] [--rounds N] [--samples N]
       [--earlier N] [--database-url URL]
Writes bench/out/tip_writer.json and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import percentile, print_table, ratio, write_report
from bench_tips import forget_benchmark_tips, form_values, seed_tips
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.repositories import tips
from db.tip_writer import SessionTipWriter, Submission, TipWriter, open_tip_writer
from newsletter.tips import TipDraft

NEWSLETTER = "Masthead tip writer benchmark"  # its tips are deleted before and after
TIP_LIMIT = 1_000_000
READERS = 50


class Numbering:
    def __init__(self) -> None:
        self.count = 0

    def submission(self) -> Submission:
        self.count += 1
        values = form_values(2_000_000 + self.count)  # not bench_tips.py's numbers
        return Submission(
            newsletter=NEWSLETTER,
            guild_id=1,
            user_id=10**17 + self.count % READERS,
            draft=TipDraft(values["headline"], values["link"], values["why"]),
            anonymous=False,
            for_month="2026-01",
            limit_per_hour=TIP_LIMIT,
        )


async def timed(writer: TipWriter, numbering: Numbering, n: int, into: list[float]) -> None:
    for _ in range(n):
        submission = numbering.submission()
        started = time.perf_counter()
        outcome = await writer.submit(submission)
        into.append((time.perf_counter() - started) * 1000)
        if not isinstance(outcome, tips.Created):
            raise RuntimeError(f"a new tip was not stored as one: {outcome!r}")


async def run_case(
    sessionmaker: async_sessionmaker[AsyncSession], numbering: Numbering, args: argparse.Namespace
) -> tuple[list[float], list[float]]:
    # Fresh indexes, as a starting bot has: the first submission of each reads them all.
    writer = open_tip_writer(sessionmaker, tips.HeadlineIndex(NEWSLETTER))
    session = SessionTipWriter(sessionmaker, tips.HeadlineIndex(NEWSLETTER))
    mine: list[float] = []
    base: list[float] = []
    try:
        await timed(writer, numbering, args.warmup, [])
        await timed(session, numbering, args.warmup, [])
        for _ in range(args.rounds):
            await timed(writer, numbering, args.samples, mine)
            await timed(session, numbering, args.samples, base)
    finally:
        await writer.close()
        await session.close()
    return mine, base


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'writer.db'}"
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
            await forget_benchmark_tips(engine, NEWSLETTER)
            sessionmaker = create_sessionmaker(engine)
            numbering = Numbering()  # one for the run: no tip is sent twice
            for earlier in (0, args.earlier):
                if earlier:
                    await seed_tips(engine, earlier, newsletter=NEWSLETTER)
                mine, base = await run_case(sessionmaker, numbering, args)
                rows.append(
                    {
                        "case": f"submission, {earlier:,} earlier tips (ms)",
                        "earlier": earlier,
                        "p50": percentile(mine, 50),
                        "p99": percentile(mine, 99),
                        "baseline_p50": percentile(base, 50),
                        "baseline_p99": percentile(base, 99),
                        "ratio": ratio(percentile(mine, 50), percentile(base, 50)),
                        "n": len(mine),
                    }
                )
        finally:
            await forget_benchmark_tips(engine, NEWSLETTER)
            await engine.dispose()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few samples, one round")
    parser.add_argument("--rounds", type=int, help="alternating writer/session rounds per case")
    parser.add_argument("--samples", type=int, help="submissions per side per round")
    parser.add_argument("--warmup", type=int, help="untimed submissions per side per case")
    parser.add_argument("--earlier", type=int, help="tips bulk-inserted for the second case")
    parser.add_argument("--database-url", help="e.g. PostgreSQL; default: a temporary SQLite file")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.samples = args.samples or (10 if args.quick else 100)
    args.warmup = args.warmup or (3 if args.quick else 20)
    args.earlier = args.earlier or (300 if args.quick else 10_000)
    logging.basicConfig(level=logging.ERROR)

    rows = asyncio.run(run(args))
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"tip submission alone, the writer vs submit_tip in a session ({backend}): "
        f"{args.rounds} rounds x {args.samples} per side per case; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print_table(
        rows,
        [
            ("case", "case"),
            ("p50", "writer p50"),
            ("p99", "writer p99"),
            ("baseline_p50", "session p50"),
            ("baseline_p99", "session p99"),
            ("ratio", "ratio"),
            ("n", "n"),
        ],
    )
    print("target: none (this locates bench_tips.py's time; its target is end to end)")
    write_report(
        "tip_writer",
        {
            "quick": args.quick,
            "backend": backend,
            "settings": {k: v for k, v in vars(args).items() if k not in ("quick", "database_url")},
            "rows": rows,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

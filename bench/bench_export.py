"""Benchmark the streamed tips export: time and memory for 10,000, 50,000 and 100,000 tips.

Each size is its own SQLite database, migrated, with the tips (and votes for one in ten)
bulk-inserted by bench_tips.seed_tips, not through the bot. For CSV and JSON:

- in this process, `masthead.tips_export.write_tips` to a file, timed against a baseline
  run alternately with it: the same rows (same columns, the same vote count subquery, id
  order) read with a plain stdlib sqlite3 cursor and written with csv.writer or
  json.dumps, no ORM, no event loop. Also the tracemalloc peak of each (Python objects
  only, not SQLite's own page cache);
- as the user runs it, `python bot.py tips export --format F --output FILE` with
  DATABASE_URL set, in a subprocess: its wall time and its peak RSS above the same
  command's peak on an empty database, run right before it (so imports, the migration
  check and the engine are not counted as export memory, and a change in start-up
  between sizes is not either). The peak is the child's own VmHWM, which it writes
  when it exits (bot.py is run through runpy under a three-line wrapper): getrusage's
  ru_maxrss would not do, as Linux carries the parent's peak over into the child across
  vfork and exec, so it grows with whatever this benchmark process held at the time.

Memory that does not grow from the smallest size to the largest is the point: the export
must hold one page of tips at a time, never all of them.

Usage: python bench/bench_export.py [--quick] [--sizes N,N,...] [--repeat N]
Writes bench/out/export.json and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _common import ROOT, percentile, print_table, ratio, verdict, write_report
from bench_tips import seed_tips

from db import migrate
from db.engine import create_engine, create_sessionmaker
from masthead.tips_export import COLUMNS, write_tips

NEWSLETTER = "This Month in China"
FORMATS = ("csv", "json")
MB_TARGET = 50.0  # the CLI's peak RSS above its start, at every size
FLAT_MB = 5.0  # growth allowed from the smallest size to the largest ("constant")
MB = 1024 * 1024

# write_tips' rows, as the baseline reads them: id order, readers = author + votes.
BASELINE_QUERY = """
SELECT t.id, t.for_month, t.status, t.headline, t.link, t.why,
       1 + (SELECT count(*) FROM tip_votes v WHERE v.tip_id = t.id),
       CASE WHEN t.anonymous OR t.user_id IS NULL THEN NULL ELSE t.user_id END,
       t.guild_id, t.created_at, t.decided_at, t.decision_reason
FROM tips t ORDER BY t.id
"""


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def build_database(path: Path, tips: int) -> None:
    engine = create_engine(sqlite_url(path))
    try:
        await migrate.upgrade(engine)
        if tips:
            await seed_tips(engine, tips, newsletter=NEWSLETTER)
    finally:
        await engine.dispose()


async def masthead_export(database: Path, output: Path, format: str) -> int:
    """What `bot.py tips export` runs, minus process start and the migration check."""
    engine = create_engine(sqlite_url(database))
    try:
        with output.open("w", encoding="utf-8", newline="") as out:
            async with create_sessionmaker(engine)() as session:
                return await write_tips(session, out, format=format)
    finally:
        await engine.dispose()


async def baseline_export(database: Path, output: Path, format: str) -> int:
    """The same rows with a plain cursor and the standard library's writers."""
    count = 0
    connection = sqlite3.connect(database)
    try:
        with output.open("w", encoding="utf-8", newline="") as out:
            rows = connection.execute(BASELINE_QUERY)
            if format == "csv":
                writer = csv.writer(out)
                writer.writerow(COLUMNS)
                for row in rows:
                    writer.writerow(row)
                    count += 1
            else:
                out.write("[")
                for row in rows:
                    out.write(",\n" if count else "\n")
                    out.write(json.dumps(dict(zip(COLUMNS, row, strict=True)), ensure_ascii=False))
                    count += 1
                out.write("\n]\n")
    finally:
        connection.close()
    return count


Export = Callable[[Path, Path, str], Awaitable[int]]


async def timed(export: Export, database: Path, output: Path, format: str, expected: int) -> float:
    gc.collect()
    start = time.perf_counter()
    count = await export(database, output, format)
    elapsed = time.perf_counter() - start
    if count != expected:
        raise RuntimeError(f"{export.__name__} wrote {count} tips, not {expected}")
    return elapsed


async def traced_peak_mb(export: Export, database: Path, output: Path, format: str) -> float:
    """Peak of Python allocations during one export, above what was allocated before."""
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        await export(database, output, format)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return (peak - before) / MB


# `python bot.py ARGS`, which then reports its own peak RSS on the way out.
PEAK_MARK = "peak-rss-kib:"
REPORTING_PEAK = f"""
import atexit, runpy, sys
def peak():
    with open("/proc/self/status") as status:
        kib = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    sys.stderr.write("{PEAK_MARK}" + kib + "\\n")
atexit.register(peak)
sys.argv[0] = "bot.py"
runpy.run_path("bot.py", run_name="__main__")
"""


def cli_export(database: Path, output: Path, format: str) -> tuple[float, float, str]:
    """`python bot.py tips export` in a subprocess: (wall s, peak RSS MB, its stdout)."""
    env = {**os.environ, "DATABASE_URL": sqlite_url(database), "LOG_LEVEL": "WARNING"}
    arguments = ["tips", "export", "--format", format, "--output", str(output)]
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", REPORTING_PEAK, *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"bot.py {' '.join(arguments)} failed:\n{result.stderr}")
    kib = [line for line in result.stderr.splitlines() if line.startswith(PEAK_MARK)]
    return elapsed, int(kib[-1][len(PEAK_MARK) :]) * 1024 / MB, result.stdout


async def run(args: argparse.Namespace) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        empty = folder / "empty.db"
        await build_database(empty, 0)
        output = folder / "out"
        for size in args.sizes:
            database = folder / f"tips-{size}.db"
            began = time.perf_counter()
            await build_database(database, size)
            print(f"seeded {size:,} tips in {time.perf_counter() - began:.1f} s", flush=True)
            for format in FORMATS:
                mine, base = [], []
                for _ in range(args.repeat):  # alternating, so both see the same machine
                    mine.append(await timed(masthead_export, database, output, format, size))
                    base.append(await timed(baseline_export, database, output, format, size))
                traced = await traced_peak_mb(masthead_export, database, output, format)
                base_traced = await traced_peak_mb(baseline_export, database, output, format)
                # The CLI on the empty database right before each run: its start-up.
                cli, start = [], []
                for _ in range(args.repeat):
                    start.append(cli_export(empty, output, format))
                    cli.append(cli_export(database, output, format))
                    if not cli[-1][2].startswith(f"{size} tip(s) written"):
                        raise RuntimeError(f"bot.py tips export said {cli[-1][2]!r}")
                cli_s, start_s = (percentile([c[0] for c in runs], 50) for runs in (cli, start))
                cli_mb, start_mb = (percentile([c[1] for c in runs], 50) for runs in (cli, start))
                rows.append(
                    {
                        "case": f"{format}, {size:,} tips",
                        "format": format,
                        "tips": size,
                        "export_s": percentile(mine, 50),
                        "baseline_s": percentile(base, 50),
                        "ratio": ratio(percentile(mine, 50), percentile(base, 50)),
                        "traced_mb": traced,
                        "baseline_traced_mb": base_traced,
                        "cli_s": cli_s,
                        "cli_start_s": start_s,
                        "cli_peak_rss_mb": cli_mb,
                        "cli_start_rss_mb": start_mb,
                        "cli_rss_above_start_mb": cli_mb - start_mb,
                        "output_mb": output.stat().st_size / MB,
                    }
                )
            database.unlink()
    return {"rows": rows}


def targets(rows: list[dict[str, Any]]) -> dict[str, Any]:
    worst = max(r["cli_rss_above_start_mb"] for r in rows)
    growth = {}
    for format in FORMATS:
        by_size = sorted(
            (r["tips"], r["cli_rss_above_start_mb"]) for r in rows if r["format"] == format
        )
        growth[format] = by_size[-1][1] - by_size[0][1]
    return {
        "worst_rss_above_start_mb": worst,
        "rss_growth_mb": growth,
        "under_target": worst < MB_TARGET,
        "flat": all(g <= FLAT_MB for g in growth.values()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each")
    parser.add_argument("--sizes", help="comma-separated tip counts (default 10000,50000,100000)")
    parser.add_argument("--repeat", type=int, help="timed runs per size and format")
    args = parser.parse_args(argv)
    default_sizes = "500,2000" if args.quick else "10000,50000,100000"
    args.sizes = [int(s) for s in (args.sizes or default_sizes).split(",")]
    args.repeat = args.repeat or (1 if args.quick else 3)

    report = asyncio.run(run(args))
    rows = report["rows"]
    print(
        f"tips export, write_tips vs a plain sqlite3 cursor + stdlib writer (SQLite), and "
        f"`bot.py tips export` in a subprocess; median of {args.repeat}"
    )
    print_table(
        rows,
        [
            ("case", "case"),
            ("export_s", "export s"),
            ("baseline_s", "baseline s"),
            ("ratio", "ratio"),
            ("traced_mb", "traced MB"),
            ("baseline_traced_mb", "base traced MB"),
            ("cli_s", "CLI s"),
            ("cli_start_s", "0 tips s"),
            ("cli_peak_rss_mb", "CLI peak MB"),
            ("cli_start_rss_mb", "0 tips MB"),
            ("cli_rss_above_start_mb", "above start MB"),
        ],
    )
    met = targets(rows)
    growth = ", ".join(f"{f} {g:+.1f} MB" for f, g in met["rss_growth_mb"].items())
    print(
        f"target: CLI peak RSS above start < {MB_TARGET:.0f} MB at every size: "
        f"{verdict(met['under_target'])} (worst {met['worst_rss_above_start_mb']:.1f} MB)"
    )
    print(
        f"target: constant in rows ({args.sizes[0]:,} -> {args.sizes[-1]:,} tips grows "
        f"<= {FLAT_MB:.0f} MB): {verdict(met['flat'])} ({growth})"
    )
    write_report(
        "export",
        {
            "quick": args.quick,
            "settings": {"sizes": args.sizes, "repeat": args.repeat},
            "targets": {"rss_above_start_mb_max": MB_TARGET, "growth_mb_max": FLAT_MB},
            "targets_met": {"memory": met["under_target"], "flat": met["flat"]},
            "measured": met,
            **report,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark issue parsing against the cheapest possible baseline.

(a) preview of the sample issue: parse + summarize + render, vs reading the file and
    splitting it with one regex;
(b) parse of a generated ten-year archive (120 issues built from the test issues with
    their months and some words changed), vs the same baseline over the archive;
(c) import of that archive as `bot.py import` does it: parse, then store every issue in
    one transaction into a fresh, migrated SQLite database, vs the same baseline;
(d) parse of every real issue of the corpus (tests/data/corpus: eight issues from public
    repositories, Markdown and HTML, three layouts): p50 per issue and the worst issue,
    in wall time and in this process's CPU time (the target is judged on CPU time: the
    machine's two cores are shared, and wall time there measures the neighbours too).

Usage: python bench/bench_parse.py [--quick] [--repeat N]
Writes bench/out/parse.json and prints the tables.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import ROOT, percentile, print_table, ratio, verdict, write_report

from db import migrate
from db.engine import create_engine, create_sessionmaker
from masthead.importing import store_document
from masthead.samples import SAMPLE_ISSUE
from newsletter import parse_issue
from newsletter.headings import MONTH_NAMES
from newsletter.render import render_issue

SAMPLE = SAMPLE_ISSUE
ISSUES = ROOT / "tests" / "data" / "issues"
CORPUS = ROOT / "tests" / "data" / "corpus"
TARGET_MS = 50.0
_LINES = re.compile(r"\n+")
_MONTH_YEAR = re.compile(r"\b(" + "|".join(MONTH_NAMES) + r")\s+(20\d\d)\b", re.IGNORECASE)


def baseline(data: bytes) -> int:
    return len(_LINES.split(data.decode("utf-8", "replace")))


def preview(data: bytes) -> int:
    return len(render_issue(parse_issue(data)))


def sources() -> list[bytes]:
    files = [SAMPLE, *sorted(p for p in ISSUES.iterdir() if p.is_file())]
    return [p.read_bytes() for p in files]


def decode(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252"), "cp1252"


def archive() -> list[bytes]:
    """120 monthly issues, 2015-01 to 2024-12, cycling through the test issues."""
    originals = sources()
    result = []
    for index in range(120):
        year, month = 2015 + index // 12, index % 12 + 1
        text, encoding = decode(originals[index % len(originals)])
        text = _MONTH_YEAR.sub(f"{MONTH_NAMES[month - 1]} {year}", text)
        # Vary the prose a little so no two issues are byte-identical.
        text = text.replace("China", "China" if index % 2 else "the PRC", 3)
        result.append(text.encode(encoding))
    return result


def import_archive(issues: list[bytes]) -> int:
    """Parse and store every issue into a new SQLite database, as `bot.py import` does."""

    async def store() -> int:
        with tempfile.TemporaryDirectory() as tmp:
            engine = create_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'archive.db'}")
            try:
                await migrate.upgrade(engine)
                documents = [parse_issue(data) for data in issues]
                async with create_sessionmaker(engine).begin() as session:
                    for document in documents:
                        await store_document(session, document)
            finally:
                await engine.dispose()
        return len(documents)

    return asyncio.run(store())


def corpus() -> list[tuple[str, bytes, str | None]]:
    """(name, bytes, month to give) for every issue that has its ground truth beside it."""
    found = []
    for truth_path in sorted(CORPUS.rglob("*.json")):
        path = truth_path.with_name(truth_path.name.removesuffix(".json"))
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        found.append((f"{path.parent.name}/{path.name}", path.read_bytes(), truth["month_given"]))
    return found


def corpus_rows(repeat: int) -> list[dict[str, float | str]]:
    rows: list[dict[str, float | str]] = []
    for name, data, month in corpus():
        filename = name.rsplit("/", 1)[-1]

        def parse(data: bytes = data, filename: str = filename, month: str | None = month) -> Any:
            return parse_issue(data, filename=filename, month=month)

        document = parse()
        wall, cpu = [], []
        for _ in range(repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            parse()
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        rows.append(
            {
                "issue": name,
                "kb": len(data) / 1000,
                "items": len(document.items),
                "p50_ms": percentile(wall, 50),
                "max_ms": max(wall),
                "cpu_p50_ms": percentile(cpu, 50),
                "runs": repeat,
            }
        )
    return rows


def time_ms(action: Callable[[], object], repeat: int) -> list[float]:
    action()  # warm up caches and imports
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def row(name: str, subject: list[float], base: list[float]) -> dict[str, float | str]:
    p50, base_p50 = percentile(subject, 50), percentile(base, 50)
    return {
        "case": name,
        "p50_ms": p50,
        "baseline_p50_ms": base_p50,
        "ratio": ratio(p50, base_p50),
        "runs": len(subject),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny repetition counts")
    parser.add_argument("--repeat", type=int, help="repetitions of the sample preview")
    args = parser.parse_args(argv)
    sample_repeat = args.repeat or (3 if args.quick else 200)
    archive_repeat = 1 if args.quick else 5

    sample = SAMPLE.read_bytes()
    issues = archive()
    months = {parse_issue(data).month for data in issues}
    if len(months) != len(issues):
        print(f"archive check failed: {len(months)} distinct months", file=sys.stderr)
        return 1

    rows = [
        row(
            "(a) sample preview: parse+summarize+render",
            time_ms(lambda: preview(sample), sample_repeat),
            time_ms(lambda: baseline(sample), sample_repeat),
        ),
        row(
            f"(b) archive parse: {len(issues)} issues",
            time_ms(lambda: [parse_issue(data) for data in issues], archive_repeat),
            time_ms(lambda: [baseline(data) for data in issues], archive_repeat),
        ),
        row(
            f"(c) archive import into SQLite: {len(issues)} issues",
            time_ms(lambda: import_archive(issues), archive_repeat),
            time_ms(lambda: [baseline(data) for data in issues], archive_repeat),
        ),
    ]
    print_table(
        rows,
        [
            ("case", "case"),
            ("p50_ms", "p50 ms"),
            ("baseline_p50_ms", "baseline ms"),
            ("ratio", "ratio"),
            ("runs", "runs"),
        ],
    )
    within = float(rows[0]["p50_ms"]) < TARGET_MS
    print(f"target: sample preview < {TARGET_MS:.0f} ms: {verdict(within)}")

    real = corpus_rows(3 if args.quick else 30)
    print()
    print_table(
        real,
        [
            ("issue", "(d) real issue"),
            ("kb", "kB"),
            ("items", "items"),
            ("p50_ms", "p50 ms"),
            ("max_ms", "max ms"),
            ("cpu_p50_ms", "CPU p50 ms"),
            ("runs", "runs"),
        ],
    )
    p50s = [float(row["p50_ms"]) for row in real]
    cpu_p50s = [float(row["cpu_p50_ms"]) for row in real]
    worst = max(real, key=lambda row: float(row["cpu_p50_ms"]))
    corpus_within = all(p50 < TARGET_MS for p50 in cpu_p50s)
    print(
        f"corpus: p50 of the issues' p50s {percentile(p50s, 50):.1f} ms "
        f"(CPU {percentile(cpu_p50s, 50):.1f} ms), worst {worst['issue']} "
        f"{float(worst['p50_ms']):.1f} ms (CPU {float(worst['cpu_p50_ms']):.1f} ms)"
    )
    print(f"target: every real issue < {TARGET_MS:.0f} ms CPU: {verdict(corpus_within)}")
    write_report(
        "parse",
        {
            "quick": args.quick,
            "target_ms": TARGET_MS,
            "target_met": within,
            "rows": rows,
            "corpus": {
                "issues": real,
                "p50_ms": percentile(p50s, 50),
                "cpu_p50_ms": percentile(cpu_p50s, 50),
                "worst_issue": worst["issue"],
                "worst_p50_ms": worst["p50_ms"],
                "worst_cpu_p50_ms": worst["cpu_p50_ms"],
                "target_met": corpus_within,
            },
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

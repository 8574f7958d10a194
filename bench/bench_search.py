"""Benchmark /search at the repository level over a large archive on SQLite.

`db.repositories.search.search_items` (FTS5, bm25 with titles weighted, snippets, the
any-word fallback, CJK substrings) against a baseline in the same run: a bare FTS5 MATCH
with no ranking, no join and no snippet, `LIMIT 5`. Queries mix rare and common words,
several words, words found nowhere, and Chinese.

The archive (one newsletter, ~14,300 monthly issues x 7 items built from the sentences of
the test issues plus a rare made-up word per item) is generated once through the real
migrations, so the FTS5 triggers fill the word index and migration 0003 the CJK bigram
index (bulk inserts bypass `store_issue`, which keeps it in the app), and cached as
bench/out/search-<items>-<migration head>-g<generator version>.db.

Usage: python bench/bench_search.py [--quick] [--items N] [--repeat N]
Writes bench/out/search.json and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from _common import OUT_DIR, ROOT, percentile, print_table, ratio, verdict, write_report

from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.query_runner import QueryRunner, open_query_runner
from db.repositories.search import SearchHit, search_items
from masthead.samples import SAMPLE_ISSUE
from newsletter import parse_issue

NEWSLETTER = "This Month in China"
ITEMS_PER_ISSUE = 7
TARGET_P99_MS = 20.0
SEED = 20231201
GENERATOR_VERSION = 1  # bump when build_archive changes what it generates
SOURCES = [
    SAMPLE_ISSUE,
    *sorted((ROOT / "tests" / "data" / "issues").iterdir()),
]
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
CJK_PHRASES = ("中国芯片产业", "电动汽车", "人工智能", "长鑫存储")

Row = dict[str, Any]

# (kind, query). The made-up words are the archive's rarest: each is in ~20 items.
QUERIES = [
    ("rare", "velokantra"),
    ("rare", "zumirodel"),
    ("common", "China"),
    ("common", "technology"),
    ("common", "the"),
    ("multiword", "electric car Xiaomi"),
    ("multiword", "DRAM memory chip maker"),
    ("multiword, no item has all", "velokantra zumirodel"),
    ("no hit", "xylophonist"),
    ("no hit, several words", "quixotic xylophonist zebu"),
    ("CJK", "芯片"),
    ("CJK", "人工智能"),
    ("CJK, no hit", "量子纠缠"),
    ("mixed", 'Tesla "SU7" -- 电动汽车 🚗'),
]


def archive_version() -> str:
    """Names the cached archive: a new migration or generator rebuilds it."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()
    return f"{head}-g{GENERATOR_VERSION}"


def made_up_word(rng: random.Random) -> str:
    syllables = ["ka", "ve", "lo", "zu", "mi", "ro", "del", "tra", "ni", "so", "pe", "qua"]
    return "".join(rng.choice(syllables) for _ in range(4))


def corpus() -> tuple[list[str], list[str]]:
    """(titles, sentences) of every item in the test issues."""
    titles: list[str] = []
    sentences: list[str] = []
    for path in SOURCES:
        for item in parse_issue(path.read_bytes(), newsletter=NEWSLETTER).items:
            titles.append(item.title)
            sentences += [s for s in _SENTENCE.split(" ".join(item.body.split())) if s]
    return titles, sentences


def build_archive(path: str, n_items: int) -> None:
    """Create the schema with the real migrations, bulk-insert the archive, then apply
    the rest: 0003 builds the CJK bigram index from the items already stored."""

    async def upgrade(revision: str) -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate.upgrade(engine, revision)
        await engine.dispose()

    asyncio.run(upgrade("0002"))
    rng = random.Random(SEED)
    titles, sentences = corpus()
    rare = sorted({made_up_word(rng) for _ in range(20_000)})[: max(1, n_items // 20)]
    rare[:2] = ["velokantra", "zumirodel"]  # queried by name above
    n_issues = -(-n_items // ITEMS_PER_ISSUE)
    connection = sqlite3.connect(path)
    with connection:
        connection.executemany(
            "INSERT INTO issues (id, newsletter, month, title, document, content_hash, status,"
            " imported_at, published_at) VALUES (?, ?, ?, ?, '{}', ?, 'published', ?, ?)",
            (
                (n + 1, NEWSLETTER, _month(n), f"Issue {n + 1}", f"{n:064d}", _stamp(), _stamp())
                for n in range(n_issues)
            ),
        )
        connection.executemany(
            "INSERT INTO items (id, issue_id, number, title, body, summary) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (_item(n, rng, titles, sentences, rare) for n in range(n_items)),
        )
    connection.close()
    asyncio.run(upgrade("head"))
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA optimize")
    connection.close()


def _month(n: int) -> str:
    # Unique YYYY-MM per issue: enough centuries of monthly issues for any archive size.
    return f"{1000 + n // 12:04d}-{n % 12 + 1:02d}"


def _stamp() -> str:
    return "2024-01-01 00:00:00.000000"


def _item(
    n: int, rng: random.Random, titles: list[str], sentences: list[str], rare: list[str]
) -> tuple[int, int, int, str, str, str]:
    word = rare[n % len(rare)]
    picked = rng.sample(sentences, rng.randint(4, 10))
    if n % 50 == 0:
        picked.append(f"报道：{rng.choice(CJK_PHRASES)}。")
    picked.insert(rng.randrange(len(picked) + 1), f"The {word} report says so.")
    body = " ".join(picked[:3]) + "\n\n" + " ".join(picked[3:])
    title = rng.choice(titles)
    return n + 1, n // ITEMS_PER_ISSUE + 1, n % ITEMS_PER_ISSUE + 1, title, body, picked[0]


Search = Callable[[QueryRunner, str], Awaitable[Sequence[object]]]


async def subject_search(queries: QueryRunner, query: str) -> Sequence[object]:
    hits: list[SearchHit] = await search_items(queries, query, newsletter=NEWSLETTER)
    return hits


async def baseline_search(queries: QueryRunner, query: str) -> Sequence[object]:
    """A bare FTS5 MATCH of the same words, unranked: the cheapest full-text answer."""
    words = re.findall(r"\w+", query.casefold())
    if not words:
        return []
    match = " ".join('"' + w.replace('"', '""') + '"' for w in words)
    sql = "SELECT rowid FROM items_fts WHERE items_fts MATCH :m LIMIT 5"
    return [row["rowid"] for row in await queries.rows(sql, {"m": match})]


async def measure(queries: QueryRunner, search: Search, query: str, repeat: int) -> list[float]:
    samples = []
    await search(queries, query)  # warm: page cache, statement cache
    for _ in range(repeat):
        start = time.perf_counter()
        await search(queries, query)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def run_queries(path: str, repeat: int) -> tuple[list[Row], list[float], list[float]]:
    """Both sides through the reader the bot uses for this database."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    queries = open_query_runner(create_sessionmaker(engine))
    rows: list[Row] = []
    all_subject: list[float] = []
    all_base: list[float] = []
    try:
        for kind, query in QUERIES:
            hits = len(await subject_search(queries, query))
            # Alternate subject and baseline in rounds so drift hits both alike.
            subject_ms: list[float] = []
            base_ms: list[float] = []
            for _ in range(3):
                subject_ms += await measure(queries, subject_search, query, repeat // 3 or 1)
                base_ms += await measure(queries, baseline_search, query, repeat // 3 or 1)
            all_subject += subject_ms
            all_base += base_ms
            rows.append(row(f"{kind}: {query}", hits, subject_ms, base_ms))
    finally:
        await queries.close()
        await engine.dispose()
    return rows, all_subject, all_base


def row(case: str, hits: int | None, subject_ms: list[float], base_ms: list[float]) -> Row:
    return {
        "case": case,
        "hits": hits,
        "p50_ms": percentile(subject_ms, 50),
        "p99_ms": percentile(subject_ms, 99),
        "baseline_p50_ms": percentile(base_ms, 50),
        "ratio": ratio(percentile(subject_ms, 50), percentile(base_ms, 50)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 items, few repetitions")
    parser.add_argument("--items", type=int, help="archive size (default 100,000)")
    parser.add_argument("--repeat", type=int, help="timed runs per query (default 60)")
    args = parser.parse_args(argv)
    n_items = args.items or (10_000 if args.quick else 100_000)
    repeat = args.repeat or (6 if args.quick else 60)

    path = OUT_DIR / f"search-{n_items}-{archive_version()}.db"
    if not path.exists():
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        partial = path.with_suffix(".building")
        partial.unlink(missing_ok=True)
        build_archive(str(partial), n_items)
        partial.rename(path)
        print(f"built {path.name} in {time.perf_counter() - started:.1f} s")

    rows, subject_ms, base_ms = asyncio.run(run_queries(str(path), repeat))
    overall = row(f"all {len(QUERIES)} queries", None, subject_ms, base_ms)
    rows.append(overall)
    print(f"search_items over {n_items:,} items on SQLite, {repeat} runs per query")
    print_table(
        rows,
        [
            ("case", "case"),
            ("hits", "hits"),
            ("p50_ms", "p50 ms"),
            ("p99_ms", "p99 ms"),
            ("baseline_p50_ms", "baseline p50 ms"),
            ("ratio", "ratio"),
        ],
    )
    p99 = float(overall["p99_ms"] or 0)
    met = p99 < TARGET_P99_MS
    print(f"target: p99 over all queries < {TARGET_P99_MS:.0f} ms: {verdict(met)} ({p99:.1f} ms)")
    write_report(
        "search",
        {
            "quick": args.quick,
            "items": n_items,
            "repeat": repeat,
            "target_p99_ms": TARGET_P99_MS,
            "target_met": met,
            "rows": rows,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark tip submission end to end: the tip form's submit to the reader's receipt.

The real Masthead bot (in this process; a temporary SQLite database with the sample issue
published, a review channel set) against bench/baseline_bot.py, whose /tip opens a form
with the same three inputs and answers its submit with a fixed ephemeral message. Both
are connected to one fakediscord at the same time (Masthead shard 0 of 2, the baseline
shard 1, each with its own server), so rounds alternate between them with no restart.

Each sample: a reader runs /tip (timed on its own row), fills in the form with a headline and a link
no one sent before, and submits it; the time is the emulator's own measure,
INTERACTION_CREATE of the submit sent to the callback received. Masthead answers only
after the tip is committed, so that is included. Readers take turns (the hourly limit is
set out of reach) and the next sample starts once the bot is idle again (Masthead: its
review card posted). Two cases: the database holding only this run's tips, then the same
after --earlier tips (default 10,000, other servers of the newsletter) were bulk-inserted,
which the duplicate check reads on every submission.

With --breakdown it also splits each bot's submit time where it is spent: the emulator
and discord.py until the bot's handler starts (Masthead's modal router, the baseline's
`on_submit`), the handler until it starts its answer, and the answer until the emulator
has it. The two in-bot moments are taken by wrapping those functions from here.

Usage: python bench/bench_tips.py [--quick] [--rounds N] [--samples N] [--users N]
       [--warmup N] [--earlier N] [--database-url URL] [--breakdown]
Writes bench/out/tips.json and prints a table. Also the tip generator and bulk seeding
used by bench/bench_export.py.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import discord
from _common import percentile, print_table, ratio, verdict, write_report
from baseline_bot import TIP_RECEIPT, BaselineBot, TipForm
from bench_commands import (
    BASELINE_SHARD,
    MASTHEAD_SHARD,
    SHARDS,
    Server,
    server_for_shard,
    settle,
    stop_all,
)
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.models import Tip, TipEvent, TipVote
from db.states import TipStatus
from db.types import utcnow
from fakediscord import Channel, FakeDiscord, User
from fakediscord import permissions as perms
from fakediscord.process import InProcessBot
from masthead.bot import Masthead
from masthead.importing import publish, store_document
from masthead.samples import SAMPLE_ISSUE
from masthead.settings import Settings
from masthead.utils.deadline import Deadline
from newsletter.parse import parse_issue

NEWSLETTER = "Masthead tip benchmark"  # its tips are deleted before and after a run
TIP_LIMIT = 1_000_000  # per reader per hour: out of reach
P50_TARGET = 1.3  # Masthead's submit p50 at most 1.3x the bare bot's
IDLE_GAP = 0.005  # seconds between samples once the bot is idle
READY_TIMEOUT = 0.2  # discord.py's wait for GUILD_CREATEs before on_ready

# Made-up words, so no two generated headlines are the same story by accident: a
# headline is a name, a verb, three words, a preposition and a place.
_ONSETS = (*"bcdfghjklmnprstvwyzqx", "ch", "sh", "zh")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ao", "ei", "ou", "ia", "an", "en", "in", "ong")
_VERBS = (
    *("opens", "bans", "buys", "plans", "launches", "approves", "delays", "cuts", "raises"),
    *("tests", "builds", "sells", "fines", "drops", "expands", "probes", "restarts", "wins"),
    *("loses", "doubles", "halves", "suspends", "backs"),
)
_PREPOSITIONS = ("in", "for", "near", "across", "after", "before", "at", "from")
_STATUSES = (
    TipStatus.PENDING,
    TipStatus.APPROVED,
    TipStatus.SHORTLISTED,
    TipStatus.REJECTED,
    TipStatus.WITHDRAWN,
    TipStatus.USED,
)
_STATUS_WEIGHTS = (55, 12, 10, 13, 5, 5)
_SEED_GUILDS = tuple(400_000_000_000_000_000 + n for n in range(40))  # no settings, no cards


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables))


_VOCABULARY_RNG = random.Random("masthead-tips-vocabulary")
_NAMES = [_word(_VOCABULARY_RNG, 3).title() for _ in range(2000)]
_WORDS = [_word(_VOCABULARY_RNG, _VOCABULARY_RNG.randint(2, 3)) for _ in range(3000)]


def headline(rng: random.Random) -> str:
    words = " ".join(rng.sample(_WORDS, 3))
    return (
        f"{rng.choice(_NAMES)} {rng.choice(_VERBS)} {words} "
        f"{rng.choice(_PREPOSITIONS)} {rng.choice(_NAMES)}"
    )


def tip_link(kind: str, number: int, rng: random.Random) -> tuple[str, str]:
    """A link as a reader pastes it, and the key canonical_link makes of it."""
    path = f"{rng.randint(2020, 2026)}/{rng.randint(1, 12):02d}/{kind}-{number}-{_word(rng, 2)}"
    site = f"{_word(rng, 2)}.example.com"
    return f"https://www.{site}/{path}.html?utm_source=discord", f"https://{site}/{path}.html"


def why_text(rng: random.Random) -> str:
    sentences = [
        " ".join(rng.sample(_WORDS, rng.randint(6, 14))).capitalize() + "."
        for _ in range(rng.randint(1, 4))
    ]
    return " ".join(sentences)


def form_values(number: int) -> dict[str, str]:
    """What reader number ``number`` of a run types into the tip form: never a duplicate."""
    rng = random.Random(f"new:{number}")
    link, _ = tip_link("new", number, rng)
    return {"headline": headline(rng), "link": link, "why": why_text(rng)}


def tip_rows(count: int, *, newsletter: str, kind: str, now: datetime) -> Iterator[dict[str, Any]]:
    """``count`` earlier tips of other servers, sent over the last two years, in every status."""
    for number in range(count):
        rng = random.Random(f"{kind}:{number}")
        status = rng.choices(_STATUSES, _STATUS_WEIGHTS)[0]
        created = now - timedelta(hours=2, seconds=rng.randrange(2 * 365 * 86_400))
        decided = status not in (TipStatus.PENDING, TipStatus.WITHDRAWN)
        link, canonical = tip_link(kind, number, rng) if rng.random() < 0.7 else (None, None)
        yield {
            "newsletter": newsletter,
            "guild_id": rng.choice(_SEED_GUILDS),
            "user_id": rng.randrange(10**17, 10**18),
            "anonymous": rng.random() < 0.2,
            "headline": headline(rng),
            "link": link,
            "canonical_link": canonical,
            "why": why_text(rng) if rng.random() < 0.5 else None,
            "for_month": created.strftime("%Y-%m"),
            "status": status,
            "version": 2 if decided else 1,
            "decided_by": rng.randrange(10**17, 10**18) if decided else None,
            "decided_at": created + timedelta(days=rng.randint(1, 20)) if decided else None,
            "decision_reason": why_text(rng)[:200] if decided and rng.random() < 0.3 else None,
            "review_channel_id": None,
            "review_message_id": None,
            "card_revision": 1,
            "card_posted_revision": 0,
            "created_at": created,
        }


async def seed_tips(
    engine: AsyncEngine, count: int, *, newsletter: str, kind: str = "old", chunk: int = 5000
) -> None:
    """Bulk-insert ``count`` tips (and votes for one in ten of them), not through the bot."""
    now = utcnow()
    async with engine.begin() as connection:
        batch: list[dict[str, Any]] = []
        for row in tip_rows(count, newsletter=newsletter, kind=kind, now=now):
            batch.append(row)
            if len(batch) == chunk:
                await connection.execute(insert(Tip), batch)
                batch = []
        if batch:
            await connection.execute(insert(Tip), batch)
        newest = (
            select(Tip.id, Tip.created_at)
            .where(Tip.newsletter == newsletter)
            .order_by(Tip.id.desc())
            .limit(count)
        )
        rng = random.Random(f"votes:{kind}")
        votes: list[dict[str, Any]] = []
        for tip_id, created in await connection.execute(newest):
            if rng.random() < 0.1:
                voters = rng.sample(range(10**17, 10**17 + 10**6), rng.randint(1, 4))
                votes.extend(
                    {"tip_id": tip_id, "user_id": voter, "created_at": created + timedelta(hours=1)}
                    for voter in voters
                )
        for start in range(0, len(votes), chunk):
            await connection.execute(insert(TipVote), votes[start : start + chunk])
        if connection.dialect.name == "postgresql":
            # As autovacuum would after such a jump: without fresh statistics the pooled
            # connections keep plans made for a nearly empty table.
            await connection.exec_driver_sql("ANALYZE tips")
            await connection.exec_driver_sql("ANALYZE tip_votes")


async def forget_benchmark_tips(engine: AsyncEngine, newsletter: str) -> None:
    """A reused (PostgreSQL) database starts and ends without this benchmark's tips."""
    ours = select(Tip.id).where(Tip.newsletter == newsletter)
    async with engine.begin() as connection:
        await connection.execute(delete(TipVote).where(TipVote.tip_id.in_(ours)))
        await connection.execute(delete(TipEvent).where(TipEvent.tip_id.in_(ours)))
        await connection.execute(delete(Tip).where(Tip.newsletter == newsletter))


# The run


@dataclass
class Target:
    """One bot's server as the benchmark drives it."""

    server: Server
    masthead: bool
    review: Channel | None = None  # Masthead's review channel: a card per tip
    cards: int = 0
    turn: int = 0
    moments: Moments | None = None  # with --breakdown

    def next_reader(self) -> User:
        self.turn += 1
        return self.server.readers[self.turn % len(self.server.readers)]


@dataclass
class Samples:
    submit_ms: list[float] = field(default_factory=list)
    open_ms: list[float] = field(default_factory=list)
    phases_ms: dict[str, list[float]] = field(default_factory=dict)


PHASES = ("to the handler", "handler to its answer", "answer to the emulator")


class Moments:
    """When the submission in flight reached its bot's handler and its answer
    (time.monotonic, the emulator's clock), for --breakdown."""

    def __init__(self) -> None:
        self.handler: float | None = None
        self.answer: float | None = None

    def clear(self) -> None:
        self.handler = self.answer = None

    def phases(self, created: float, received: float) -> dict[str, float] | None:
        if self.handler is None:
            return None
        answer = self.answer if self.answer is not None else self.handler
        return {
            PHASES[0]: (self.handler - created) * 1000,
            PHASES[1]: (answer - self.handler) * 1000,
            PHASES[2]: (received - answer) * 1000,
        }

    def watch(self, bot: Masthead) -> None:
        """Wrap Masthead's modal router, Deadline.answer and the baseline's on_submit."""
        moments = self

        def stamped(call: Callable[..., Awaitable[None]], at: str) -> Callable[..., Any]:
            async def wrapper(*args: Any, **kwargs: Any) -> None:
                setattr(moments, at, time.monotonic())
                await call(*args, **kwargs)

            return wrapper

        bot._route_modal = stamped(bot._route_modal, "handler")  # type: ignore[method-assign]
        Deadline.answer = stamped(Deadline.answer, "answer")  # type: ignore[method-assign]
        TipForm.on_submit = stamped(TipForm.on_submit, "handler")  # type: ignore[method-assign]


class Numbering:
    """Form values never sent before in this run, for either bot."""

    def __init__(self) -> None:
        self.count = 0

    def next(self) -> dict[str, str]:
        self.count += 1
        return form_values(self.count)


async def start_masthead(
    fake: FakeDiscord, server: Server, database_url: str
) -> tuple[InProcessBot, AsyncEngine, Channel]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    await forget_benchmark_tips(engine, NEWSLETTER)
    sessionmaker = create_sessionmaker(engine)
    settings = Settings(
        discord_token=fake.token,
        database_url=database_url,
        newsletter_name=NEWSLETTER,
        api_base=fake.api_base,
        gateway_url=fake.gateway_url,
        shard_count=SHARDS,
        shard_ids=(MASTHEAD_SHARD,),
        tip_limit_per_hour=TIP_LIMIT,
    )
    document = parse_issue(SAMPLE_ISSUE.read_bytes(), newsletter=NEWSLETTER)
    async with sessionmaker.begin() as session:
        issue, _ = await store_document(session, document)
        await publish(session, issue)
    runner = InProcessBot(fake)
    bot = Masthead(settings=settings, sessionmaker=sessionmaker, guild_ready_timeout=READY_TIMEOUT)
    await runner.start(bot, commands=["tip", "setup"], wait_ready=True)
    # A server that takes tips has a review channel; /setup checks the moderator's roles.
    review = fake.add_channel(server.guild, "review")
    role = fake.add_role(server.guild, "Mods", perms.MANAGE_GUILD)
    moderator = fake.add_user("moderator")
    fake.add_member(server.guild, moderator, [role])
    result = await fake.run_command(
        server.guild, server.channel, moderator, "setup", "review", channel=review
    )
    if "Review cards will be posted" not in result.content:
        raise RuntimeError(f"/setup review failed: {result.content!r}")
    return runner, engine, review


async def start_baseline(fake: FakeDiscord, server: Server) -> InProcessBot:
    runner = InProcessBot(fake)
    bot = BaselineBot(sync_commands=False, tips=True, shard_id=BASELINE_SHARD, shard_count=SHARDS)
    await runner.start(bot)
    guild = discord.Object(server.guild.id)  # a guild command, beside Masthead's global /tip
    bot.tree.copy_global_to(guild=guild)
    await bot.tree.sync(guild=guild)
    await fake.wait_commands(["tip"], server.guild)
    return runner


async def submit(
    fake: FakeDiscord, target: Target, values: dict[str, str]
) -> tuple[float, float, dict[str, float] | None]:
    """One tip: (submit → answer, /tip → form) in ms, and with --breakdown the submit's
    phases. Anything but a receipt stops the run."""
    server, reader = target.server, target.next_reader()
    opened = await fake.run_command(server.guild, server.channel, reader, "tip")
    if opened.modal is None or opened.latency is None:
        raise RuntimeError(f"/tip did not open the form: {opened!r}")
    if target.moments is not None:
        target.moments.clear()
    result = await fake.submit_modal(opened, values)
    expected = "Thanks! Your tip **#" if target.masthead else TIP_RECEIPT
    if (
        result.refused
        or result.latency is None
        or not result.ephemeral
        or not result.content.startswith(expected)
    ):
        raise RuntimeError(f"the tip form was not answered with a receipt: {result!r}")
    phases = None
    if target.moments is not None and result.interaction.answered_at is not None:
        phases = target.moments.phases(result.interaction.created, result.interaction.answered_at)
    if target.review is not None:  # idle again once the tip's review card is out
        target.cards += 1
        review, cards = target.review, target.cards
        await fake.wait_until(lambda: len(fake.messages(review)) >= cards, "the review card")
    await asyncio.sleep(IDLE_GAP)
    return result.latency * 1000, opened.latency * 1000, phases


async def sample(
    fake: FakeDiscord, target: Target, numbering: Numbering, n: int, into: Samples
) -> None:
    for _ in range(n):
        submit_ms, open_ms, phases = await submit(fake, target, numbering.next())
        into.submit_ms.append(submit_ms)
        into.open_ms.append(open_ms)
        for phase, ms in (phases or {}).items():
            into.phases_ms.setdefault(phase, []).append(ms)


CASES = ("empty", "earlier")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    fake = FakeDiscord()
    await fake.start()
    runners: list[InProcessBot] = []
    engines: list[AsyncEngine] = []
    results: dict[str, tuple[Samples, Samples]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            mine = server_for_shard(fake, MASTHEAD_SHARD, args.users, "Readers")
            base = server_for_shard(fake, BASELINE_SHARD, args.users, "Baseline")
            url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'tips.db'}"
            runner, engine, review = await start_masthead(fake, mine, url)
            runners.append(runner)
            engines.append(engine)
            runners.append(await start_baseline(fake, base))
            moments = None
            if args.breakdown:
                moments = Moments()
                moments.watch(runner.bot)
            bot_target = Target(mine, masthead=True, review=review, moments=moments)
            base_target = Target(base, masthead=False, moments=moments)
            numbering = Numbering()
            try:
                for case in CASES:
                    if case == "earlier":
                        await seed_tips(engine, args.earlier, newsletter=NEWSLETTER)
                    # warm-up: caches, pools, first-call costs (again after the seeding)
                    await sample(fake, bot_target, numbering, args.warmup, Samples())
                    await sample(fake, base_target, numbering, args.warmup, Samples())
                    bot, baseline = Samples(), Samples()
                    for _ in range(args.rounds):
                        settle()
                        await sample(fake, bot_target, numbering, args.samples, bot)
                        settle()
                        await sample(fake, base_target, numbering, args.samples, baseline)
                    results[case] = (bot, baseline)
            finally:
                await stop_all(runners, [])
                await forget_benchmark_tips(engine, NEWSLETTER)
                await stop_all([], engines)  # before the database file goes
    finally:
        await stop_all(runners, engines)
        await fake.stop()
    violations = [str(v) for v in fake.unexpected_violations()]
    if violations:
        raise RuntimeError(f"the emulator refused requests: {violations[:5]}")
    return summarize(results, args.earlier)


def summarize(results: dict[str, tuple[Samples, Samples]], earlier: int) -> dict[str, Any]:
    labels = {"empty": "only this run's tips", "earlier": f"{earlier:,} earlier tips"}
    rows: list[dict[str, Any]] = []
    for case in CASES:
        bot, base = results[case]
        rows.append(
            {
                "case": f"submit -> receipt, {labels[case]} (ms)",
                "key": case,
                "p50": percentile(bot.submit_ms, 50),
                "p99": percentile(bot.submit_ms, 99),
                "baseline_p50": percentile(base.submit_ms, 50),
                "baseline_p99": percentile(base.submit_ms, 99),
                "ratio": ratio(percentile(bot.submit_ms, 50), percentile(base.submit_ms, 50)),
                "n": len(bot.submit_ms),
            }
        )
    opened = [v for bot, _ in results.values() for v in bot.open_ms]
    base_opened = [v for _, base in results.values() for v in base.open_ms]
    rows.append(
        {
            "case": "/tip -> form, both cases (ms)",
            "key": "open",
            "p50": percentile(opened, 50),
            "p99": percentile(opened, 99),
            "baseline_p50": percentile(base_opened, 50),
            "baseline_p99": percentile(base_opened, 99),
            "ratio": ratio(percentile(opened, 50), percentile(base_opened, 50)),
            "n": len(opened),
        }
    )
    phases = []
    for case in CASES:
        bot, base = results[case]
        for phase in PHASES:
            if phase in bot.phases_ms:
                phases.append(
                    {
                        "case": case,
                        "phase": phase,
                        "p50": percentile(bot.phases_ms[phase], 50),
                        "baseline_p50": percentile(base.phases_ms.get(phase, []), 50),
                    }
                )
    return {"rows": rows, "phases": phases}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few samples, one round")
    parser.add_argument("--rounds", type=int, help="alternating bot/baseline rounds per case")
    parser.add_argument("--samples", type=int, help="tips per bot per round")
    parser.add_argument("--users", type=int, help="readers taking turns in each server")
    parser.add_argument("--warmup", type=int, help="untimed tips per bot before each case")
    parser.add_argument("--earlier", type=int, help="tips bulk-inserted for the second case")
    parser.add_argument(
        "--database-url",
        help="a database for Masthead (e.g. PostgreSQL); default: a temporary SQLite file",
    )
    parser.add_argument(
        "--breakdown", action="store_true", help="also split each submit time into phases"
    )
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.samples = args.samples or (10 if args.quick else 100)
    args.users = args.users or (4 if args.quick else 50)
    args.warmup = args.warmup or (3 if args.quick else 30)
    args.earlier = args.earlier or (300 if args.quick else 10_000)
    logging.basicConfig(level=logging.ERROR)  # keep stdout the table

    report = asyncio.run(run(args))
    rows = report["rows"]
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"tip form submit -> receipt, Masthead ({backend}) vs bare discord.py bot through "
        f"fakediscord: {args.rounds} rounds x {args.samples} tips per case, "
        f"{args.users} readers"
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
    if report["phases"]:
        print("where the submit time went, p50 of each phase (ms):")
        print_table(
            report["phases"],
            [
                ("case", "case"),
                ("phase", "phase"),
                ("p50", "Masthead"),
                ("baseline_p50", "baseline"),
            ],
        )
    by_key = {row["key"]: row for row in rows}
    met = {}
    for case, what in (("empty", "p50 ratio"), ("earlier", "p50 ratio, earlier tips")):
        value = by_key[case]["ratio"]
        met[case] = value <= P50_TARGET
        print(f"target: {what} <= {P50_TARGET}: {verdict(met[case])} ({value:.2f}x)")
    write_report(
        "tips",
        {
            "quick": args.quick,
            "backend": backend,
            "settings": {k: v for k, v in vars(args).items() if k not in ("quick", "database_url")},
            "targets": {"p50_ratio_max": P50_TARGET},
            "targets_met": met,
            **report,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

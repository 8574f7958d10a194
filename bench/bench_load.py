"""Load test: readers' commands while an issue is being delivered to many servers.

The real Masthead bot (in this process; a temporary SQLite file, or with --database-url
an empty PostgreSQL database whose schema is wiped) publishes the sample issue to
--servers subscribed servers, fakediscord enforcing Discord's limits (50 requests per
second globally, 5 per 5 s per channel), and while that delivery runs, readers of
another server send --commands commands spread evenly over --seconds: /latest, /item,
/search and /tip in turn, each /tip followed by submitting its form (so 1,000 commands
are 1,250 interactions). Nothing waits for an answer before the next command is due.

An interaction fails unless it is answered within Discord's 3 s (the emulator's own
measure: INTERACTION_CREATE sent to the callback received) with what that command
answers: an embed for /latest, /item and /search (a deferred one within the emulator's patience),
the form for /tip, a receipt for its submit. Reported per command: p50, p99, the slowest,
and p99 against the 3 s deadline (the ratio); the run fails on any failure.

Usage: python bench/bench_load.py [--quick] [--servers N] [--commands N] [--seconds S]
       [--database-url URL]
Writes bench/out/load.json (load_postgresql.json with --database-url) and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import percentile, print_table, ratio, verdict, write_report
from bench_delivery import (
    GLOBAL_PER_SECOND,
    PER_ROUTE,
    settle,
    subscribe_servers,
    wipe_schema,
)
from bench_tips import form_values
from sqlalchemy import func, select

from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.models import Delivery
from fakediscord import Channel, FakeDiscord, Guild, InteractionResult, User
from fakediscord import permissions as perms
from fakediscord.process import InProcessBot
from masthead.bot import Masthead
from masthead.importing import publish, store_document
from masthead.samples import SAMPLE_ISSUE
from masthead.settings import Settings
from newsletter.parse import parse_issue

DEADLINE = 3.0  # seconds Discord gives an interaction's first answer
READERS = 50
ITEMS = 7  # the sample issue's items
QUERIES = ("DRAM", "scientists", "Xiaomi", "Lei Jun", "genetic")
COMMANDS = ("/latest", "/item", "/search", "/tip")
P99_TARGET = 1.0  # seconds: "far under" the deadline
RECEIPT = "Thanks! Your tip **#"


@dataclass
class Readers:
    guild: Guild
    channel: Channel
    users: list[User]


@dataclass
class Outcome:
    latency_s: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def answered(self, name: str, result: InteractionResult) -> bool:
        """Record ``result``'s latency; False (and a failure) unless it came in time."""
        if result.refused or result.latency is None:
            self.failures.append(f"{name}: not answered ({result!r})")
            return False
        self.latency_s.setdefault(name, []).append(result.latency)
        if result.latency > DEADLINE:
            self.failures.append(f"{name}: answered after {result.latency:.2f} s")
            return False
        return True


def readers_server(fake: FakeDiscord) -> Readers:
    guild = fake.add_guild("Readers")
    channel = fake.add_channel(guild, "general")
    users = []
    for n in range(READERS):
        user = fake.add_user(f"reader-{n}")
        fake.add_member(guild, user)
        users.append(user)
    return Readers(guild, channel, users)


async def final_answer(
    fake: FakeDiscord, result: InteractionResult, shown: Callable[[], object]
) -> bool:
    """Whether the answer shows something (a deferred one once its edit arrived)."""
    if result.deferred:
        try:
            await fake.wait_until(shown, "the deferred answer")
        except TimeoutError:
            return False
    return bool(shown())


async def embed_answer(fake: FakeDiscord, result: InteractionResult) -> bool:
    """The answer has an embed with a title."""
    await final_answer(fake, result, lambda: result.embeds)
    return bool(result.embeds and result.embeds[0].get("title"))


async def one_command(fake: FakeDiscord, readers: Readers, index: int, outcome: Outcome) -> None:
    name = COMMANDS[index % len(COMMANDS)]
    user = readers.users[index % len(readers.users)]
    where = (readers.guild, readers.channel, user)
    try:
        if name == "/latest":
            result = await fake.run_command(*where, "latest")
        elif name == "/item":
            result = await fake.run_command(*where, "item", number=1 + index // 4 % ITEMS)
        elif name == "/search":
            result = await fake.run_command(*where, "search", query=QUERIES[index % len(QUERIES)])
        else:
            opened = await fake.run_command(*where, "tip")
            if not outcome.answered(name, opened):
                return
            if opened.modal is None:
                outcome.failures.append(f"/tip answered without the form: {opened!r}")
                return
            submitted = await fake.submit_modal(opened, form_values(index))
            if outcome.answered("/tip submit", submitted) and not (
                await final_answer(fake, submitted, lambda: submitted.content)
                and submitted.ephemeral
                and submitted.content.startswith(RECEIPT)
            ):
                outcome.failures.append(f"/tip submit: no receipt: {submitted.content!r}")
            return
    except Exception as exc:  # the emulator gave up waiting: no answer at all
        outcome.failures.append(f"{name}: {exc!r}")
        return
    if outcome.answered(name, result) and not await embed_answer(fake, result):
        outcome.failures.append(f"{name}: no embed in the answer ({result!r})")


async def delivered(bot: Masthead) -> int:
    async with bot.sessionmaker() as session:
        stmt = select(func.count()).where(Delivery.status.in_(("done", "failed")))
        return int((await session.execute(stmt)).scalar_one())


async def run(args: argparse.Namespace) -> dict[str, Any]:
    fake = FakeDiscord()
    fake.ready_timeout = 120.0
    await fake.start()
    runner = InProcessBot(fake)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'load.db'}"
        if args.database_url:
            await wipe_schema(url)
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
            sessionmaker = create_sessionmaker(engine)
            channels = await subscribe_servers(fake, sessionmaker, args.servers)
            readers = readers_server(fake)
            settings = Settings(
                discord_token=fake.token,
                database_url=url,
                api_base=fake.api_base,
                gateway_url=fake.gateway_url,
                tip_limit_per_hour=1_000_000,  # one reader sends many: out of reach
            )
            bot = Masthead(settings=settings, sessionmaker=sessionmaker, guild_ready_timeout=0.2)
            await runner.start(bot, commands=["latest", "item", "search", "tip"], wait_ready=True)
            await set_review_channel(fake, readers)
            fake.enable_rate_limits(GLOBAL_PER_SECOND, PER_ROUTE)
            settle()
            document = parse_issue(SAMPLE_ISSUE.read_bytes(), newsletter=settings.newsletter_name)
            async with sessionmaker.begin() as session:
                issue, _ = await store_document(session, document)
                await publish(session, issue)
            bot.dispatch("issues_changed")

            outcome = Outcome()
            gap = args.seconds / args.commands
            started = time.perf_counter()
            tasks = []
            for index in range(args.commands):
                await asyncio.sleep(max(0.0, started + index * gap - time.perf_counter()))
                tasks.append(asyncio.create_task(one_command(fake, readers, index, outcome)))
            sent_in = time.perf_counter() - started
            await asyncio.gather(*tasks)
            done_during = await delivered(bot)
        finally:
            await runner.stop()
            await engine.dispose()
            await fake.stop()
    return {
        "outcome": outcome,
        "sent_in_s": sent_in,
        "deliveries_done_at_end": done_during,
        "servers": len(channels),
        "backend": "PostgreSQL" if args.database_url else "SQLite",
    }


async def set_review_channel(fake: FakeDiscord, readers: Readers) -> None:
    """Tips get review cards, as in a server that takes tips."""
    review = fake.add_channel(readers.guild, "review")
    role = fake.add_role(readers.guild, "Mods", perms.MANAGE_GUILD)
    moderator = fake.add_user("moderator")
    fake.add_member(readers.guild, moderator, [role])
    result = await fake.run_command(
        readers.guild, readers.channel, moderator, "setup", "review", channel=review
    )
    if "Review cards will be posted" not in result.content:
        raise RuntimeError(f"/setup review failed: {result.content!r}")


def rows_of(outcome: Outcome) -> list[dict[str, Any]]:
    rows = []
    everything: list[float] = []
    for name in (*COMMANDS, "/tip submit"):
        samples = outcome.latency_s.get(name, [])
        everything += samples
        rows.append(_row(name, samples))
    rows.append(_row("all", everything))
    return rows


def _row(name: str, samples: list[float]) -> dict[str, Any]:
    p99 = percentile(samples, 99)
    return {
        "case": f"{name} (ms)",
        "n": len(samples),
        "p50": percentile(samples, 50) * 1000,
        "p99": p99 * 1000,
        "max": max(samples, default=float("nan")) * 1000,
        "ratio": ratio(p99, DEADLINE),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="seconds, not minutes")
    parser.add_argument("--servers", type=int, help="servers delivered to (default 500)")
    parser.add_argument("--commands", type=int, help="commands sent (default 1000)")
    parser.add_argument("--seconds", type=float, help="spread over (default 60)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (else SQLite)")
    args = parser.parse_args(argv)
    args.servers = args.servers or (20 if args.quick else 500)
    args.commands = args.commands or (40 if args.quick else 1000)
    args.seconds = args.seconds or (4.0 if args.quick else 60.0)
    # discord.py logs every 429 as a warning; the delivery's own pacing is measured elsewhere.
    logging.basicConfig(level=logging.ERROR)

    result = asyncio.run(run(args))
    outcome: Outcome = result["outcome"]
    rows = rows_of(outcome)
    load = os.getloadavg()
    print(
        f"{args.commands} commands over {result['sent_in_s']:.1f} s ({result['backend']}) "
        f"while delivering an issue to {result['servers']} servers; "
        f"{result['deliveries_done_at_end']} deliveries done when the last was answered"
    )
    print_table(
        rows,
        [
            ("case", "case"),
            ("n", "n"),
            ("p50", "p50"),
            ("p99", "p99"),
            ("max", "max"),
            ("ratio", "ratio (p99 / 3 s)"),
        ],
    )
    print(f"failures: {len(outcome.failures)}")
    for failure in outcome.failures[:10]:
        print(f"  {failure}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in load)}")
    p99 = percentile([s for v in outcome.latency_s.values() for s in v], 99)
    met = not outcome.failures and p99 <= P99_TARGET
    print(
        f"target: no failures and p99 <= {P99_TARGET:.0f} s: {verdict(met)} "
        f"({len(outcome.failures)} failures, p99 {p99 * 1000:.0f} ms)"
    )
    write_report(
        "load" if not args.database_url else "load_postgresql",
        {
            "quick": args.quick,
            "backend": result["backend"],
            "servers": result["servers"],
            "commands": args.commands,
            "seconds": args.seconds,
            "load_average": list(load),
            "failures": outcome.failures,
            "deliveries_done_at_end": result["deliveries_done_at_end"],
            "target_met": met,
            "rows": rows,
        },
    )
    return 1 if outcome.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

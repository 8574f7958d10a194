"""Benchmark a correction of one item of a published issue to many servers.

The real Masthead bot (in this process, temporary SQLite database) first delivers the
sample issue to --servers subscribed announce channels (quickly: its pacer is lifted and
the emulator does not limit this part, which is not measured). Then fakediscord starts
enforcing Discord's limits (50 requests per second globally, 5 per 5 s per route and
channel), item 3's text is replaced as `bot.py import --replace` does, and the bot edits
what changed: in every server, item 3's message and the header (which says "Corrected on
<date>"). The floor is what the global limit allows at best: the edits the correction
needs (two per server) / 50 per second. Reported: time from storing the correction to
the last edit answered, against that floor; the run checks that every server shows the
new text and that no other message was touched.

Baseline in the same run: discord.py itself editing the same messages back, every
channel at once, with no pacing: how close discord.py's own rate-limit handling gets to
the floor, and how many 429s that costs.

Usage: python bench/bench_corrections.py [--quick] [--servers N]
Writes bench/out/corrections.json and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import discord
from _common import print_table, verdict, write_report
from bench_delivery import GLOBAL_PER_SECOND, PER_ROUTE, SAMPLE, subscribe_servers, summarize
from sqlalchemy import func, select

from cogs.delivery._pacing import Pacer
from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.models import Delivery, Issue
from fakediscord import Channel, FakeDiscord
from fakediscord.process import InProcessBot
from fakediscord.server import RequestRecord
from masthead.bot import Masthead
from masthead.importing import publish, store_document
from masthead.settings import Settings
from newsletter.document import IssueDocument
from newsletter.parse import parse_issue
from newsletter.render import render_issue

TARGET = 1.1  # total time at most 1.1x the floor
EDIT = "/channels/{channel_id}/messages/{message_id}"
NEW_TEXT = "Corrected: Xiaomi's SU7 goes on sale in March 2024."


def corrected(document: IssueDocument) -> IssueDocument:
    items = tuple(
        dataclasses.replace(i, body=f"{i.body}\n\n{NEW_TEXT}") if i.number == 3 else i
        for i in document.items
    )
    return dataclasses.replace(document, items=items)


async def wait_for(condition: Any, what: str, give_up_after: float) -> None:
    started = time.time()
    while not await condition():
        if time.time() - started > give_up_after:
            raise TimeoutError(f"{what}: not done in {give_up_after:.0f} s")
        await asyncio.sleep(0.05)


async def deliver_unlimited(
    fake: FakeDiscord, bot: Masthead, document: IssueDocument, servers: int
) -> None:
    """The issue posted everywhere, as fast as the bot and the emulator go (not timed)."""
    worker = bot.get_cog("Delivery").worker  # type: ignore[union-attr]
    paced, worker._pacer = worker._pacer, Pacer(1_000_000)
    async with bot.sessionmaker.begin() as session:
        issue, _ = await store_document(session, document)
        await publish(session, issue)
    bot.dispatch("issues_changed")

    async def delivered() -> bool:
        async with bot.sessionmaker() as session:
            stmt = select(func.count()).where(Delivery.status == "done")
            return int((await session.execute(stmt)).scalar_one()) == servers

    await wait_for(delivered, "the first delivery", 60 + servers)
    worker._pacer = paced


async def correct(
    fake: FakeDiscord, bot: Masthead, document: IssueDocument, channels: list[Channel]
) -> dict[str, Any]:
    fake.enable_rate_limits(GLOBAL_PER_SECOND, PER_ROUTE)
    first = len(fake.requests)
    started = time.time()
    async with bot.sessionmaker.begin() as session:
        await store_document(session, corrected(document), replace=True)
    bot.dispatch("issues_changed")

    async def finished() -> bool:
        async with bot.sessionmaker() as session:
            stmt = (
                select(func.count())
                .select_from(Delivery)
                .join(Issue, Issue.id == Delivery.issue_id)
                .where(Delivery.revision == Issue.revision)
            )
            return int((await session.execute(stmt)).scalar_one()) == len(channels)

    await wait_for(finished, "the correction", 60 + len(channels))
    records = fake.requests[first:]
    row = summarize(f"Masthead: one item corrected in {len(channels)} servers", records, started)
    check_edited_once(fake, channels, records, len(render_issue(document)))
    return row


def check_edited_once(
    fake: FakeDiscord, channels: list[Channel], records: list[RequestRecord], parts: int
) -> None:
    """Every server: header and item 3 edited once each, to the new text; nothing else."""
    edited = [r.path for r in records if r.method == "PATCH" and 200 <= r.status < 300]
    if len(edited) != len(set(edited)) or any(r.method == "POST" for r in records):
        raise RuntimeError("a message was edited twice, or something was posted")
    for channel in channels:
        thread = fake.threads(channel)[0]
        posted = fake.messages(channel) + fake.messages(thread)
        item3 = [m for m in posted if m.embeds[0].get("title", "").startswith("3. ")]
        if len(posted) != parts or not item3[0].embeds[0]["description"].endswith(NEW_TEXT):
            raise RuntimeError(f"#{channel.name} in {channel.guild_id} is not corrected")
        touched = {p.rsplit("/", 1)[1] for p in edited}
        if {str(m.id) for m in posted} & touched != {str(posted[0].id), str(item3[0].id)}:
            raise RuntimeError(f"#{channel.name} in {channel.guild_id}: other messages edited")


async def raw_edits(fake: FakeDiscord, bot: Masthead, channels: list[Channel]) -> dict[str, Any]:
    """discord.py alone: the same messages edited again, every channel at once. discord.py
    gives up after five 429s in a row; the naive loop then simply tries again."""
    fake.enable_rate_limits(GLOBAL_PER_SECOND, PER_ROUTE)  # fresh buckets and windows
    targets = []
    for channel in channels:
        thread = fake.threads(channel)[0]
        item3 = next(
            m for m in fake.messages(thread) if m.embeds[0].get("title", "").startswith("3. ")
        )
        targets += [(channel.id, fake.messages(channel)[0].id), (thread.id, item3.id)]
    first = len(fake.requests)
    started = time.time()
    gave_up = 0

    async def edit(channel_id: int, message_id: int) -> None:
        nonlocal gave_up
        message = bot.get_partial_messageable(channel_id).get_partial_message(message_id)
        while True:
            try:
                await message.edit(embeds=[discord.Embed(title="baseline edit")])
                return
            except discord.HTTPException as exc:
                if exc.status != 429:
                    raise
                gave_up += 1

    await asyncio.gather(*(edit(c, m) for c, m in targets))
    row = summarize(
        f"baseline: discord.py, {len(targets)} edits at once", fake.requests[first:], started
    )
    row["gave_up"] = gave_up
    return row


async def run(servers: int) -> list[dict[str, Any]]:
    fake = FakeDiscord()
    fake.ready_timeout = 120.0
    await fake.start()
    runner = InProcessBot(fake)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'corrections.db'}"
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
            sessionmaker = create_sessionmaker(engine)
            channels = await subscribe_servers(fake, sessionmaker, servers)
            settings = Settings(
                discord_token=fake.token,
                database_url=url,
                api_base=fake.api_base,
                gateway_url=fake.gateway_url,
            )
            bot = Masthead(settings=settings, sessionmaker=sessionmaker, guild_ready_timeout=0.2)
            await runner.start(bot, wait_ready=True)
            document = parse_issue(SAMPLE.read_bytes(), newsletter=settings.newsletter_name)
            await deliver_unlimited(fake, bot, document, servers)
            row = await correct(fake, bot, document, channels)
            baseline = await raw_edits(fake, bot, channels)
        finally:
            await runner.stop()
            await engine.dispose()
            await fake.stop()
    violations = [str(v) for v in fake.unexpected_violations()]
    if violations:
        raise RuntimeError(f"the emulator refused requests: {violations[:5]}")
    return [row, baseline]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 servers instead of 200")
    parser.add_argument("--servers", type=int, help="subscribed servers (default 200)")
    args = parser.parse_args(argv)
    servers = args.servers or (10 if args.quick else 200)
    # discord.py logs every 429 as a warning; the table counts them instead.
    logging.basicConfig(level=logging.ERROR)

    rows = asyncio.run(run(servers))
    print(
        f"one item corrected in {servers} servers, fakediscord enforcing {GLOBAL_PER_SECOND} "
        f"req/s globally and {PER_ROUTE[0]} per {PER_ROUTE[1]:.0f} s per route and channel"
    )
    print_table(
        rows,
        [
            ("case", "case"),
            ("requests", "requests"),
            ("429s", "429s"),
            ("gave_up", "gave up"),
            ("floor_s", "floor s"),
            ("total_s", "total s"),
            ("ratio", "ratio"),
        ],
    )
    if args.quick:
        print("quick: too few servers for the global limit to bind; the ratio means little")
    met = rows[0]["ratio"] <= TARGET
    print(f"target: total time <= {TARGET}x the floor: {verdict(met)} ({rows[0]['ratio']:.2f}x)")
    write_report(
        "corrections",
        {
            "quick": args.quick,
            "servers": servers,
            "global_per_second": GLOBAL_PER_SECOND,
            "per_route": list(PER_ROUTE),
            "target_ratio_max": TARGET,
            "target_met": met,
            "rows": rows,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

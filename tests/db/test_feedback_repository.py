"""Lookup counters and the feedback report in the database, on every backend."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import create_engine, create_sessionmaker
from db.models import Issue, ItemVote, MissedSearch, Tip
from db.repositories import feedback, issues
from db.states import IssueStatus, TipStatus
from masthead import lookup_counts
from masthead.lookup_counts import MAX_QUERY_CHARS, LookupCounts
from masthead.utils.background import BackgroundTask

Sessions = async_sessionmaker[AsyncSession]
NEWSLETTER = "This Month in China"
NOON = datetime(2024, 1, 5, 12, 30, tzinfo=UTC)


async def _issue(
    sessionmaker: Sessions, month: str, *, items: int = 3, published_at: datetime | None = None
) -> int:
    data = issues.IssueData(
        newsletter=NEWSLETTER,
        month=month,
        title=f"Issue {month}",
        document_json=json.dumps({"month": month}),
        content_hash=f"hash-{month}",
        items=[
            issues.ItemData(n, f"Item {n}", "body", "summary", None, None)
            for n in range(1, items + 1)
        ],
    )
    async with sessionmaker.begin() as session:
        issue, _ = await issues.store_issue(session, data)
        if published_at is not None:
            issue.status = IssueStatus.PUBLISHED
            issue.published_at = published_at
    return issue.id


async def _report(sessionmaker: Sessions, issue_id: int) -> feedback.Feedback:
    async with sessionmaker() as session:
        issue = await session.get(Issue, issue_id)
        assert issue is not None
        return await feedback.issue_feedback(session, issue)


def _opens(report: feedback.Feedback) -> dict[int, tuple[int, int]]:
    return {i.number: (i.item_opens, i.full_text_opens) for i in report.items}


def _counter(sessionmaker: Sessions, at: datetime = NOON) -> LookupCounts:
    return LookupCounts(sessionmaker, NEWSLETTER, clock=lambda: at)


async def test_batches_from_several_processes_add_up(sessionmaker: Sessions) -> None:
    issue_id = await _issue(sessionmaker, "2024-01", published_at=NOON)
    one, two = _counter(sessionmaker), _counter(sessionmaker)
    for _ in range(3):
        one.item_opened(issue_id, 1)
    one.full_text_opened(issue_id, 2)
    two.item_opened(issue_id, 1)
    two.full_text_opened(issue_id, 2)
    two.full_text_opened(issue_id, 2)
    await one.flush()
    await two.flush()
    one.item_opened(issue_id, 3)
    await one.flush()
    await one.flush()  # nothing new: adds nothing
    assert _opens(await _report(sessionmaker, issue_id)) == {1: (4, 0), 2: (0, 3), 3: (1, 0)}


async def test_concurrent_writers_on_separate_connections_lose_nothing(
    database_url: str, sessionmaker: Sessions
) -> None:
    issue_id = await _issue(sessionmaker, "2024-01", published_at=NOON)
    engines = [create_engine(database_url) for _ in range(4)]
    try:
        counters = [_counter(create_sessionmaker(e)) for e in engines]
        for round_ in range(5):
            for counter in counters:
                for _ in range(round_ + 1):
                    counter.item_opened(issue_id, 2)
                counter.search_missed("Nothing Here")
            await asyncio.gather(*(c.flush() for c in counters))
    finally:
        for engine in engines:
            await engine.dispose()
    report = await _report(sessionmaker, issue_id)
    assert _opens(report)[2] == (4 * (1 + 2 + 3 + 4 + 5), 0)
    assert report.missed_searches == [("nothing here", 4 * 5)]


async def test_a_failed_write_keeps_the_counts_for_the_next(
    sessionmaker: Sessions, tmp_path: Path
) -> None:
    issue_id = await _issue(sessionmaker, "2024-01", published_at=NOON)
    broken = create_engine(f"sqlite+aiosqlite:///{tmp_path}/no-tables.db")
    counter = _counter(create_sessionmaker(broken))
    counter.item_opened(issue_id, 1)
    counter.search_missed("lost?")
    try:
        with pytest.raises(DBAPIError, match="no such table"):
            await counter.flush()
    finally:
        await broken.dispose()
    counter._sessionmaker = sessionmaker  # the database is back
    counter.item_opened(issue_id, 1)
    await counter.flush()
    report = await _report(sessionmaker, issue_id)
    assert _opens(report)[1] == (2, 0)
    assert report.missed_searches == [("lost?", 1)]


async def test_counts_for_a_deleted_issue_are_dropped_not_the_batch(
    sessionmaker: Sessions,
) -> None:
    kept = await _issue(sessionmaker, "2024-01", published_at=NOON)
    gone = await _issue(sessionmaker, "2024-02")
    counter = _counter(sessionmaker)
    counter.item_opened(kept, 1)
    counter.item_opened(gone, 1)
    async with sessionmaker.begin() as session:
        await session.execute(delete(Issue).where(Issue.id == gone))
    await counter.flush()
    assert _opens(await _report(sessionmaker, kept))[1] == (1, 0)


async def test_votes_are_counted_per_item(sessionmaker: Sessions) -> None:
    issue_id = await _issue(sessionmaker, "2024-01", published_at=NOON)
    async with sessionmaker() as session:
        ids = await issues.item_ids(session, issue_id)
    votes = [(1, 10, True), (1, 11, True), (1, 12, False), (3, 10, False)]
    async with sessionmaker.begin() as session:
        session.add_all(ItemVote(item_id=ids[n], user_id=u, helpful=h) for n, u, h in votes)
    report = await _report(sessionmaker, issue_id)
    assert [(i.number, i.helpful, i.not_helpful) for i in report.items] == [
        (1, 2, 1),
        (2, 0, 0),
        (3, 0, 1),
    ]


async def test_missed_searches_belong_to_the_issue_that_was_latest(
    sessionmaker: Sessions,
) -> None:
    november = await _issue(sessionmaker, "2023-11", published_at=NOON)
    december = await _issue(sessionmaker, "2023-12", published_at=NOON + timedelta(hours=3))
    for hours, query in [(0, "early"), (2, "early"), (2, "middle"), (3, "late"), (30, "late")]:
        counter = _counter(sessionmaker, NOON + timedelta(hours=hours))
        counter.search_missed(query)
        await counter.flush()
    assert (await _report(sessionmaker, november)).missed_searches == [
        ("early", 2),
        ("middle", 1),
    ]
    assert (await _report(sessionmaker, december)).missed_searches == [("late", 2)]
    # A back issue published after a later month's was never the latest.
    october = await _issue(sessionmaker, "2023-10", published_at=NOON + timedelta(days=2))
    assert (await _report(sessionmaker, october)).missed_searches == []
    draft = await _issue(sessionmaker, "2024-02")
    assert (await _report(sessionmaker, draft)).missed_searches == []


async def test_the_top_ten_searches_most_frequent_first(sessionmaker: Sessions) -> None:
    issue_id = await _issue(sessionmaker, "2024-01", published_at=NOON)
    counter = _counter(sessionmaker)
    for n in range(1, 13):
        for _ in range(n):
            counter.search_missed(f"query {n:02}")
    await counter.flush()
    report = await _report(sessionmaker, issue_id)
    assert report.missed_searches == [(f"query {n:02}", n) for n in range(12, 2, -1)]


async def test_hostile_queries_are_stored_normalized_and_bounded(sessionmaker: Sessions) -> None:
    issue_id = await _issue(sessionmaker, "2024-01", published_at=NOON)
    counter = _counter(sessionmaker)
    hostile = [
        "nul\x00byte",
        "lone \ud800 surrogate",
        "zero\u200bwidth",
        "\x1b[31mred\x1b[0m",
        "ﬁnance 🧪" * 200,  # NFKC expands the ligature; far over the column's length
        "\u202etxt.exe",
        "   \x00\u200b  ",  # nothing left: not counted
    ]
    for query in hostile:
        counter.search_missed(query)
    await counter.flush()
    async with sessionmaker() as session:
        stored = set((await session.execute(select(MissedSearch.query))).scalars())
    long = ("finance 🧪" * 200)[:MAX_QUERY_CHARS].rstrip()
    assert stored == {
        "nul byte",
        "lone surrogate",
        "zerowidth",
        "[31mred [0m",
        long,
        "txt.exe",
    }
    assert all(len(q) <= MAX_QUERY_CHARS for q in stored)
    assert len((await _report(sessionmaker, issue_id)).missed_searches) == 6


async def test_tips_for_the_next_month_by_status(sessionmaker: Sessions) -> None:
    issue_id = await _issue(sessionmaker, "2023-12", published_at=NOON)
    tips = [
        ("2024-01", TipStatus.PENDING),
        ("2024-01", TipStatus.PENDING),
        ("2024-01", TipStatus.APPROVED),
        ("2024-01", TipStatus.REJECTED),
        ("2023-12", TipStatus.PENDING),  # this issue's month: not the next one
    ]
    async with sessionmaker.begin() as session:
        session.add_all(
            Tip(
                newsletter=NEWSLETTER,
                guild_id=1,
                user_id=2,
                headline=f"tip {n}",
                for_month=m,
                status=s,
            )
            for n, (m, s) in enumerate(tips)
        )
        session.add(
            Tip(newsletter="Other", guild_id=1, user_id=2, headline="x", for_month="2024-01")
        )
    report = await _report(sessionmaker, issue_id)
    assert report.tips_month == "2024-01"
    assert report.tips_by_status == {
        TipStatus.PENDING: 2,
        TipStatus.APPROVED: 1,
        TipStatus.REJECTED: 1,
    }


async def test_the_writer_task_writes_batches_on_its_own(
    sessionmaker: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lookup_counts, "FLUSH_SECONDS", 0.05)
    issue_id = await _issue(sessionmaker, "2024-01", published_at=NOON)
    counter = _counter(sessionmaker)
    writer = BackgroundTask("lookup-counts", counter.run)
    writer.start()
    try:
        counter.item_opened(issue_id, 1)
        written = False
        for _ in range(100):
            await asyncio.sleep(0.02)
            written = _opens(await _report(sessionmaker, issue_id))[1] == (1, 0)
            if written:
                break
        assert written, "the task never wrote the count"
        counter.item_opened(issue_id, 1)
        counter.full_text_opened(issue_id, 1)
    finally:
        await writer.stop()
    await counter.flush()  # as the items extension does on close
    assert _opens(await _report(sessionmaker, issue_id))[1] == (2, 1)

"""Feedback for editors: lookup and missed-search counters, and the report built on them.

The counters are written by every process in batches (masthead/lookup_counts.py), so
each write adds to the stored totals with an upsert instead of replacing them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Issue, Item, ItemLookup, ItemVote, MissedSearch, Tip
from db.states import IssueStatus, TipStatus
from db.upsert import dialect_insert
from newsletter.tips import month_after

# Rows per INSERT: well under SQLite's 32,766 bound parameters, with four per row.
ROWS_PER_STATEMENT = 500
TOP_SEARCHES = 10

ItemKey = tuple[int, int]  # (issue id, item number)
SearchKey = tuple[datetime, str]  # (hour, normalized query)


@dataclass(frozen=True)
class ItemFeedback:
    number: int
    title: str
    helpful: int
    not_helpful: int
    item_opens: int
    full_text_opens: int


@dataclass(frozen=True)
class Feedback:
    issue: Issue
    items: list[ItemFeedback]
    # The most frequent searches that found nothing while this issue was the latest.
    missed_searches: list[tuple[str, int]]
    tips_month: str  # the month after the issue's: the tips sent for the next issue
    tips_by_status: dict[TipStatus, int]


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + ROWS_PER_STATEMENT] for i in range(0, len(rows), ROWS_PER_STATEMENT)]


async def add_lookups(
    session: AsyncSession,
    item_opens: Mapping[ItemKey, int],
    full_text_opens: Mapping[ItemKey, int],
) -> None:
    """Add opens to the stored totals. Counts for an issue deleted since are dropped
    (its rows went with it)."""
    # In key order, here and below: two processes writing at once take their row locks
    # in the same order, so they wait for each other instead of deadlocking.
    keys = sorted(set(item_opens) | set(full_text_opens))
    if not keys:
        return
    wanted = {issue_id for issue_id, _ in keys}
    existing = set((await session.execute(select(Issue.id).where(Issue.id.in_(wanted)))).scalars())
    rows = [
        {
            "issue_id": issue_id,
            "item_number": number,
            "item_opens": item_opens.get((issue_id, number), 0),
            "full_text_opens": full_text_opens.get((issue_id, number), 0),
        }
        for issue_id, number in keys
        if issue_id in existing
    ]
    insert = dialect_insert(session)
    for chunk in _chunks(rows):
        stmt = insert(ItemLookup).values(chunk)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["issue_id", "item_number"],
                set_={
                    "item_opens": ItemLookup.item_opens + stmt.excluded.item_opens,
                    "full_text_opens": ItemLookup.full_text_opens + stmt.excluded.full_text_opens,
                },
            )
        )


async def add_missed_searches(
    session: AsyncSession, newsletter: str, counts: Mapping[SearchKey, int]
) -> None:
    """Add counts of searches that found nothing, per hour and normalized query."""
    rows = [
        {"newsletter": newsletter, "hour": hour, "query": query, "count": count}
        for (hour, query), count in sorted(counts.items())
        if count > 0
    ]
    insert = dialect_insert(session)
    for chunk in _chunks(rows):
        stmt = insert(MissedSearch).values(chunk)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["newsletter", "hour", "query"],
                set_={"count": MissedSearch.count + stmt.excluded.count},
            )
        )


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


async def _item_feedback(session: AsyncSession, issue_id: int) -> list[ItemFeedback]:
    votes = (
        select(
            ItemVote.item_id,
            func.count(case((ItemVote.helpful.is_(True), 1))).label("helpful"),
            func.count(case((ItemVote.helpful.is_(False), 1))).label("not_helpful"),
        )
        .group_by(ItemVote.item_id)
        .subquery()
    )
    stmt = (
        select(
            Item.number,
            Item.title,
            func.coalesce(votes.c.helpful, 0),
            func.coalesce(votes.c.not_helpful, 0),
            func.coalesce(ItemLookup.item_opens, 0),
            func.coalesce(ItemLookup.full_text_opens, 0),
        )
        .outerjoin(votes, votes.c.item_id == Item.id)
        .outerjoin(
            ItemLookup,
            (ItemLookup.issue_id == Item.issue_id) & (ItemLookup.item_number == Item.number),
        )
        .where(Item.issue_id == issue_id)
        .order_by(Item.number)
    )
    return [
        ItemFeedback(int(n), str(t), int(h), int(nh), int(o), int(f))
        for n, t, h, nh, o, f in (await session.execute(stmt)).all()
    ]


async def _latest_window(session: AsyncSession, issue: Issue) -> tuple[datetime, datetime | None]:
    """The hours while `issue` was the latest published one: from its publication to the
    publication of a later month's issue (None: it still is the latest). Hours are whole,
    so a search in the hour a new issue came out counts for the new one."""
    assert issue.published_at is not None
    later = await session.scalar(
        select(func.min(Issue.published_at)).where(
            Issue.newsletter == issue.newsletter,
            Issue.status == IssueStatus.PUBLISHED,
            Issue.month > issue.month,
        )
    )
    return hour_of(issue.published_at), hour_of(later) if later is not None else None


async def _missed_searches(session: AsyncSession, issue: Issue) -> list[tuple[str, int]]:
    if issue.status != IssueStatus.PUBLISHED or issue.published_at is None:
        return []
    start, end = await _latest_window(session, issue)
    if end is not None and end <= start:
        return []  # a back issue: a later month was out before it
    total = func.sum(MissedSearch.count).label("total")
    stmt = (
        select(MissedSearch.query, total)
        .where(MissedSearch.newsletter == issue.newsletter, MissedSearch.hour >= start)
        .group_by(MissedSearch.query)
        .order_by(total.desc(), MissedSearch.query)
        .limit(TOP_SEARCHES)
    )
    if end is not None:
        stmt = stmt.where(MissedSearch.hour < end)
    return [(str(q), int(n)) for q, n in (await session.execute(stmt)).all()]


async def _tips_by_status(
    session: AsyncSession, newsletter: str, month: str
) -> dict[TipStatus, int]:
    stmt = (
        select(Tip.status, func.count())
        .where(Tip.newsletter == newsletter, Tip.for_month == month)
        .group_by(Tip.status)
    )
    found = {TipStatus(s): int(n) for s, n in (await session.execute(stmt)).all()}
    return {status: found[status] for status in TipStatus if status in found}


async def issue_feedback(session: AsyncSession, issue: Issue) -> Feedback:
    tips_month = month_after(issue.month)
    return Feedback(
        issue=issue,
        items=await _item_feedback(session, issue.id),
        missed_searches=await _missed_searches(session, issue),
        tips_month=tips_month,
        tips_by_status=await _tips_by_status(session, issue.newsletter, tips_month),
    )

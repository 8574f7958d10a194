"""Scheduled publishing: set, list, cancel, and claim schedules.

Every state change is one conditional UPDATE on `status = 'scheduled'`, so of a firing
and a cancel (or of two processes firing) exactly one changes the row; the caller checks
the row count and acts only when it won.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Issue, Schedule
from db.states import ScheduleStatus
from db.types import utcnow

WAITING = ScheduleStatus.SCHEDULED


@dataclass(frozen=True)
class ScheduledIssue:
    """A waiting schedule with what a list of them shows."""

    schedule_id: int
    issue_id: int
    month: str
    title: str
    publish_at: datetime
    created_by: int | None


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def schedule_issue(
    session: AsyncSession, issue_id: int, publish_at: datetime, *, by: int | None
) -> datetime | None:
    """Set when the issue is published; returns the time it replaced, if one was set."""
    previous = await waiting_time(session, issue_id)
    moved = await session.execute(
        update(Schedule)
        .where(Schedule.issue_id == issue_id, Schedule.status == WAITING)
        .values(publish_at=publish_at, created_by=by, created_at=utcnow())
    )
    if _rowcount(moved) == 1:
        return previous
    try:
        async with session.begin_nested():
            session.add(Schedule(issue_id=issue_id, publish_at=publish_at, created_by=by))
    except IntegrityError:
        # Another editor scheduled it in the meantime (one waiting row per issue): the
        # later request wins, as if it had come second.
        await session.execute(
            update(Schedule)
            .where(Schedule.issue_id == issue_id, Schedule.status == WAITING)
            .values(publish_at=publish_at, created_by=by, created_at=utcnow())
        )
    return previous


async def waiting_time(session: AsyncSession, issue_id: int) -> datetime | None:
    stmt = select(Schedule.publish_at).where(
        Schedule.issue_id == issue_id, Schedule.status == WAITING
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def waiting(
    session: AsyncSession, newsletter: str, *, limit: int = 25
) -> list[ScheduledIssue]:
    """Waiting schedules of the newsletter's issues, soonest first."""
    stmt = (
        select(
            Schedule.id,
            Schedule.issue_id,
            Issue.month,
            Issue.title,
            Schedule.publish_at,
            Schedule.created_by,
        )
        .join(Issue, Issue.id == Schedule.issue_id)
        .where(Issue.newsletter == newsletter, Schedule.status == WAITING)
        .order_by(Schedule.publish_at, Schedule.id)
        .limit(limit)
    )
    return [ScheduledIssue(*row) for row in (await session.execute(stmt)).all()]


async def count_waiting(session: AsyncSession, newsletter: str) -> int:
    stmt = (
        select(func.count())
        .select_from(Schedule)
        .join(Issue, Issue.id == Schedule.issue_id)
        .where(Issue.newsletter == newsletter, Schedule.status == WAITING)
    )
    return int((await session.execute(stmt)).scalar_one())


async def due(
    session: AsyncSession, newsletter: str, now: datetime, *, limit: int = 50
) -> list[int]:
    """Ids of waiting schedules whose time has come, oldest first."""
    stmt = (
        select(Schedule.id)
        .join(Issue, Issue.id == Schedule.issue_id)
        .where(
            Issue.newsletter == newsletter,
            Schedule.status == WAITING,
            Schedule.publish_at <= now,
        )
        .order_by(Schedule.publish_at, Schedule.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def next_time(session: AsyncSession, newsletter: str) -> datetime | None:
    """When the next waiting schedule is due."""
    stmt = (
        select(Schedule.publish_at)
        .join(Issue, Issue.id == Schedule.issue_id)
        .where(Issue.newsletter == newsletter, Schedule.status == WAITING)
        .order_by(Schedule.publish_at)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def claim(session: AsyncSession, schedule_id: int, now: datetime) -> Schedule | None:
    """Take a due schedule for publishing: the schedule, or None when another process
    (or a cancel) got to it first. Must run before anything else in its transaction and
    commit with the publishing, so a failed publish leaves it waiting."""
    result = await session.execute(
        update(Schedule)
        .where(
            Schedule.id == schedule_id,
            Schedule.status == WAITING,
            Schedule.publish_at <= now,
        )
        .values(status=ScheduleStatus.PUBLISHED, finished_at=now)
    )
    if _rowcount(result) != 1:
        return None
    return await session.get(Schedule, schedule_id, populate_existing=True)


async def record_queued(session: AsyncSession, schedule_id: int, queued: int) -> None:
    await session.execute(update(Schedule).where(Schedule.id == schedule_id).values(queued=queued))


async def cancel(session: AsyncSession, schedule_id: int, *, by: int | None) -> bool:
    """Cancel a waiting schedule; False when it already fired or was cancelled."""
    result = await session.execute(
        update(Schedule)
        .where(Schedule.id == schedule_id, Schedule.status == WAITING)
        .values(status=ScheduleStatus.CANCELLED, cancelled_by=by, finished_at=utcnow())
    )
    return _rowcount(result) == 1


async def cancel_for_issue(
    session: AsyncSession, issue_id: int, *, by: int | None
) -> datetime | None:
    """Drop the issue's waiting schedule (it is being published now); its time, if any."""
    when = await waiting_time(session, issue_id)
    if when is None:
        return None
    result = await session.execute(
        update(Schedule)
        .where(Schedule.issue_id == issue_id, Schedule.status == WAITING)
        .values(status=ScheduleStatus.CANCELLED, cancelled_by=by, finished_at=utcnow())
    )
    return when if _rowcount(result) == 1 else None


async def get_schedule(session: AsyncSession, schedule_id: int) -> Schedule | None:
    return await session.get(Schedule, schedule_id, populate_existing=True)

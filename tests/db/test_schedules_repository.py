"""Schedules and delivery progress in the database, on every backend."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import deliveries, issues, progress, schedules
from db.states import DeliveryStatus, ScheduleStatus
from db.types import utcnow

Sessions = async_sessionmaker[AsyncSession]
NEWSLETTER = "This Month in China"


async def _issue(sessionmaker: Sessions, month: str = "2024-01") -> int:
    data = issues.IssueData(
        newsletter=NEWSLETTER,
        month=month,
        title=f"Issue {month}",
        document_json=json.dumps({"month": month}),
        content_hash=f"hash-{month}",
        items=[],
    )
    async with sessionmaker.begin() as session:
        issue, _ = await issues.store_issue(session, data)
    return issue.id


async def test_setting_a_second_time_moves_the_one_waiting_schedule(sessionmaker: Sessions) -> None:
    issue_id = await _issue(sessionmaker)
    first, second = utcnow() + timedelta(hours=1), utcnow() + timedelta(hours=2)
    async with sessionmaker.begin() as session:
        assert await schedules.schedule_issue(session, issue_id, first, by=1) is None
    async with sessionmaker.begin() as session:
        previous = await schedules.schedule_issue(session, issue_id, second, by=2)
    assert previous == first
    async with sessionmaker() as session:
        waiting = await schedules.waiting(session, NEWSLETTER)
    assert [(w.issue_id, w.publish_at, w.created_by) for w in waiting] == [(issue_id, second, 2)]


async def test_only_due_schedules_of_the_newsletter_are_found(sessionmaker: Sessions) -> None:
    soon, later = await _issue(sessionmaker, "2024-01"), await _issue(sessionmaker, "2024-02")
    now = utcnow()
    async with sessionmaker.begin() as session:
        await schedules.schedule_issue(session, soon, now - timedelta(seconds=1), by=None)
        await schedules.schedule_issue(session, later, now + timedelta(hours=1), by=None)
    async with sessionmaker() as session:
        due = await schedules.due(session, NEWSLETTER, now)
        assert len(due) == 1
        assert await schedules.due(session, "Another Newsletter", now) == []
        assert await schedules.next_time(session, NEWSLETTER) == now - timedelta(seconds=1)


async def test_of_two_concurrent_claims_exactly_one_wins(sessionmaker: Sessions) -> None:
    issue_id = await _issue(sessionmaker)
    now = utcnow()
    async with sessionmaker.begin() as session:
        await schedules.schedule_issue(session, issue_id, now, by=None)
    async with sessionmaker() as session:
        (schedule_id,) = await schedules.due(session, NEWSLETTER, now)

    async def claim() -> bool:
        async with sessionmaker.begin() as session:
            won = await schedules.claim(session, schedule_id, now)
            await asyncio.sleep(0.05)  # hold the claim open while the other one tries
            return won is not None

    results = await asyncio.gather(*(claim() for _ in range(4)))
    assert sorted(results) == [False, False, False, True]


async def test_a_failed_publish_leaves_the_schedule_waiting(sessionmaker: Sessions) -> None:
    issue_id = await _issue(sessionmaker)
    now = utcnow()
    async with sessionmaker.begin() as session:
        await schedules.schedule_issue(session, issue_id, now, by=None)
    async with sessionmaker() as session:
        (schedule_id,) = await schedules.due(session, NEWSLETTER, now)
    try:
        async with sessionmaker.begin() as session:
            assert await schedules.claim(session, schedule_id, now) is not None
            raise RuntimeError("publishing failed")
    except RuntimeError:
        pass
    async with sessionmaker() as session:
        assert await schedules.due(session, NEWSLETTER, now) == [schedule_id]


async def test_a_cancelled_schedule_cannot_be_claimed(sessionmaker: Sessions) -> None:
    issue_id = await _issue(sessionmaker)
    now = utcnow()
    async with sessionmaker.begin() as session:
        await schedules.schedule_issue(session, issue_id, now, by=None)
    async with sessionmaker() as session:
        (schedule_id,) = await schedules.due(session, NEWSLETTER, now)
    async with sessionmaker.begin() as session:
        assert await schedules.cancel(session, schedule_id, by=7)
    async with sessionmaker.begin() as session:
        assert await schedules.claim(session, schedule_id, now) is None
        assert not await schedules.cancel(session, schedule_id, by=7)
        schedule = await schedules.get_schedule(session, schedule_id)
    assert schedule is not None
    assert (schedule.status, schedule.cancelled_by) == (ScheduleStatus.CANCELLED, 7)
    async with sessionmaker() as session:
        assert await schedules.due(session, NEWSLETTER, now) == []
        assert await schedules.count_waiting(session, NEWSLETTER) == 0


async def test_a_published_schedule_cannot_be_cancelled(sessionmaker: Sessions) -> None:
    issue_id = await _issue(sessionmaker)
    now = utcnow()
    async with sessionmaker.begin() as session:
        await schedules.schedule_issue(session, issue_id, now, by=None)
    async with sessionmaker() as session:
        (schedule_id,) = await schedules.due(session, NEWSLETTER, now)
    async with sessionmaker.begin() as session:
        assert await schedules.claim(session, schedule_id, now) is not None
    async with sessionmaker.begin() as session:
        assert not await schedules.cancel(session, schedule_id, by=7)
    async with sessionmaker.begin() as session:  # the issue may be scheduled again
        await schedules.schedule_issue(session, issue_id, now + timedelta(hours=1), by=None)


async def test_progress_counts_each_state_and_lists_the_first_failures(
    sessionmaker: Sessions,
) -> None:
    issue_id = await _issue(sessionmaker)
    states = [DeliveryStatus.DONE] * 5 + [DeliveryStatus.DELIVERING] * 2
    states += [DeliveryStatus.QUEUED] * 3 + [DeliveryStatus.FAILED] * 4
    async with sessionmaker.begin() as session:
        for n, status in enumerate(states, 1):
            delivery, _ = await deliveries.queue_delivery(
                session, issue_id=issue_id, guild_id=n, channel_id=1000 + n
            )
            if status != DeliveryStatus.QUEUED:
                reason = f"gone {n}" if status == DeliveryStatus.FAILED else None
                await deliveries.set_status(session, delivery.id, status, reason=reason)
    async with sessionmaker() as session:
        shown = await progress.delivery_progress(session, issue_id, failures=3)
    assert (shown.delivered, shown.delivering, shown.waiting, shown.failed) == (5, 2, 3, 4)
    assert (shown.total, shown.finished, shown.done) == (14, 9, False)
    assert [(f.guild_id, f.channel_id, f.reason) for f in shown.failures] == [
        (11, 1011, "gone 11"),
        (12, 1012, "gone 12"),
        (13, 1013, "gone 13"),
    ]


async def test_no_deliveries_is_done_with_nothing_to_do(sessionmaker: Sessions) -> None:
    issue_id = await _issue(sessionmaker)
    async with sessionmaker() as session:
        shown = await progress.delivery_progress(session, issue_id)
    assert (shown.total, shown.done, shown.failures) == (0, True, ())

"""The scheduler: publishes each due schedule once, however many processes run it.

A pass reads the due schedules, then claims each in a transaction of its own whose first
statement is the conditional UPDATE (`WHERE status = 'scheduled'`): on PostgreSQL a second
process's UPDATE waits for the first to commit and then matches no row; on SQLite the
write lock serializes them the same way. The issue is published in that same
transaction, so a crash or an error in between leaves the schedule waiting, not lost.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from db.repositories import issues, schedules
from db.types import utcnow
from masthead.importing import publish
from masthead.utils.background import OutageBackoff, wait_for_wakeup

if TYPE_CHECKING:
    from masthead.bot import Masthead

log = logging.getLogger(__name__)

# The longest the scheduler sleeps: a schedule set by another process (or the command
# line) fires at most this late, well within the 5 s promised.
POLL_SECONDS = 2.0


class Scheduler:
    def __init__(self, bot: Masthead) -> None:
        self.bot = bot
        self._wakeup = asyncio.Event()
        self.outage = OutageBackoff("scheduler")

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        # No wait for the gateway: publishing only writes to the database, and a bot that
        # was down at a schedule's time publishes it as soon as it starts.
        log.info("scheduler started")
        while True:
            self._wakeup.clear()  # before the pass, so a wake-up during it is not lost
            try:
                pause = await self.run_once()
            except Exception as exc:
                if not self.outage.note(exc):
                    log.exception("scheduler pass failed; trying again shortly")
                pause = POLL_SECONDS
            await wait_for_wakeup(self._wakeup, self.outage.end_pass() or pause)

    async def run_once(self) -> float:
        """Publish what is due; returns how long to sleep before the next look."""
        newsletter = self.bot.settings.newsletter_name
        now = utcnow()
        async with self.bot.sessionmaker() as session:
            due = await schedules.due(session, newsletter, now)
        published = [schedule_id for schedule_id in due if await self.fire(schedule_id, now)]
        if published:
            self.bot.dispatch("issues_changed")
        async with self.bot.sessionmaker() as session:
            upcoming = await schedules.next_time(session, newsletter)
        if upcoming is None:
            return POLL_SECONDS
        return max(0.0, min(POLL_SECONDS, (upcoming - utcnow()).total_seconds()))

    async def fire(self, schedule_id: int, now: datetime) -> bool:
        """Publish a due schedule's issue, unless another process or a cancel won it."""
        async with self.bot.sessionmaker.begin() as session:
            schedule = await schedules.claim(session, schedule_id, now)
            if schedule is None:
                return False
            issue = await issues.get_issue_by_id(session, schedule.issue_id)
            assert issue is not None, "deleting an issue deletes its schedules"
            queued = await publish(session, issue)
            await schedules.record_queued(session, schedule_id, queued)
        late = (now - schedule.publish_at).total_seconds()
        log.info(
            "published scheduled issue %s (schedule %s, %.1f s after its time): "
            "queued for %d channel(s)",
            issue.month,
            schedule_id,
            late,
            queued,
        )
        return True

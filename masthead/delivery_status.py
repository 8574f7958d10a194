"""How far an issue's delivery has got, as text: shared by `/issue status` (in an embed)
and `python bot.py status` (in the terminal), so both say the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Issue
from db.repositories import issues, progress, schedules
from db.repositories.progress import Progress
from db.states import IssueStatus
from masthead.publish_time import local_text, until_text

BAR_WIDTH = 20
FAILURES_LISTED = 20  # in the terminal; the embed fits what its field holds


@dataclass(frozen=True)
class IssueProgress:
    issue: Issue
    progress: Progress
    scheduled_for: datetime | None


async def issue_progress(
    session: AsyncSession, issue: Issue, *, failures: int = FAILURES_LISTED
) -> IssueProgress:
    return IssueProgress(
        issue=issue,
        progress=await progress.delivery_progress(session, issue.id, failures=failures),
        scheduled_for=await schedules.waiting_time(session, issue.id),
    )


def bar(done: Progress, *, width: int = BAR_WIDTH, full: str = "█", empty: str = "░") -> str:
    """`████████░░░░ 20/50 servers (40%)`: servers finished (delivered or failed) of all.

    Rounded down, so the bar is full and 100% is shown only when every server is done.
    """
    total = done.total
    filled = width * done.finished // total if total else 0
    percent = 100 * done.finished // total if total else 0
    return f"{full * filled}{empty * (width - filled)} {done.finished}/{total} servers ({percent}%)"


def headline(status: IssueProgress) -> str:
    done, issue = status.progress, status.issue
    if issue.status != IssueStatus.PUBLISHED:
        return "Not published yet." if status.scheduled_for is None else "Scheduled."
    if done.total == 0:
        return "Published, but no server has an announce channel."
    if not done.done:
        return f"On its way: {done.finished} of {done.total} servers done."
    if done.failed:
        return f"Out: delivered to {done.delivered} of {done.total} servers; {done.failed} failed."
    return f"Out: delivered to all {done.total} servers."


def counts(done: Progress) -> str:
    return (
        f"delivered {done.delivered} · in progress {done.delivering} · "
        f"waiting {done.waiting} · failed {done.failed}"
    )


def terminal_report(status: IssueProgress, zone: ZoneInfo) -> str:
    """What `python bot.py status` prints."""
    issue, done = status.issue, status.progress
    lines = [f"{issue.newsletter} — {issue.title} ({issue.month})"]
    if issue.published_at is not None and issue.status == IssueStatus.PUBLISHED:
        lines.append(f"published {local_text(issue.published_at, zone)}")
    elif status.scheduled_for is not None:
        when = status.scheduled_for
        lines.append(f"scheduled for {local_text(when, zone)} ({until_text(when)})")
    lines += [headline(status), bar(done, full="#", empty="-"), counts(done)]
    if done.failed:
        lines.append("failed:")
        lines += [
            f"  server {f.guild_id}, channel {f.channel_id}: {f.reason}" for f in done.failures
        ]
        if done.failed > len(done.failures):
            lines.append(f"  … and {done.failed - len(done.failures)} more")
    return "\n".join(lines)


class NoSuchIssue(LookupError):
    """The issue asked for is not stored; the message says which."""


async def find_issue(session: AsyncSession, newsletter: str, month: str | None) -> Issue:
    """The issue of `month`, or the latest published one."""
    if month is not None:
        found = await issues.get_issue(session, newsletter, month)
        if found is None:
            raise NoSuchIssue(f"no issue of {month} is stored")
        return found
    latest = await issues.latest_published(session, newsletter)
    if latest is None:
        raise NoSuchIssue("no issue is published yet (name one with --month YYYY-MM)")
    return latest


async def status_report(
    sessionmaker: async_sessionmaker[AsyncSession],
    newsletter: str,
    month: str | None,
    zone: ZoneInfo,
) -> str:
    async with sessionmaker() as session:
        issue = await find_issue(session, newsletter, month)
        status = await issue_progress(session, issue)
    return terminal_report(status, zone)

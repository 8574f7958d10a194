"""What the scheduling and delivery-status tests share: draft issues, times a few
seconds ahead written the way an editor types them, and reading answers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Issue, Schedule
from fakediscord import InteractionResult, Message
from masthead.bot import Masthead
from masthead.importing import store_document
from newsletter.parse import parse_issue
from tests.cogs.helpers import issue_text


async def store_draft(bot: Masthead, title: str = "January 2024") -> Issue:
    """Store an issue without publishing it."""
    document = parse_issue(issue_text(title), newsletter=bot.settings.newsletter_name)
    async with bot.sessionmaker.begin() as session:
        issue, _ = await store_document(session, document)
    return issue


def write_draft(folder: Path, title: str = "January 2024") -> Path:
    path = folder / f"{title.replace(' ', '-')}.txt"
    path.write_text(issue_text(title), encoding="utf-8")
    return path


def typed_time(seconds: float, zone: ZoneInfo) -> tuple[str, datetime]:
    """A time `seconds` from now as an editor types it in `zone` (whole seconds), and
    the moment it names."""
    moment = (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0)
    moment += timedelta(seconds=1)  # rounded up: never earlier than asked
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"), moment


async def schedule_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Schedule]:
    async with sessionmaker() as session:
        return list((await session.execute(select(Schedule).order_by(Schedule.id))).scalars())


async def issue_row(sessionmaker: async_sessionmaker[AsyncSession], month: str) -> Issue:
    async with sessionmaker() as session:
        found = (await session.execute(select(Issue).where(Issue.month == month))).scalar_one()
    return found


def answer_of(result: InteractionResult) -> Message:
    """The message a command or button answered with."""
    assert result.message is not None, result
    return result.message


def buttons(message: Message) -> dict[str, str]:
    """label → custom id of a message's buttons."""
    return {
        c["label"]: c["custom_id"]
        for row in message.components
        for c in row.get("components", [])
        if c.get("type") == 2 and "custom_id" in c
    }


async def sleep_past(moment: datetime, extra: float) -> None:
    """Until `extra` seconds after `moment`."""
    await asyncio.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds() + extra))

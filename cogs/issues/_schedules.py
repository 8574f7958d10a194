"""Scheduled issues for editors: setting a time (`/issue publish … at:`), the list
(`/issue schedule`) and its Cancel buttons.

Times are shown twice: as Discord timestamps, which each editor's client shows in their
own zone, and as written in the TIMEZONE setting, which is how they are typed.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import discord
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Issue
from db.repositories import schedules
from db.states import IssueStatus, ScheduleStatus
from masthead.bot import Masthead
from masthead.publish_time import PublishTimeError, local_text, parse_publish_time
from masthead.utils.checks import require_editor
from masthead.utils.components import stateless_view
from masthead.utils.errors import UserError, reports_errors
from masthead.utils.text import shown

LISTED = 25  # one Cancel button each: Discord's 5 rows of 5
EMBED_ROOM = 5900  # of an embed's 6,000 characters, leaving room for the footer


def publish_time(text: str, zone: ZoneInfo) -> datetime:
    """The moment `at:` names, or the one-line refusal that says what to type."""
    try:
        return parse_publish_time(text, zone)
    except PublishTimeError as exc:
        raise UserError(str(exc)) from None


def when_text(moment: datetime, zone: ZoneInfo) -> str:
    """`<t:…:F> (<t:…:R>) · 2024-01-05 09:00 Europe/Berlin`."""
    stamps = f"{discord.utils.format_dt(moment, 'F')} ({discord.utils.format_dt(moment, 'R')})"
    return f"{stamps} · {local_text(moment, zone)}"


async def schedule_publishing(
    session: AsyncSession, issue: Issue, when: datetime, *, by: int, zone: ZoneInfo
) -> str:
    """Set (or move) the issue's publish time; the editor's answer."""
    if issue.status == IssueStatus.PUBLISHED:
        raise UserError(f"{issue.title} is already published: there is nothing to schedule.")
    previous = await schedules.schedule_issue(session, issue.id, when, by=by)
    answer = f"{issue.title} will be published {when_text(when, zone)}."
    if previous is not None:
        answer += f" (It was set for {local_text(previous, zone)}.)"
    return answer + " `/issue schedule` lists and cancels scheduled issues."


async def schedule_list(bot: Masthead) -> tuple[discord.Embed, discord.ui.View]:
    """The waiting schedules, soonest first, each with its Cancel button."""
    zone = bot.settings.timezone
    async with bot.sessionmaker() as session:
        waiting = await schedules.waiting(session, bot.settings.newsletter_name, limit=LISTED)
        total = await schedules.count_waiting(session, bot.settings.newsletter_name)
    embed = discord.Embed(title="Scheduled issues", colour=discord.Colour.blurple())
    if not waiting:
        embed.description = (
            "Nothing is scheduled. `/issue publish issue: at:` sets a time "
            f"(written like 2024-01-05 09:00, in {zone.key})."
        )
        return embed, stateless_view()  # no buttons (and none left after a Cancel)
    listed = []
    for entry in waiting:
        by = (
            f" · set by <@{entry.created_by}>"
            if entry.created_by
            else " · set from the command line"
        )
        name = f"{entry.title} ({entry.month})"[:256]
        value = (when_text(entry.publish_at, zone) + by)[:1024]
        if len(embed) + len(name) + len(value) > EMBED_ROOM:  # 25 long titles: too much
            break
        embed.add_field(name=name, value=value, inline=False)
        listed.append(entry)
    if total > len(listed):
        embed.set_footer(text=f"and {total - len(listed)} more, not shown")
    view = stateless_view(*(CancelScheduleButton(e.schedule_id, e.title) for e in listed))
    return embed, view


class CancelScheduleButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"issue:schedule:cancel:(?P<schedule_id>\d+)",
):
    def __init__(self, schedule_id: int, title: str = "") -> None:
        label = f"Cancel {title}" if title else "Cancel"
        super().__init__(
            discord.ui.Button(
                label=label[:80],
                style=discord.ButtonStyle.danger,
                custom_id=f"issue:schedule:cancel:{schedule_id}",
            )
        )
        self.schedule_id = schedule_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> CancelScheduleButton:
        return cls(int(match["schedule_id"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = Masthead.of(interaction)
        await require_editor(interaction, bot.settings.editor_ids)
        async with bot.sessionmaker.begin() as session:
            cancelled = await schedules.cancel(session, self.schedule_id, by=interaction.user.id)
            schedule = await schedules.get_schedule(session, self.schedule_id)
            issue = None if schedule is None else await session.get(Issue, schedule.issue_id)
        if cancelled:
            bot.dispatch("schedules_changed")
        note = _outcome(cancelled, schedule.status if schedule else None, issue)
        embed, view = await schedule_list(bot)
        await interaction.response.edit_message(
            content=note, embed=embed, view=view, allowed_mentions=discord.AllowedMentions.none()
        )


def _outcome(cancelled: bool, status: ScheduleStatus | None, issue: Issue | None) -> str:
    title = shown(issue.title, 200) if issue is not None else "That issue"
    if cancelled:
        return f"Cancelled: {title} will not be published at its set time."
    if status == ScheduleStatus.PUBLISHED:
        return f"Too late: {title} was already published by its schedule."
    return f"{title} was no longer scheduled (cancelled, or published by hand)."

"""`/issue status`: how far an issue's delivery has got, in an answer that keeps itself
up to date.

The answer is ephemeral, so only its interaction's token can edit it, and a token lives
15 minutes. Each answer is followed by a task of its own (one per editor: a new answer
replaces the old one's) that edits it every few seconds while the delivery moves, and
stops when it is done or shortly before the token dies; the answer then says so, and its
Refresh button (a new interaction, a new token) starts following again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord.ext import commands

from db.models import Issue
from db.repositories import issues
from db.states import IssueStatus
from masthead.bot import Masthead
from masthead.delivery_status import IssueProgress, bar, counts, headline, issue_progress
from masthead.publish_time import local_text
from masthead.utils.background import BackgroundTask
from masthead.utils.checks import require_editor
from masthead.utils.components import stateless_view
from masthead.utils.errors import UserError, reports_errors
from masthead.utils.text import shown

if TYPE_CHECKING:
    from db.repositories.progress import Failure, Progress

log = logging.getLogger(__name__)

LIVE_SECONDS = 3.0
# Stop following this long after the answer was made, before its token's 15 minutes end.
LIVE_FOR_SECONDS = 14 * 60.0
FAILURES_LOADED = 25  # more than a field of 1024 characters can name
FIELD_LIMIT = 1024
WATCH_EVENT = "issue_status_shown"  # (interaction, issue_id, progress shown): follow it

State = Literal["live", "final", "stopped"]


async def find_issue(bot: Masthead, text: str | None) -> Issue:
    """The issue named (month or title, drafts too), or the latest published one."""
    newsletter = bot.settings.newsletter_name
    async with bot.sessionmaker() as session:
        if text is None:
            found = await issues.latest_published(session, newsletter)
            if found is None:
                raise UserError("No issue is published yet: name one with `issue:`.")
            return found
        found = await issues.resolve_issue(session, newsletter, text, published_only=False)
    if found is None:
        raise UserError(f"No issue matches {shown(text, 50)}; pick one from the list.")
    return found


async def load_status(bot: Masthead, issue_id: int) -> IssueProgress | None:
    async with bot.sessionmaker() as session:
        issue = await issues.get_issue_by_id(session, issue_id)
        if issue is None:
            return None
        return await issue_progress(session, issue, failures=FAILURES_LOADED)


def worth_following(status: IssueProgress) -> bool:
    return status.issue.status == IssueStatus.PUBLISHED and not status.progress.done


def status_embed(bot: Masthead, status: IssueProgress, state: State) -> discord.Embed:
    issue, done = status.issue, status.progress
    zone = bot.settings.timezone
    if issue.status == IssueStatus.PUBLISHED and issue.published_at is not None:
        when = f"Published {discord.utils.format_dt(issue.published_at, 'F')}"
        when += f" · {local_text(issue.published_at, zone)}"
    elif status.scheduled_for is not None:
        at = status.scheduled_for
        when = (
            f"Scheduled for {discord.utils.format_dt(at, 'F')} ({discord.utils.format_dt(at, 'R')})"
        )
        when += f" · {local_text(at, zone)}"
    else:
        when = "A draft: not published, not scheduled."
    lines = [f"**{headline(status)}**"]
    if done.total:
        lines += [bar(done), counts(done).capitalize()]
    lines.append(when)
    if done.done and done.total and not done.failed:
        colour = discord.Colour.green()
    elif done.failed:
        colour = discord.Colour.orange()
    else:
        colour = discord.Colour.blurple()
    embed = discord.Embed(
        title=f"Delivery — {issue.title} ({issue.month})"[:256],
        description="\n".join(lines)[:4096],
        colour=colour,
        timestamp=discord.utils.utcnow(),
    )
    if done.failed:
        failures = [_failure_line(bot, f) for f in done.failures]
        embed.add_field(
            name=f"Failed ({done.failed})",
            value="\n".join(_fit(failures, done.failed, FIELD_LIMIT)),
            inline=False,
        )
    embed.set_footer(
        text={
            "live": f"Updating every {LIVE_SECONDS:g} s · last update",
            "final": "Delivery finished · as of",
            "stopped": "Live updates stopped (an answer lives 15 minutes): press Refresh · as of",
        }[state]
    )
    return embed


def _failure_line(bot: Masthead, failure: Failure) -> str:
    """`#news in Readers: missing permissions in the channel: …`, named from the cache
    when this process sees the server (else by id: another shard's, or gone)."""
    channel = bot.get_channel(failure.channel_id)
    if isinstance(channel, discord.abc.GuildChannel):
        where = f"#{shown(channel.name, 100)} in {shown(channel.guild.name, 100)}"
    else:
        guild = bot.get_guild(failure.guild_id)
        server = shown(guild.name, 100) if guild else f"server {failure.guild_id}"
        where = f"channel {failure.channel_id} in {server}"
    return f"{where}: {shown(failure.reason, 300)}"


def _fit(lines: list[str], total: int, limit: int) -> list[str]:
    """As many of `lines` as fit in `limit` characters, and "and N more" for the rest of
    `total` (lines beyond the loaded ones included)."""
    kept: list[str] = []
    used = 0
    for line in lines:
        left = total - len(kept) - 1
        reserve = len(f"and {left} more") + 1 if left else 0
        if used + len(line) + 1 + reserve > limit:
            break
        kept.append(line)
        used += len(line) + 1
    if total > len(kept):
        kept.append(f"and {total - len(kept)} more")
    return kept


def status_view(issue_id: int) -> discord.ui.View:
    return stateless_view(RefreshStatusButton(issue_id))


class RefreshStatusButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"issue:status:refresh:(?P<issue_id>\d+)",
):
    def __init__(self, issue_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Refresh",
                style=discord.ButtonStyle.secondary,
                custom_id=f"issue:status:refresh:{issue_id}",
            )
        )
        self.issue_id = issue_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> RefreshStatusButton:
        return cls(int(match["issue_id"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = Masthead.of(interaction)
        await require_editor(interaction, bot.settings.editor_ids)
        status = await load_status(bot, self.issue_id)
        if status is None:
            raise UserError("That issue is no longer stored.")
        live = worth_following(status)
        await interaction.response.edit_message(
            embed=status_embed(bot, status, "live" if live else "final"),
            view=status_view(self.issue_id),
        )
        if live:
            bot.dispatch(WATCH_EVENT, interaction, self.issue_id, status.progress)


class StatusFollower(commands.Cog):
    """Keeps `/issue status` answers up to date: one following task per editor."""

    def __init__(self, bot: Masthead) -> None:
        self.bot = bot
        self._following: dict[int, BackgroundTask] = {}

    async def cog_unload(self) -> None:
        for task in list(self._following.values()):
            await task.stop()
        self._following.clear()

    @commands.Cog.listener(f"on_{WATCH_EVENT}")
    async def follow(
        self, interaction: discord.Interaction[Any], issue_id: int, shown: Progress
    ) -> None:
        user_id = interaction.user.id
        previous = self._following.pop(user_id, None)
        if previous is not None:  # an editor reads one answer at a time
            await previous.stop()
        task = BackgroundTask(
            f"issue-status-{interaction.id}", lambda: self._follow(interaction, issue_id, shown)
        )
        self._following[user_id] = task
        task.start()

    async def _follow(
        self, interaction: discord.Interaction[Any], issue_id: int, shown: Progress
    ) -> None:
        # The token's life began when the interaction was made, not when this started.
        born = time.monotonic() - (discord.utils.utcnow() - interaction.created_at).total_seconds()
        last = shown
        try:
            while True:
                await asyncio.sleep(LIVE_SECONDS)
                status = await load_status(self.bot, issue_id)
                if status is None:
                    return
                state: State = "live"
                if not worth_following(status):
                    state = "final"
                elif time.monotonic() - born + LIVE_SECONDS >= LIVE_FOR_SECONDS:
                    state = "stopped"
                if state == "live" and status.progress == last:
                    continue  # nothing moved: spare the request
                try:
                    await interaction.edit_original_response(
                        embed=status_embed(self.bot, status, state), view=status_view(issue_id)
                    )
                except discord.NotFound:
                    return  # dismissed, or the token is gone
                except discord.HTTPException as exc:
                    log.warning("could not update a status answer (%s); trying again", exc)
                    continue
                last = status.progress
                if state != "live":
                    return
        except Exception:
            log.exception("following a status answer failed")
        finally:
            mine = self._following.get(interaction.user.id)
            if mine is not None and mine.name == f"issue-status-{interaction.id}":
                with contextlib.suppress(KeyError):
                    del self._following[interaction.user.id]


async def status_answer(
    bot: Masthead, text: str | None
) -> tuple[discord.Embed, discord.ui.View, IssueProgress | None]:
    """The answer to `/issue status`, and what it shows when there is something to
    follow (None: nothing will move)."""
    issue = await find_issue(bot, text)
    status = await load_status(bot, issue.id)
    assert status is not None
    live = worth_following(status)
    embed = status_embed(bot, status, "live" if live else "final")
    return embed, status_view(issue.id), status if live else None

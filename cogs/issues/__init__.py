"""/issue: editors import and publish issues (the delivery service posts them)."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.issues._schedules import (
    CancelScheduleButton,
    publish_time,
    schedule_list,
    schedule_publishing,
)
from cogs.issues._status import WATCH_EVENT, RefreshStatusButton, StatusFollower, status_answer
from cogs.issues._views import (
    ImportButton,
    import_buttons,
    pending_key,
    preview_embed,
    purge_expired_previews,
)
from db.repositories import deliveries, issues, state
from db.states import IssueStatus
from masthead.fetching import FetchError, check_url, fetch_document, limits_for
from masthead.importing import pending_changes, publish
from masthead.utils.autocomplete import any_issues
from masthead.utils.checks import require_editor
from masthead.utils.deadline import Deadline
from masthead.utils.errors import UserError
from newsletter.decode import MAX_BYTES
from newsletter.document import IssueDocument
from newsletter.errors import IssueFormatError
from newsletter.parse import parse_issue
from newsletter.preview_page import issue_page

if TYPE_CHECKING:
    from masthead.bot import Masthead

log = logging.getLogger(__name__)

DM_UPLOAD_LIMIT = 10 << 20  # Discord's limit for a bot outside a server


class Issues(commands.GroupCog, group_name="issue"):
    """Editors: import and publish newsletter issues."""

    def __init__(self, bot: Masthead) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        async with self.bot.sessionmaker.begin() as session:
            purged = await purge_expired_previews(session)
        if purged:
            log.info("dropped %d expired import previews", purged)

    @app_commands.command(name="import")
    @app_commands.describe(file="The issue as text, Markdown or HTML (at most 2 MB)")
    async def import_(
        self, interaction: discord.Interaction[Masthead], file: discord.Attachment
    ) -> None:
        """Import an issue file: shows a preview with Confirm, Publish and Cancel."""
        await require_editor(interaction, self.bot.settings.editor_ids)
        if file.size > MAX_BYTES:
            raise UserError(f"{file.filename}: the file is larger than 2 MB.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        try:
            # Parsing a large file takes CPU time the gateway heartbeat cannot spare.
            document = await asyncio.to_thread(
                parse_issue,
                data,
                newsletter=self.bot.settings.newsletter_name,
                filename=file.filename,
            )
        except IssueFormatError as exc:
            raise UserError(f"{file.filename}: {exc}") from None
        await self._send_preview(interaction, document)

    @app_commands.command(name="fetch")
    @app_commands.describe(url="A page with the issue, or a feed (its newest entry): http or https")
    async def fetch_(
        self, interaction: discord.Interaction[Masthead], url: app_commands.Range[str, 1, 2048]
    ) -> None:
        """Import an issue from a web page or a feed: the same preview as /issue import."""
        await require_editor(interaction, self.bot.settings.editor_ids)
        try:
            url = check_url(url)
        except FetchError as exc:
            raise UserError(str(exc)) from None
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            document = await fetch_document(
                url,
                newsletter=self.bot.settings.newsletter_name,
                limits=limits_for(self.bot.settings.fetch_allow_private),
            )
        except FetchError as exc:
            raise UserError(str(exc)) from None
        await self._send_preview(interaction, document)

    async def _send_preview(
        self, interaction: discord.Interaction[Masthead], document: IssueDocument
    ) -> None:
        """The preview of a parsed issue, with Confirm / Publish / Cancel; the document
        waits in the database under the interaction's id."""
        note = None
        async with self.bot.sessionmaker.begin() as session:
            existing = await issues.get_issue(session, document.newsletter, document.month)
            changes = await pending_changes(session, document)
            if existing is not None and changes is None:
                note = f"{document.title} is already imported with this text."
            elif existing is not None and existing.status == IssueStatus.PUBLISHED:
                reach = await deliveries.count_to_correct(session, existing.id)
                note = (
                    f"{document.title} is published: Confirm corrects it, editing the "
                    f"messages that changed in the {reach} channel(s) it was posted to."
                )
            elif existing is not None:
                note = f"{document.title} is already imported: Confirm replaces its text."
            await state.set_value(session, pending_key(interaction.id), document.to_json())
        embed = preview_embed(document, note=note, changes=changes)
        view = import_buttons(interaction.id)
        page = await preview_file(interaction, document)
        if isinstance(page, discord.File):
            await interaction.followup.send(embed=embed, view=view, file=page, ephemeral=True)
        else:  # too large to attach: a line says how to get it
            await interaction.followup.send(page, embed=embed, view=view, ephemeral=True)

    @app_commands.command(name="publish")
    @app_commands.describe(
        issue="The issue to publish (month or title)",
        at="When to publish it, like 2024-01-05 09:00 in the bot's TIMEZONE (default: now)",
    )
    @app_commands.autocomplete(issue=any_issues)
    async def publish_(
        self, interaction: discord.Interaction[Masthead], issue: str, at: str | None = None
    ) -> None:
        """Queue an issue for delivery to every subscribed channel, now or at a set time."""
        await require_editor(interaction, self.bot.settings.editor_ids)
        zone = self.bot.settings.timezone
        when = publish_time(at, zone) if at is not None else None
        # Queueing is a statement or two at any number of servers; a slow database still
        # gets a deferred answer rather than Discord's "did not respond".
        async with Deadline(interaction) as deadline:
            async with self.bot.sessionmaker.begin() as session:
                found = await issues.resolve_issue(
                    session, self.bot.settings.newsletter_name, issue, published_only=False
                )
                if found is None:
                    raise UserError(f"No issue matches {issue[:50]!r}; pick one from the list.")
                if when is not None:
                    by = interaction.user.id
                    answer = await schedule_publishing(session, found, when, by=by, zone=zone)
                else:
                    queued = await publish(session, found)
                    answer = f"{found.title} is published: queued for {queued} new channel(s)."
            # Answered first: the delivery worker the event wakes would only delay it.
            await deadline.answer(answer)
        self.bot.dispatch("schedules_changed" if when is not None else "issues_changed")

    @app_commands.command(name="schedule")
    async def schedule(self, interaction: discord.Interaction[Masthead]) -> None:
        """Scheduled issues and their times, each with a Cancel button."""
        await require_editor(interaction, self.bot.settings.editor_ids)
        embed, view = await schedule_list(self.bot)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @app_commands.command(name="status")
    @app_commands.describe(issue="The issue (month or title; default: the latest published)")
    @app_commands.autocomplete(issue=any_issues)
    async def status(
        self, interaction: discord.Interaction[Masthead], issue: str | None = None
    ) -> None:
        """How far delivery has got: servers delivered, in progress, waiting and failed."""
        await require_editor(interaction, self.bot.settings.editor_ids)
        embed, view, follow = await status_answer(self.bot, issue)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
        if follow is not None:  # the answer edits itself until the delivery is done
            self.bot.dispatch(WATCH_EVENT, interaction, follow.issue.id, follow.progress)


async def preview_file(
    interaction: discord.Interaction[Masthead], document: IssueDocument
) -> discord.File | str:
    """The issue's page as posted (what `python bot.py preview --html` writes), to attach
    beside the preview; or why it is not attached, when over the server's upload limit."""
    limit = interaction.guild.filesize_limit if interaction.guild else DM_UPLOAD_LIMIT
    return await page_attachment(document, limit)


async def page_attachment(document: IssueDocument, limit: int) -> discord.File | str:
    """`preview-YYYY-MM.html`, or a line saying how to get it when over `limit` bytes."""
    # A 2 MB issue takes CPU time the gateway heartbeat cannot spare.
    page = (await asyncio.to_thread(issue_page, document)).encode("utf-8")
    if len(page) > limit:
        return (
            f"The preview page is {len(page) / 2**20:.1f} MB, over the upload limit here; "
            "on the bot's host, run: python bot.py preview FILE --html preview.html"
        )
    return discord.File(io.BytesIO(page), filename=f"preview-{document.month}.html")


async def setup(bot: Masthead) -> None:
    bot.add_dynamic_items(ImportButton, CancelScheduleButton, RefreshStatusButton)
    await bot.add_cog(Issues(bot))
    await bot.add_cog(StatusFollower(bot))

"""/issue: editors import and publish issues (the delivery service posts them)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.issues._views import (
    ImportButton,
    import_buttons,
    pending_key,
    preview_embed,
    purge_expired_previews,
)
from db.repositories import issues, state
from masthead.importing import publish
from masthead.utils.autocomplete import any_issues
from masthead.utils.checks import require_editor
from masthead.utils.errors import UserError
from newsletter.decode import MAX_BYTES
from newsletter.errors import IssueFormatError
from newsletter.parse import parse_issue

if TYPE_CHECKING:
    from masthead.bot import Masthead

log = logging.getLogger(__name__)


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
        note = None
        async with self.bot.sessionmaker.begin() as session:
            existing = await issues.get_issue(session, document.newsletter, document.month)
            if existing is not None:
                same = existing.content_hash == document.content_hash()
                note = (
                    f"{document.title} is already imported with this text."
                    if same
                    else f"{document.title} is already imported: Confirm replaces its text."
                )
            await state.set_value(session, pending_key(interaction.id), document.to_json())
        await interaction.followup.send(
            embed=preview_embed(document, note=note),
            view=import_buttons(interaction.id),
            ephemeral=True,
        )

    @app_commands.command(name="publish")
    @app_commands.describe(issue="The issue to publish (month or title)")
    @app_commands.autocomplete(issue=any_issues)
    async def publish_(self, interaction: discord.Interaction[Masthead], issue: str) -> None:
        """Queue an issue for delivery to every subscribed channel."""
        await require_editor(interaction, self.bot.settings.editor_ids)
        async with self.bot.sessionmaker.begin() as session:
            found = await issues.resolve_issue(
                session, self.bot.settings.newsletter_name, issue, published_only=False
            )
            if found is None:
                raise UserError(f"No issue matches {issue[:50]!r}; pick one from the list.")
            queued = await publish(session, found)
        self.bot.dispatch("issues_changed")
        await interaction.response.send_message(
            f"{found.title} is published: queued for {queued} new channel(s).", ephemeral=True
        )


async def setup(bot: Masthead) -> None:
    bot.add_dynamic_items(ImportButton)
    await bot.add_cog(Issues(bot))

"""Autocomplete shared by commands that take an issue (`YYYY-MM` or title)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from db.repositories import issues
from db.states import IssueStatus
from masthead.utils.checks import is_editor
from masthead.utils.db_faults import database_unavailable

if TYPE_CHECKING:
    from masthead.bot import Masthead

MAX_CHOICES = 25  # Discord's limit


async def _choices(
    interaction: discord.Interaction[Masthead], current: str, *, published_only: bool
) -> list[app_commands.Choice[str]]:
    bot = interaction.client
    try:
        async with bot.sessionmaker() as session:
            found = await issues.find_issues(
                session,
                bot.settings.newsletter_name,
                current[:50],
                published_only=published_only,
                limit=MAX_CHOICES,
            )
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        return []  # no suggestions rather than a traceback per keystroke of the outage
    return [
        app_commands.Choice(
            name=f"{issue.title} ({issue.month})"
            + ("" if issue.status == IssueStatus.PUBLISHED else " — draft"),
            value=issue.month,
        )
        for issue in found
    ]


async def published_issues(
    interaction: discord.Interaction[Masthead], current: str
) -> list[app_commands.Choice[str]]:
    return await _choices(interaction, current, published_only=True)


async def any_issues(
    interaction: discord.Interaction[Masthead], current: str
) -> list[app_commands.Choice[str]]:
    # Drafts are the editors' business; anyone else typing here sees published issues.
    bot = interaction.client
    editor = await is_editor(interaction, bot.settings.editor_ids)
    return await _choices(interaction, current, published_only=not editor)

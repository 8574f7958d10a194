"""/feedback: what readers made of an issue, for editors and moderators.

Per item, the Helpful and Not helpful votes and how often `/item` and Full text were
opened; the searches that found nothing while the issue was the latest; and the tips
sent for the next issue, by status. A PNG chart of votes and opens is attached. The
counts are every server's together; `python bot.py feedback` prints the same report.
"""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.feedback._embed import feedback_embed
from db.repositories import guilds, issues
from db.repositories.feedback import Feedback, issue_feedback
from masthead.utils.autocomplete import published_issues
from masthead.utils.checks import is_editor, is_moderator
from masthead.utils.errors import UserError
from masthead.utils.text import shown

if TYPE_CHECKING:
    from masthead.bot import Masthead

MAX_ISSUE_CHARS = 200  # the longest title an issue can have (a month is shorter)
REFUSED = "Only moderators (Manage Server, or the moderator role) and editors can see feedback."


def _chart_file(report: Feedback) -> discord.File:
    # Imported here: matplotlib takes a second to import, paid on the first /feedback
    # (in this worker thread) rather than by every start of the bot.
    from cogs.feedback._chart import FILENAME, render_chart

    return discord.File(io.BytesIO(render_chart(report)), filename=FILENAME)


class FeedbackReport(commands.Cog):
    def __init__(self, bot: Masthead) -> None:
        self.bot = bot

    async def _allowed(self, interaction: discord.Interaction[Masthead]) -> bool:
        if await is_editor(interaction, self.bot.settings.editor_ids):
            return True
        if interaction.guild_id is None:
            return False
        async with self.bot.sessionmaker() as session:
            settings = await guilds.get_settings(session, interaction.guild_id)
        return is_moderator(interaction, settings.moderator_role_id if settings else None)

    @app_commands.command(name="feedback")
    @app_commands.describe(issue="The issue (month or title); default: the latest published")
    @app_commands.autocomplete(issue=published_issues)
    async def feedback(
        self, interaction: discord.Interaction[Masthead], issue: str | None = None
    ) -> None:
        """Votes, opens and empty searches for an issue, with a chart (editors, moderators)."""
        if not await self._allowed(interaction):
            raise UserError(REFUSED)
        await interaction.response.defer(ephemeral=True, thinking=True)
        newsletter = self.bot.settings.newsletter_name
        async with self.bot.sessionmaker() as session:
            if issue is None:
                found = await issues.latest_published(session, newsletter)
                if found is None:
                    raise UserError("No issue has been published yet.")
            else:
                # What no month or title can hold is not worth a query (PostgreSQL
                # rejects a NUL in text outright), nor echoed as typed.
                found = None
                if issue.isprintable() and len(issue.strip()) <= MAX_ISSUE_CHARS:
                    found = await issues.resolve_issue(
                        session, newsletter, issue, published_only=True
                    )
                if found is None:
                    echo = issue if issue.isprintable() else ascii(issue)[1:-1]
                    raise UserError(f"No published issue matches {shown(echo, 50)}.")
            report = await issue_feedback(session, found)
        chart = await asyncio.to_thread(_chart_file, report)
        await interaction.followup.send(
            embed=feedback_embed(report, chart=chart.filename), file=chart, ephemeral=True
        )


async def setup(bot: Masthead) -> None:
    await bot.add_cog(FeedbackReport(bot))

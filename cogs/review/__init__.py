"""Moderators review readers' tips: cards in the review channel, /review, /tips export.

Decisions are made in a modal (a reason for a rejection, an optional note otherwise),
sent stateless and read back here, so a restart between opening and sending it loses
nothing. The review outbox (cards posted and edited, decisions DMed) runs for as long as
the bot does and wakes on the `tips_changed` event.
"""

from __future__ import annotations

import io
import re
import tempfile
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from cogs.review._cards import (
    ACTIONS,
    DECISION_FORM,
    ChangeButton,
    DecisionButton,
    already_decided,
    card_embed,
    card_view,
    load_for_moderator,
    status_line,
)
from cogs.review._credit import CreditButton, CreditIssueSelect, CreditItemSelect
from cogs.review._outbox import ReviewOutbox
from cogs.review._queue import SkipButton, check_moderator, queue_page
from db.repositories import tips
from db.states import TipStatus
from masthead.tips_export import write_tips
from masthead.utils.background import BackgroundTask
from masthead.utils.checks import is_editor
from masthead.utils.errors import UserError, report_error
from masthead.utils.modals import submitted_values
from newsletter.tips import clean_text

if TYPE_CHECKING:
    from masthead.bot import Masthead

NO_PINGS = discord.AllowedMentions.none()
SPOOL_BYTES = 1 << 20  # exports up to 1 MB stay in memory, larger ones go to a temp file


class Review(commands.Cog):
    tips_group = app_commands.Group(name="tips", description="Moderators: readers' tips")

    def __init__(self, bot: Masthead) -> None:
        self.bot = bot
        self.outbox = ReviewOutbox(bot)
        self.task = BackgroundTask("review-outbox", self.outbox.run)

    async def cog_load(self) -> None:
        self.bot.add_modal_route(DECISION_FORM, self.on_decision_form)
        self.task.start()

    async def cog_unload(self) -> None:
        self.bot.remove_modal_route(DECISION_FORM)
        await self.task.stop()

    @commands.Cog.listener()
    async def on_tips_changed(self) -> None:
        self.outbox.wake()

    @commands.Cog.listener()
    async def on_issues_changed(self) -> None:
        self.outbox.wake()  # publishing credits tips: their cards and DMs

    @commands.Cog.listener()
    async def on_issue_delivered(self, issue_id: int, guild_id: int) -> None:
        self.outbox.wake()  # a credited tipster's DM links to the post once it is there

    @app_commands.command(name="review")
    async def review(self, interaction: discord.Interaction[Masthead]) -> None:
        """Review this server's pending tips, oldest first."""
        guild_id = await check_moderator(interaction)
        content, embed, view = await queue_page(self.bot, guild_id)
        if embed is None:
            await interaction.response.send_message(content, ephemeral=True)
            return
        await interaction.response.send_message(
            content, embed=embed, view=view, ephemeral=True, allowed_mentions=NO_PINGS
        )

    @tips_group.command(name="export")
    @app_commands.describe(
        status="Only tips in this state (default: all)",
        format="File format (default: csv)",
        scope="This server's tips, or every server's (editors only)",
    )
    async def export(
        self,
        interaction: discord.Interaction[Masthead],
        status: Literal["pending", "approved", "shortlisted", "rejected", "withdrawn", "used"]
        | None = None,
        format: Literal["md", "csv", "json"] = "csv",
        scope: Literal["this server", "all servers"] = "this server",
    ) -> None:
        """Download tips as a file (Markdown, CSV or JSON)."""
        if scope == "all servers":
            if not await is_editor(interaction, self.bot.settings.editor_ids):
                raise UserError("Only the newsletter's editors can export every server's tips.")
            guild_id = None
        else:
            guild_id = await check_moderator(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        try:
            text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
            async with self.bot.sessionmaker() as session:
                count = await write_tips(
                    session,
                    text,
                    format=format,
                    guild_id=guild_id,
                    status=TipStatus(status) if status else None,
                )
            text.flush()
            size = spool.tell()
            limit = interaction.guild.filesize_limit if interaction.guild else 10 << 20
            if size > limit:
                raise UserError(
                    f"The export is {size / 2**20:.1f} MB, over Discord's upload limit here "
                    f"({limit / 2**20:.0f} MB). On the bot's host, run: "
                    f"python bot.py tips export --format {format} --output tips.{format}"
                )
            spool.seek(0)
            name = f"tips-{status or 'all'}.{format}"
            await interaction.followup.send(
                f"{count} tip(s).",
                file=discord.File(spool, filename=name),  # type: ignore[arg-type]
                ephemeral=True,
            )
        finally:
            spool.close()

    async def on_decision_form(
        self, interaction: discord.Interaction[Masthead], match: re.Match[str]
    ) -> None:
        try:
            await self._decide(
                interaction,
                action=match["action"],
                tip_id=int(match["tip_id"]),
                version=int(match["version"]),
                origin=match["origin"],
            )
        except Exception as exc:
            await report_error(interaction, exc, "tip decision")

    async def _decide(
        self,
        interaction: discord.Interaction[Masthead],
        *,
        action: str,
        tip_id: int,
        version: int,
        origin: str,
    ) -> None:
        await load_for_moderator(interaction, tip_id)  # a moderator still, at this moment
        reason = clean_text(submitted_values(interaction).get("reason", ""))[:1000] or None
        if action == "reject" and not reason:
            raise UserError("A rejection needs a reason: the tipster is told it.")
        async with self.bot.sessionmaker.begin() as session:
            decision = await tips.decide_tip(
                session,
                tip_id,
                status=ACTIONS[action],
                moderator_id=interaction.user.id,
                seen_version=version,
                reason=reason,
            )
            votes = (await tips.vote_counts(session, [tip_id]))[tip_id]
        if not decision.won:
            raise UserError(already_decided(decision.tip))
        tip = decision.tip
        # Committed; the outbox DMs the tipster and brings any other card up to date.
        self.bot.dispatch("tips_changed")
        if origin == "c" and interaction.message is not None:
            await interaction.response.edit_message(
                embed=card_embed(tip, votes), view=card_view(tip)
            )
            if interaction.message.id == tip.review_message_id:
                async with self.bot.sessionmaker.begin() as session:
                    await tips.record_card_shown(session, tip.id, tip.card_revision)
        elif origin == "q" and interaction.guild_id is not None:
            content, embed, view = await queue_page(self.bot, interaction.guild_id, after_id=tip.id)
            await interaction.response.edit_message(
                content=f"Tip #{tip.id}: {status_line(tip)}.\n{content}", embed=embed, view=view
            )
        else:
            await interaction.response.edit_message(
                content=f"Tip #{tip.id}: {status_line(tip)}.", view=None
            )


async def setup(bot: Masthead) -> None:
    bot.add_dynamic_items(
        DecisionButton,
        ChangeButton,
        SkipButton,
        CreditButton,
        CreditIssueSelect,
        CreditItemSelect,
    )
    await bot.add_cog(Review(bot))

"""Readers' news tips: /tip, *Suggest as tip* on a chat message, and /mytips.

A tip is committed before the reader is told anything, and its review card is posted by
the review feature's outbox (cogs/review), which this feature wakes with the
`tips_changed` event.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.tips._covered import PublishedItems
from cogs.tips._form import (
    FORM,
    TryAgainButton,
    keep_draft,
    purge_expired_drafts,
    tip_form,
    try_again,
)
from cogs.tips._mine import (
    DmsButton,
    ForgetButton,
    WithdrawSelect,
    my_tips_page,
)
from db.repositories import tips
from db.repositories.issues import ItemRef
from db.tip_writer import Submission, hourly_retry_at, open_tip_writer
from db.types import utcnow
from masthead.utils.checks import require_guild
from masthead.utils.deadline import Deadline
from masthead.utils.errors import UserError
from masthead.utils.modals import send_stateless_modal, submitted_values
from masthead.utils.text import month_title, shown
from newsletter.tips import (
    TipDraft,
    TipInputError,
    check_tip,
    month_after,
    prefill_from_message,
)

if TYPE_CHECKING:
    from masthead.bot import Masthead

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()
ITEM_NUMBER = re.compile(r"^\s*\d{1,3}[.)]\s+")


class Tips(commands.Cog):
    def __init__(self, bot: Masthead) -> None:
        self.bot = bot
        self.suggest_menu = app_commands.ContextMenu(name="Suggest as tip", callback=self.suggest)
        self.headlines = tips.HeadlineIndex(bot.settings.newsletter_name)
        self.published_items = PublishedItems()
        # Submissions are serialized in the database (see tips.submit_tip); within one
        # process they also queue in the writer (one thread, or one connection), so a
        # burst waits there rather than on SQLite's busy timeout, which would fail the
        # ones at the back of the queue.
        self.writer = open_tip_writer(bot.sessionmaker, self.headlines)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.suggest_menu)
        self.bot.add_modal_route(FORM, self.on_tip_form)
        async with self.bot.sessionmaker.begin() as session:
            purged = await purge_expired_drafts(session)
        if purged:
            log.info("dropped %d expired tip drafts", purged)

    async def cog_unload(self) -> None:
        self.bot.remove_modal_route(FORM)
        self.bot.tree.remove_command(self.suggest_menu.name, type=self.suggest_menu.type)
        await self.writer.close()

    @app_commands.command(name="tip")
    @app_commands.describe(anonymous="Hide your name from the moderators (default: no)")
    async def tip(
        self, interaction: discord.Interaction[Masthead], anonymous: bool = False
    ) -> None:
        """Send the newsletter a news tip for its next issue."""
        require_guild(interaction)
        await self._check_rate(interaction.user.id)
        await send_stateless_modal(interaction, tip_form(anonymous=anonymous))

    async def suggest(
        self, interaction: discord.Interaction[Masthead], message: discord.Message
    ) -> None:
        """A chat message's link and text, as a tip form to check and send."""
        require_guild(interaction)
        await self._check_rate(interaction.user.id)
        text = message.content
        if not text.strip() and message.embeds:  # a bot's or a link preview's embed
            embed = message.embeds[0]
            # A posted item's title starts with its number, which is no headline.
            title = ITEM_NUMBER.sub("", embed.title or "")
            text = "\n".join(p for p in (title, embed.url, embed.description) if p)
        headline, link, why = prefill_from_message(text)
        await send_stateless_modal(
            interaction, tip_form(anonymous=False, headline=headline, link=link, why=why)
        )

    @app_commands.command(name="mytips")
    async def mytips(self, interaction: discord.Interaction[Masthead]) -> None:
        """Your tips and their status; withdraw one, switch DMs off, or be forgotten."""
        embed, view = await my_tips_page(self.bot, interaction.user.id)
        await interaction.response.send_message(
            embed=embed, view=view, ephemeral=True, allowed_mentions=NO_PINGS
        )

    async def on_tip_form(
        self, interaction: discord.Interaction[Masthead], match: re.Match[str]
    ) -> None:
        async with Deadline(interaction) as deadline:
            try:
                await self._submit(interaction, deadline, anonymous=match["anonymous"] == "1")
            except Exception as exc:
                await deadline.report(exc, "tip form")

    async def _check_rate(self, user_id: int) -> None:
        """Refuse before the reader types anything when the hour's tips are used up."""
        limit = self.bot.settings.tip_limit_per_hour
        if limit < 1:
            raise UserError("Tips are switched off for this newsletter.")
        retry_at = await hourly_retry_at(self.bot.queries, user_id, limit=limit)
        if retry_at is not None:
            raise UserError(_rate_limited(limit, retry_at))

    async def _submit(
        self, interaction: discord.Interaction[Masthead], deadline: Deadline, *, anonymous: bool
    ) -> None:
        guild_id = require_guild(interaction)
        values = submitted_values(interaction)
        try:
            draft = check_tip(values.get("headline", ""), values.get("link"), values.get("why"))
        except TipInputError as exc:
            await self._refuse(
                interaction, deadline, anonymous, values, "\n".join(f"• {p}" for p in exc.problems)
            )
            return
        covered = await self._covered_by(draft)
        if covered is not None:
            await deadline.answer(await self._covered_message(covered, guild_id))
            return
        limit = self.bot.settings.tip_limit_per_hour
        if limit < 1:
            raise UserError("Tips are switched off for this newsletter.")
        latest = await self.bot.published.latest()
        for_month = month_after(latest.month) if latest else utcnow().strftime("%Y-%m")
        outcome = await self.writer.submit(
            Submission(
                newsletter=self.bot.settings.newsletter_name,
                guild_id=guild_id,
                user_id=interaction.user.id,
                draft=draft,
                anonymous=anonymous,
                for_month=for_month,
                limit_per_hour=limit,
            )
        )
        # Committed: from here on the tip survives whatever happens to this process.
        if isinstance(outcome, tips.RateLimited):
            async with self.bot.sessionmaker.begin() as session:
                await keep_draft(session, interaction.id, anonymous=anonymous, values=values)
            await deadline.answer(
                _rate_limited(limit, outcome.retry_at), view=try_again(interaction.id)
            )
            return
        # The reader is answered first; the card's outbox (woken after) is not in the way.
        if isinstance(outcome, tips.Duplicate):
            await deadline.answer(_duplicate_message(outcome))
            if outcome.counted:
                self.bot.dispatch("tips_changed")
            return
        await deadline.answer(_receipt(outcome.tip.id, for_month, anonymous))
        self.bot.dispatch("tips_changed")

    async def _refuse(
        self,
        interaction: discord.Interaction[Masthead],
        deadline: Deadline,
        anonymous: bool,
        values: dict[str, str],
        problems: str,
    ) -> None:
        async with self.bot.sessionmaker.begin() as session:
            await keep_draft(session, interaction.id, anonymous=anonymous, values=values)
        await deadline.answer(
            f"Your tip was not sent:\n{problems}\nPress **Try again**: what you typed is kept.",
            view=try_again(interaction.id),
        )

    async def _covered_by(self, draft: TipDraft) -> ItemRef | None:
        """A published item this tip is about, by its link or a near-identical title."""
        return self.published_items.covering(await self.bot.published.item_refs(), draft)

    async def _covered_message(self, ref: ItemRef, guild_id: int) -> str:
        message = (
            f"Already covered in {ref.issue_title}, item {ref.number}: "
            f"“{shown(ref.title, 200)}”. Thanks all the same!"
        )
        jump = await self.bot.jump_url(ref.issue_id, guild_id, ref.number)
        if jump:
            message += f"\nRead it here: {jump}"
        return message


def _rate_limited(limit: int, retry_at: datetime) -> str:
    return (
        f"You have sent {limit} tip(s) in the last hour, the most allowed. "
        f"You can send another {discord.utils.format_dt(retry_at, 'R')}."
    )


def _receipt(tip_id: int, for_month: str, anonymous: bool) -> str:
    message = (
        f"Thanks! Your tip **#{tip_id}** is in, for the **{month_title(for_month)}** issue. "
        "The moderators will review it"
    )
    message += ", without seeing who sent it." if anonymous else "."
    return message + " You will get a DM when it is decided (switch that off in /mytips)."


def _duplicate_message(outcome: tips.Duplicate) -> str:
    original = outcome.original
    about = f"tip #{original.id}, “{shown(original.headline, 150)}” ({original.status.value})"
    if not outcome.counted:
        return f"You already sent or backed this one: {about}."
    return (
        f"Someone already suggested this: {about}. "
        f"Your vote was added: it now has {outcome.votes} votes."
    )


async def setup(bot: Masthead) -> None:
    bot.add_dynamic_items(TryAgainButton, WithdrawSelect, DmsButton, ForgetButton)
    await bot.add_cog(Tips(bot))

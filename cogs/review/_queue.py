"""/review: a server's pending tips, oldest first, one at a time."""

from __future__ import annotations

import re
from typing import Any

import discord

from cogs.review._cards import card_embed, decision_buttons
from db.models import Tip
from db.repositories import guilds, tips
from masthead.bot import Masthead
from masthead.utils.checks import require_guild, require_moderator
from masthead.utils.components import stateless_view
from masthead.utils.errors import reports_errors


async def queue_page(
    bot: Masthead, guild_id: int, *, after_id: int | None = None
) -> tuple[str, discord.Embed | None, discord.ui.View]:
    """The next pending tip after `after_id` (from the start again past the last one)."""
    async with bot.sessionmaker() as session:
        tip, pending = await tips.pending_queue(session, guild_id, after_id=after_id)
        if tip is None and pending and after_id is not None:
            tip, pending = await tips.pending_queue(session, guild_id)
        votes = (await tips.vote_counts(session, [tip.id]))[tip.id] if tip else 0
    if tip is None:
        return "No tips are waiting for review. 🎉", None, stateless_view()
    return _waiting(pending), card_embed(tip, votes), _queue_view(tip, pending)


def _waiting(pending: int) -> str:
    return f"{pending} tip(s) waiting for review, oldest first."


def _queue_view(tip: Tip, pending: int) -> discord.ui.View:
    items: list[discord.ui.Item[Any]] = decision_buttons(tip, "q")
    if pending > 1:
        items.append(SkipButton(tip.id))
    return stateless_view(*items)


async def check_moderator(interaction: discord.Interaction[Any]) -> int:
    bot = Masthead.of(interaction)
    guild_id = require_guild(interaction)
    async with bot.sessionmaker() as session:
        settings = await guilds.get_settings(session, guild_id)
    require_moderator(interaction, settings.moderator_role_id if settings else None)
    return guild_id


class SkipButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"review:skip:(?P<tip_id>\d+)",
):
    def __init__(self, tip_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Skip", style=discord.ButtonStyle.secondary, custom_id=f"review:skip:{tip_id}"
            )
        )
        self.tip_id = tip_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> SkipButton:
        return cls(int(match["tip_id"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        guild_id = await check_moderator(interaction)
        content, embed, view = await queue_page(
            Masthead.of(interaction), guild_id, after_id=self.tip_id
        )
        await interaction.response.edit_message(content=content, embed=embed, view=view)

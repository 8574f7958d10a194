"""The "Helpful?" buttons under each posted item: one vote per reader per item.

The buttons are DynamicItems whose custom ids carry the item id, so they keep working
after a restart without any stored view state.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from db.repositories import guilds, votes
from masthead.bot import Masthead
from masthead.utils.checks import is_moderator
from masthead.utils.components import stateless_view
from masthead.utils.errors import reports_errors
from newsletter.render import Part

ITEM_PART = re.compile(r"item:(\d+)(?::\d+)?$")


class HelpfulButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"item:vote:(?P<item_id>\d+):(?P<helpful>[01])",
):
    def __init__(self, item_id: int, helpful: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label="Helpful" if helpful else "Not helpful",
                emoji="👍" if helpful else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"item:vote:{item_id}:{int(helpful)}",
            )
        )
        self.item_id = item_id
        self.helpful = helpful

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> HelpfulButton:
        return cls(int(match["item_id"]), match["helpful"] == "1")

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = Masthead.of(interaction)
        async with bot.sessionmaker.begin() as session:
            first = await votes.cast_vote(
                session, item_id=self.item_id, user_id=interaction.user.id, helpful=self.helpful
            )
            up, down = await votes.vote_counts(session, self.item_id)
            settings = (
                await guilds.get_settings(session, interaction.guild_id)
                if interaction.guild_id
                else None
            )
        message = "Thanks for your feedback!" if first else "Your vote is updated."
        if is_moderator(interaction, settings.moderator_role_id if settings else None):
            message += f" (moderators see: 👍 {up} · 👎 {down})"
        await interaction.response.send_message(message, ephemeral=True)


def vote_view_for(
    part: Part, parts: list[Part], item_ids: dict[int, int]
) -> discord.ui.View | None:
    """The vote buttons go under the last message of each item, nowhere else."""
    match = ITEM_PART.match(part.key)
    if part.kind != "item" or match is None:
        return None
    number = int(match[1])
    last = [p for p in parts if (m := ITEM_PART.match(p.key)) and int(m[1]) == number][-1]
    if last.key != part.key or number not in item_ids:
        return None
    return stateless_view(
        HelpfulButton(item_ids[number], True), HelpfulButton(item_ids[number], False)
    )

"""Readers: /latest, /item and /search over published issues, and the Helpful votes
under posted items."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.items._cards import (
    COLOUR,
    FullTextButton,
    LatestPageButton,
    OpenItemSelect,
    PageButton,
    item_card,
    latest_card,
)
from cogs.items._votes import HelpfulButton
from db.repositories.search import search_items
from masthead.utils.autocomplete import published_issues
from masthead.utils.background import BackgroundTask
from masthead.utils.errors import UserError
from newsletter.render import neutralize_mentions

if TYPE_CHECKING:
    from masthead.bot import Masthead

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 200
MAX_ITEM_NUMBER = 99


class Items(commands.Cog):
    def __init__(self, bot: Masthead) -> None:
        self.bot = bot
        self.lookup_writer = BackgroundTask("lookup-counts", bot.lookups.run)

    async def cog_load(self) -> None:
        self.lookup_writer.start()

    async def cog_unload(self) -> None:
        await self.lookup_writer.stop()
        try:
            await self.bot.lookups.flush()  # what was counted since the last write
        except Exception:
            log.exception("lookup counts counted since the last write are lost")

    @app_commands.command(name="latest")
    @app_commands.describe(public="Show the answer to everyone in the channel")
    async def latest(
        self, interaction: discord.Interaction[Masthead], public: bool = False
    ) -> None:
        """The latest issue: editorial, item titles by section, and a menu to open any item."""
        issue = await self.bot.published.latest()
        if issue is None:
            raise UserError("No issue has been published yet.")
        embed, view = latest_card(self.bot.published.document(issue), issue.id)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=not public)

    @app_commands.command(name="item")
    @app_commands.describe(
        number="The item's number in the issue",
        issue="Which issue (month like 2023-12, or title); default: the latest",
        public="Show the answer to everyone in the channel",
    )
    @app_commands.autocomplete(issue=published_issues)
    async def item(
        self,
        interaction: discord.Interaction[Masthead],
        number: app_commands.Range[int, 1, MAX_ITEM_NUMBER],
        issue: str | None = None,
        public: bool = False,
    ) -> None:
        """One news item: title, summary, the editor's take, and its full text."""
        cache = self.bot.published
        found = await (cache.resolve(issue) if issue else cache.latest())
        if found is None and issue:
            raise UserError(f"No published issue matches {issue[:50]!r}.")
        if found is None:
            raise UserError("No issue has been published yet.")
        total = len(found.items)
        chosen = next((i for i in found.items if i.number == number), None)
        if chosen is None:
            raise UserError(f"{found.title} has items 1–{total}; there is no item {number}.")
        jump = await self.bot.jump_url(found.id, interaction.guild_id, number)
        document = self.bot.published.document(found)
        embed, view = item_card(document, chosen.id, number, jump_url=jump)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=not public)
        self.bot.lookups.item_opened(found.id, number)

    @app_commands.command(name="search")
    @app_commands.describe(
        query="Words to look for", issue="Only this issue (month or title); default: all"
    )
    @app_commands.autocomplete(issue=published_issues)
    async def search(
        self,
        interaction: discord.Interaction[Masthead],
        query: app_commands.Range[str, 1, MAX_QUERY_CHARS],
        issue: str | None = None,
    ) -> None:
        """Search every published issue; the best five items first."""
        newsletter = self.bot.settings.newsletter_name
        month = None
        if issue:
            found = await self.bot.published.resolve(issue)
            if found is None:
                raise UserError(f"No published issue matches {issue[:50]!r}.")
            month = found.month
        hits = await search_items(self.bot.queries, query, newsletter=newsletter, month=month)
        shown = neutralize_mentions(" ".join(query.split()))[:100]
        if not hits:
            self.bot.lookups.search_missed(query)
            raise UserError(f"Nothing found for “{shown}”. Try fewer or other words.")
        embed = discord.Embed(title=f"Search: {shown}"[:256], colour=COLOUR)
        for hit in hits:
            embed.add_field(
                name=f"{hit.issue_title} · {hit.number}. {hit.title}"[:256],
                value=(neutralize_mentions(hit.snippet) or "—")[:1024],
                inline=False,
            )
        embed.set_footer(text="Open one with /item number:<n> issue:<month>")
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: Masthead) -> None:
    # Buttons and menus whose custom ids carry their record: alive after restarts.
    bot.add_dynamic_items(
        FullTextButton, PageButton, OpenItemSelect, LatestPageButton, HelpfulButton
    )
    await bot.add_cog(Items(bot))

"""Crediting a tip by hand: an editor picks the issue, then the item, that took it up,
when publishing did not match them (cogs/review/_cards.py shows the button)."""

from __future__ import annotations

import re
from typing import Any

import discord

from db.repositories import credits, issues, tips
from masthead.bot import Masthead
from masthead.utils.checks import require_editor
from masthead.utils.components import stateless_view
from masthead.utils.errors import UserError, reports_errors
from masthead.utils.text import shown

MAX_OPTIONS = 25  # Discord's limit for a select menu


class CreditButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"tip:credit:(?P<tip_id>\d+)",
):
    def __init__(self, tip_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Credit…",
                emoji="📰",
                style=discord.ButtonStyle.secondary,
                custom_id=f"tip:credit:{tip_id}",
            )
        )
        self.tip_id = tip_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CreditButton:
        return cls(int(match["tip_id"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = Masthead.of(interaction)
        await require_editor(interaction, bot.settings.editor_ids)
        async with bot.sessionmaker() as session:
            published = await issues.find_issues(
                session, bot.settings.newsletter_name, "", published_only=True, limit=MAX_OPTIONS
            )
        if not published:
            raise UserError("No issue has been published yet.")
        options = [
            discord.SelectOption(label=f"{i.title} ({i.month})"[:100], value=str(i.id))
            for i in published
        ]
        picker = CreditIssueSelect(self.tip_id, options)
        await interaction.response.send_message(
            f"Which issue took up tip #{self.tip_id}?",
            view=stateless_view(picker),
            ephemeral=True,
        )


class CreditIssueSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"tip:credit-issue:(?P<tip_id>\d+)",
):
    def __init__(self, tip_id: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"tip:credit-issue:{tip_id}",
                placeholder="Pick the issue…",
                options=options or [discord.SelectOption(label="—", value="0")],
            )
        )
        self.tip_id = tip_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CreditIssueSelect:
        return cls(int(match["tip_id"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = Masthead.of(interaction)
        await require_editor(interaction, bot.settings.editor_ids)
        value = self.item.values[0] if self.item.values else "0"
        async with bot.sessionmaker() as session:
            issue = await issues.get_issue_by_id(session, int(value) if value.isdigit() else 0)
            numbers = await issues.item_ids(session, issue.id) if issue else {}
        if issue is None or not numbers:
            raise UserError("That issue no longer exists.")
        document_items = {i.number: i.title for i in bot.published.document(issue).items}
        options = [
            discord.SelectOption(
                label=f"{n}. {document_items.get(n, '')}"[:100], value=f"{issue.id}:{n}"
            )
            for n in sorted(numbers)[:MAX_OPTIONS]
        ]
        await interaction.response.edit_message(
            content=f"Which item of {shown(issue.title, 100)} took up tip #{self.tip_id}?",
            view=stateless_view(CreditItemSelect(self.tip_id, options)),
        )


class CreditItemSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"tip:credit-item:(?P<tip_id>\d+)",
):
    def __init__(self, tip_id: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"tip:credit-item:{tip_id}",
                placeholder="Pick the item…",
                options=options or [discord.SelectOption(label="—", value="0:0")],
            )
        )
        self.tip_id = tip_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CreditItemSelect:
        return cls(int(match["tip_id"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = Masthead.of(interaction)
        await require_editor(interaction, bot.settings.editor_ids)
        picked = re.fullmatch(r"(\d+):(\d+)", self.item.values[0] if self.item.values else "")
        if picked is None:
            raise UserError("Pick an item from the list.")
        issue_id, number = int(picked[1]), int(picked[2])
        async with bot.sessionmaker.begin() as session:
            issue = await issues.get_issue_by_id(session, issue_id)
            if issue is None or number not in await issues.item_ids(session, issue_id):
                raise UserError("That item no longer exists.")
            credited = await credits.credit_tip(
                session, self.tip_id, issue_id=issue_id, number=number, actor_id=interaction.user.id
            )
            tip = await tips.get_tip(session, self.tip_id)
        if not credited:
            state = tip.status.value if tip else "gone"
            raise UserError(f"Tip #{self.tip_id} cannot be credited now: it is {state}.")
        bot.dispatch("tips_changed")
        await interaction.response.edit_message(
            content=f"Tip #{self.tip_id} is credited to {shown(issue.title, 100)}, item {number}.",
            view=None,
        )

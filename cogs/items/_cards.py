"""Embeds and buttons for single items: the /item card, full-text pages, /latest.

The embeds themselves are rendered by the domain (`newsletter.render`), the same way as
the posted issue; this module adds Discord's buttons and menus.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from db.models import Item
from db.repositories import issues
from db.states import IssueStatus
from masthead.bot import Masthead
from masthead.utils.components import stateless_view
from masthead.utils.errors import UserError, reports_errors
from newsletter.document import IssueDocument
from newsletter.document import Item as DocumentItem
from newsletter.render import (
    item_footer,
    item_heading,
    neutralize_mentions,
    render_item_card,
    split_text,
    truncate,
)

PAGE_CHARS = 3900
COLOUR = discord.Colour.dark_red()
# /latest pages its titles: a select menu holds 25 options, and a page's list stays well
# under the 4096 characters of a description (the embed's 6000 in all, editorial included).
LATEST_PAGE_ITEMS = 25
LATEST_PAGE_CHARS = 3400
LATEST_LINE_CHARS = 200


def _text(value: str, limit: int) -> str:
    return truncate(neutralize_mentions(value), limit)


def _document_item(document: IssueDocument, number: int) -> DocumentItem:
    found = next((i for i in document.items if i.number == number), None)
    if found is None:
        raise UserError(f"{document.title} has no item {number}.")
    return found


def item_card(
    document: IssueDocument, item_id: int, number: int, *, jump_url: str | None
) -> tuple[discord.Embed, discord.ui.View]:
    embed = discord.Embed.from_dict(dict(render_item_card(document, number)))
    embed.colour = COLOUR
    buttons: list[discord.ui.Item[Any]] = [FullTextButton(item_id, 0)]
    if jump_url:
        buttons.append(discord.ui.Button(label="Jump to post", url=jump_url))
    return embed, stateless_view(*buttons)


def latest_pages(document: IssueDocument) -> list[list[DocumentItem]]:
    """The items in pages that each fit one /latest card and one select menu."""
    pages: list[list[DocumentItem]] = [[]]
    for item in document.items:
        page = pages[-1]
        if page and (
            len(page) >= LATEST_PAGE_ITEMS or len(_latest_lines([*page, item])) > LATEST_PAGE_CHARS
        ):
            pages.append([item])
        else:
            page.append(item)
    return pages


def _latest_lines(items: list[DocumentItem]) -> str:
    """Titles grouped under their sections, in reading order."""
    lines: list[str] = []
    section: str | None = None
    for item in items:
        if item.section != section and item.section:
            if lines:
                lines.append("")
            lines.append(f"__{_text(item.section, 100)}__")
        section = item.section
        lines.append(_text(f"**{item.number}.** {item.title}", LATEST_LINE_CHARS))
    return "\n".join(lines)


def latest_card(
    document: IssueDocument, issue_id: int, page: int = 0
) -> tuple[discord.Embed, discord.ui.View]:
    pages = latest_pages(document)
    page = max(0, min(page, len(pages) - 1))
    embed = discord.Embed(
        title=_text(f"{document.newsletter} — {document.title}", 256), colour=COLOUR
    )
    if document.editorial is not None:
        embed.add_field(
            name=_text(document.editorial.heading, 256),
            value=_text(document.editorial.summary or "—", 1024),
            inline=False,
        )
    embed.description = _text(_latest_lines(pages[page]), 4096)
    footer = "Pick an item below to read its summary."
    buttons: list[discord.ui.Item[Any]] = [OpenItemSelect(issue_id, pages[page])]
    if len(pages) > 1:
        footer += f" · page {page + 1}/{len(pages)}"
        buttons.append(LatestPageButton(issue_id, page - 1, "◀ Previous", disabled=page == 0))
        buttons.append(
            LatestPageButton(issue_id, page + 1, "Next ▶", disabled=page >= len(pages) - 1)
        )
    embed.set_footer(text=footer)
    return embed, stateless_view(*buttons)


def full_text_pages(item: Item) -> list[str]:
    return split_text(neutralize_mentions(item.body), PAGE_CHARS) or ["—"]


def full_text_page(
    document: IssueDocument, item: Item, page: int
) -> tuple[discord.Embed, discord.ui.View]:
    pages = full_text_pages(item)
    page = max(0, min(page, len(pages) - 1))
    shown = _document_item(document, item.number)
    embed = discord.Embed(title=item_heading(shown), description=pages[page], colour=COLOUR)
    footer = item_footer(document, shown)
    if len(pages) > 1:
        footer += f" · page {page + 1}/{len(pages)}"
    embed.set_footer(text=footer)
    buttons: list[discord.ui.Item[Any]] = []
    if len(pages) > 1:
        buttons.append(PageButton(item.id, page - 1, "◀ Previous", disabled=page == 0))
        buttons.append(PageButton(item.id, page + 1, "Next ▶", disabled=page >= len(pages) - 1))
    return embed, stateless_view(*buttons)


async def _load_item(bot: Masthead, item_id: int) -> tuple[IssueDocument, Item]:
    async with bot.sessionmaker() as session:
        found = await issues.item_with_issue(session, item_id)
    if found is None:
        raise UserError("That item no longer exists.")
    issue, item, _ = found
    return bot.published.document(issue), item


class FullTextButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"item:full:(?P<item_id>\d+):(?P<page>\d+)",
):
    """Opens the item's full text, privately, from any card."""

    def __init__(self, item_id: int, page: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Full text",
                emoji="📄",
                style=discord.ButtonStyle.primary,
                custom_id=f"item:full:{item_id}:{page}",
            )
        )
        self.item_id = item_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> FullTextButton:
        return cls(int(match["item_id"]), int(match["page"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = Masthead.of(interaction)
        document, item = await _load_item(bot, self.item_id)
        embed, view = full_text_page(document, item, 0)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
        bot.lookups.full_text_opened(item.issue_id, item.number)


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"item:page:(?P<item_id>\d+):(?P<page>-?\d+)",
):
    """Turns the pages of a full text in place."""

    def __init__(self, item_id: int, page: int, label: str = "Page", disabled: bool = False):
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"item:page:{item_id}:{page}",
                disabled=disabled,
            )
        )
        self.item_id = item_id
        self.page = page

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> PageButton:
        return cls(int(match["item_id"]), int(match["page"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = Masthead.of(interaction)
        document, item = await _load_item(bot, self.item_id)
        embed, view = full_text_page(document, item, self.page)
        await interaction.response.edit_message(embed=embed, view=view)


class OpenItemSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"latest:open:(?P<issue_id>\d+)",
):
    """The /latest menu: pick an item to open its card."""

    def __init__(self, issue_id: int, items: list[DocumentItem] | None = None) -> None:
        options = [
            discord.SelectOption(
                label=_text(f"{i.number}. {i.title}", 100),
                value=str(i.number),
                description=_text(i.section, 100) if i.section else None,
            )
            for i in (items or [])[:LATEST_PAGE_ITEMS]
        ] or [discord.SelectOption(label="—", value="0")]
        super().__init__(
            discord.ui.Select(
                custom_id=f"latest:open:{issue_id}", placeholder="Open an item…", options=options
            )
        )
        self.issue_id = issue_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> OpenItemSelect:
        return cls(int(match["issue_id"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = Masthead.of(interaction)
        values = self.item.values
        number = int(values[0]) if values and values[0].isdigit() else 0
        async with bot.sessionmaker() as session:
            found = await issues.item_by_number(session, self.issue_id, number)
        if found is None:
            raise UserError("That item is not in this issue.")
        issue, item, _ = found
        jump = await bot.jump_url(issue.id, interaction.guild_id, item.number)
        document = bot.published.document(issue)
        embed, view = item_card(document, item.id, item.number, jump_url=jump)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
        bot.lookups.item_opened(issue.id, item.number)


class LatestPageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"latest:page:(?P<issue_id>\d+):(?P<page>-?\d+)",
):
    """Turns the pages of /latest's titles in place."""

    def __init__(self, issue_id: int, page: int, label: str = "Page", disabled: bool = False):
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"latest:page:{issue_id}:{page}",
                disabled=disabled,
            )
        )
        self.issue_id = issue_id
        self.page = page

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> LatestPageButton:
        return cls(int(match["issue_id"]), int(match["page"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = Masthead.of(interaction)
        async with bot.sessionmaker() as session:
            issue = await issues.get_issue_by_id(session, self.issue_id)
        if issue is None or issue.status != IssueStatus.PUBLISHED:
            raise UserError("That issue is no longer published.")
        embed, view = latest_card(bot.published.document(issue), issue.id, self.page)
        await interaction.response.edit_message(embed=embed, view=view)

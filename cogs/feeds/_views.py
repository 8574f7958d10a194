"""A feed entry's preview: the import preview's embed, with Publish and Discard.

The entry's parsed document waits in its `feed_entries` row, and the buttons carry the
entry's id, so a preview works after a restart and is decided once (the first click wins).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import discord

from cogs.issues import page_attachment
from cogs.issues._views import preview_embed, store_from_preview
from db.models import Feed, FeedEntry
from db.repositories import feeds
from db.states import FeedEntryStatus
from masthead.bot import Masthead
from masthead.utils.checks import require_editor
from masthead.utils.components import stateless_view
from masthead.utils.errors import UserError, reports_errors
from masthead.utils.text import shown
from newsletter.document import IssueDocument

ACTIONS = {"publish": "Publish", "discard": "Discard"}
MESSAGE_LIMIT = 2000
NO_PINGS = discord.AllowedMentions.none()


def entry_nonce(entry_id: int, channel_id: int) -> str:
    """Deterministic, at most 25 characters: a preview sent again after a crash is
    answered by Discord with the first one (`enforce_nonce`)."""
    return hashlib.sha256(f"feed-entry:{entry_id}:{channel_id}".encode()).hexdigest()[:25]


def marker(entry_id: int) -> str:
    """Ends the footer of an entry's preview: how it is recognised in a channel's history."""
    return f"feed entry {entry_id}"


def is_preview_of(message: discord.Message, entry_id: int) -> bool:
    return any(
        embed.footer.text and embed.footer.text.endswith(marker(entry_id))
        for embed in message.embeds
    )


async def preview_page(entry: FeedEntry, limit: int) -> discord.File | str | None:
    """The entry's page as it would be posted, attached as /issue import attaches it (or
    a line on how to get it, over `limit` bytes); None for an entry that was not read."""
    if entry.document is None:
        return None
    return await page_attachment(IssueDocument.from_dict(json.loads(entry.document)), limit)


def preview_message(entry: FeedEntry, feed: Feed) -> tuple[str, discord.Embed, discord.ui.View]:
    """Content, embed and buttons of an entry's preview (no buttons when it could not be
    read: the embed says why)."""
    content = f"New entry in the feed {shown(feed.title, 200)}: **{shown(entry.title, 300)}**"
    if entry.link and len(content) + len(entry.link) + 3 <= MESSAGE_LIMIT:
        content += f"\n<{entry.link}>"
    if entry.document is None:
        embed = discord.Embed(
            title=f"Could not read this entry: {entry.title}"[:256],
            description=shown(entry.problem or "unknown problem", 1000),
            colour=discord.Colour.red(),
        )
        embed.set_footer(text=marker(entry.id))
        return content[:MESSAGE_LIMIT], embed, stateless_view()
    document = IssueDocument.from_dict(json.loads(entry.document))
    embed = preview_embed(document, note=entry.note)
    embed.set_footer(text=f"{embed.footer.text} · {marker(entry.id)}")
    return content[:MESSAGE_LIMIT], embed, entry_buttons(entry.id)


class FeedEntryButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"feed:entry:(?P<action>publish|discard):(?P<entry_id>\d+)",
):
    def __init__(self, action: str, entry_id: int) -> None:
        style = discord.ButtonStyle.success if action == "publish" else discord.ButtonStyle.danger
        super().__init__(
            discord.ui.Button(
                label=ACTIONS[action], style=style, custom_id=f"feed:entry:{action}:{entry_id}"
            )
        )
        self.action = action
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> FeedEntryButton:
        return cls(match["action"], int(match["entry_id"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = Masthead.of(interaction)
        await require_editor(interaction, bot.settings.editor_ids)
        publishing = self.action == "publish"
        status = FeedEntryStatus.PUBLISHED if publishing else FeedEntryStatus.DISCARDED
        async with bot.sessionmaker.begin() as session:
            raw = await feeds.decide(session, self.entry_id, status, interaction.user.id)
            if not raw:
                raise UserError("This preview was already handled.")
            document = IssueDocument.from_dict(json.loads(raw))
            changed = False
            if not publishing:
                outcome = "Discarded; nothing was stored."
            else:
                outcome, changed = await store_from_preview(session, document, publish_now=True)
        if changed:
            bot.dispatch("issues_changed")  # also credits tips the issue took up
        outcome += f" ({interaction.user.mention})"
        await interaction.response.edit_message(
            embed=preview_embed(document, note=outcome), view=None, allowed_mentions=NO_PINGS
        )


def entry_buttons(entry_id: int) -> discord.ui.View:
    return stateless_view(*(FeedEntryButton(action, entry_id) for action in ACTIONS))

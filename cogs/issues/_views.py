"""The import preview: an embed of what was parsed, with Confirm / Publish / Cancel.

The parsed document waits in the database under the preview's key, and the buttons are
DynamicItems carrying that key, so a preview still works after a restart.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from db.repositories import state
from masthead.checks import require_editor
from masthead.errors import UserError, reports_errors
from masthead.importing import publish, store_document
from newsletter.document import IssueDocument
from newsletter.render import neutralize_mentions

if TYPE_CHECKING:
    from masthead.bot import Masthead

ACTIONS = {"confirm": "Confirm", "publish": "Publish", "cancel": "Cancel"}


def pending_key(token: int) -> str:
    return f"pending_import:{token}"


def preview_embed(document: IssueDocument, *, note: str | None = None) -> discord.Embed:
    lines = [f"{item.number}. {item.title}" for item in document.items]
    embed = discord.Embed(
        title=f"Preview — {document.newsletter} · {document.title}"[:256],
        description=neutralize_mentions("\n".join(lines))[:4096],
        colour=discord.Colour.orange(),
    )
    if document.editorial is not None:
        embed.add_field(
            name=f"Editorial: {document.editorial.heading}"[:256],
            value=neutralize_mentions(document.editorial.summary or "—")[:1024],
            inline=False,
        )
    if document.extras:
        extras = "\n".join(extra.heading for extra in document.extras)
        embed.add_field(name="Extras", value=neutralize_mentions(extras)[:1024], inline=False)
    if document.warnings:
        warnings = "\n".join(f"⚠ {w}" for w in document.warnings)
        embed.add_field(name="Warnings", value=neutralize_mentions(warnings)[:1024], inline=False)
    if note:
        embed.add_field(name="Note", value=note[:1024], inline=False)
    embed.set_footer(text=f"{len(document.items)} items · month {document.month}")
    return embed


class ImportButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"issue:import:(?P<action>confirm|publish|cancel):(?P<token>\d+)",
):
    def __init__(self, action: str, token: int) -> None:
        style = {
            "confirm": discord.ButtonStyle.secondary,
            "publish": discord.ButtonStyle.success,
            "cancel": discord.ButtonStyle.danger,
        }[action]
        super().__init__(
            discord.ui.Button(
                label=ACTIONS[action], style=style, custom_id=f"issue:import:{action}:{token}"
            )
        )
        self.action = action
        self.token = token

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ImportButton:
        return cls(match["action"], int(match["token"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = cast("Masthead", interaction.client)
        await require_editor(interaction, bot.settings.editor_ids)
        async with bot.sessionmaker.begin() as session:
            raw = await state.pop_value(session, pending_key(self.token))
            if raw is None:
                raise UserError("This preview was already handled or has expired.")
            document = IssueDocument.from_dict(json.loads(raw))
            if self.action == "cancel":
                outcome = "Import cancelled; nothing was stored."
            else:
                issue, stored = await store_document(session, document, replace=True)
                outcome = {
                    "created": f"Imported {issue.title}.",
                    "unchanged": f"{issue.title} was already imported with this text.",
                    "replaced": f"Replaced the stored text of {issue.title}.",
                }[stored]
                if self.action == "publish":
                    queued = await publish(session, issue)
                    outcome += f" Published: queued for {queued} channel(s)."
        if self.action == "publish":
            bot.wake_delivery()
        await interaction.response.edit_message(
            embed=preview_embed(document, note=outcome), view=None
        )


def import_buttons(token: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in ACTIONS:
        view.add_item(ImportButton(action, token))
    return view

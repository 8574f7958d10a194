"""The import preview: an embed of what was parsed, with Confirm / Publish / Cancel.

The parsed document waits in the database under the preview's key, and the buttons are
DynamicItems carrying that key, so a preview still works after a restart.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import discord
from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories import state
from db.states import IssueStatus
from masthead.bot import Masthead
from masthead.importing import publish, store_document
from masthead.utils.checks import require_editor
from masthead.utils.components import stateless_view
from masthead.utils.errors import UserError, reports_errors
from newsletter.corrections import IssueDiff
from newsletter.document import IssueDocument
from newsletter.render import neutralize_mentions

ACTIONS = {"confirm": "Confirm", "publish": "Publish", "cancel": "Cancel"}
PENDING_PREFIX = "pending_import:"
# A preview nobody acted on for a day is dropped; its token (the interaction id) is a
# snowflake, so its age is known without storing a timestamp.
PREVIEW_TTL = timedelta(hours=24)
EMBED_TOTAL = 6000  # Discord's limit over all of an embed's text


def pending_key(token: int) -> str:
    return f"{PENDING_PREFIX}{token}"


def is_expired(token: int) -> bool:
    return discord.utils.snowflake_time(token) < discord.utils.utcnow() - PREVIEW_TTL


async def purge_expired_previews(session: AsyncSession) -> int:
    keys = await state.keys_with_prefix(session, PENDING_PREFIX)
    expired = [
        k
        for k in keys
        if k[len(PENDING_PREFIX) :].isdigit() and is_expired(int(k[len(PENDING_PREFIX) :]))
    ]
    await state.delete_keys(session, expired)
    return len(expired)


def preview_embed(
    document: IssueDocument, *, note: str | None = None, changes: IssueDiff | None = None
) -> discord.Embed:
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
    if changes is not None:
        embed.add_field(
            name="Changes from the stored text",
            value=neutralize_mentions("\n".join(changes.lines()))[:1024],
            inline=False,
        )
    if note:
        embed.add_field(name="Note", value=note[:1024], inline=False)
    embed.set_footer(text=f"{len(document.items)} items · month {document.month}")
    overflow = len(embed) - EMBED_TOTAL
    if overflow > 0 and embed.description:  # many long titles: shorten the list
        embed.description = embed.description[: -(overflow + 1)] + "…"
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
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> ImportButton:
        return cls(match["action"], int(match["token"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = Masthead.of(interaction)
        await require_editor(interaction, bot.settings.editor_ids)
        async with bot.sessionmaker.begin() as session:
            raw = await state.pop_value(session, pending_key(self.token))
            if raw is None:
                raise UserError("This preview was already handled or has expired.")
            if is_expired(self.token):
                raise UserError("This preview has expired: import the file again.")
            document = IssueDocument.from_dict(json.loads(raw))
            changed = False
            if self.action == "cancel":
                outcome = "Import cancelled; nothing was stored."
            else:
                outcome, changed = await store_from_preview(
                    session, document, publish_now=self.action == "publish"
                )
        if changed:
            # Readers' commands serve the new text at once; the delivery worker corrects.
            bot.dispatch("issues_changed")
        await interaction.response.edit_message(
            embed=preview_embed(document, note=outcome), view=None
        )


async def store_from_preview(
    session: AsyncSession, document: IssueDocument, *, publish_now: bool
) -> tuple[str, bool]:
    """Store a previewed document (replacing a changed month), publish it if asked; the
    line that says what happened, and whether readers' answers and posts must follow."""
    issue, stored = await store_document(session, document, replace=True)
    outcome = {
        "created": f"Imported {issue.title}.",
        "unchanged": f"{issue.title} was already imported with this text.",
        "replaced": f"Replaced the stored text of {issue.title}.",
    }[stored]
    replaced = stored == "replaced"
    if replaced and issue.status == IssueStatus.PUBLISHED:
        outcome += " The posted messages that changed are being corrected."
    if publish_now:
        queued = await publish(session, issue)
        outcome += f" Published: queued for {queued} channel(s)."
    return outcome, publish_now or replaced


def import_buttons(token: int) -> discord.ui.View:
    return stateless_view(*(ImportButton(action, token) for action in ACTIONS))

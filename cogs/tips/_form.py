"""The tip form: one modal for /tip, Suggest as tip and Try again, and what the reader
is told after sending it.

The form is sent stateless (masthead/utils/modals.py): its custom id says whether the tip
is anonymous, and the cog reads the submission from the interaction, so a restart between
opening and sending the form loses nothing. A refused form is kept for a day under its
interaction id, so **Try again** reopens it with what the reader typed.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import discord
from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories import state
from masthead.bot import Masthead
from masthead.utils.components import stateless_view
from masthead.utils.errors import UserError, reports_errors
from masthead.utils.modals import send_stateless_modal, text_input
from newsletter.tips import HEADLINE_MAX, HEADLINE_MIN, LINK_MAX, WHY_MAX

FORM = re.compile(r"tip:form:(?P<anonymous>[01])")
DRAFT_PREFIX = "tip_draft:"
DRAFT_TTL = timedelta(hours=24)
FIELDS = ("headline", "link", "why")


def tip_form(
    *, anonymous: bool, headline: str = "", link: str = "", why: str = ""
) -> discord.ui.Modal:
    title = "Send a news tip" + (" (anonymous)" if anonymous else "")
    modal = discord.ui.Modal(title=title, custom_id=f"tip:form:{int(anonymous)}", timeout=None)
    modal.add_item(
        text_input(
            "Headline",
            "headline",
            min_length=HEADLINE_MIN,
            max_length=HEADLINE_MAX,
            default=headline,
            placeholder="What happened, in one line",
        )
    )
    modal.add_item(
        text_input(
            "Link (optional)",
            "link",
            max_length=LINK_MAX,
            required=False,
            default=link,
            placeholder="https://…",
        )
    )
    modal.add_item(
        text_input(
            "Why it matters (optional)",
            "why",
            max_length=WHY_MAX,
            required=False,
            paragraph=True,
            default=why,
        )
    )
    return modal


def draft_key(token: int) -> str:
    return f"{DRAFT_PREFIX}{token}"


async def keep_draft(
    session: AsyncSession, token: int, *, anonymous: bool, values: dict[str, str]
) -> None:
    draft = {name: values.get(name, "") for name in FIELDS}
    await state.set_value(session, draft_key(token), json.dumps({**draft, "anonymous": anonymous}))


async def load_draft(session: AsyncSession, token: int) -> dict[str, Any] | None:
    raw = await state.get_value(session, draft_key(token))
    return None if raw is None else dict(json.loads(raw))


async def purge_expired_drafts(session: AsyncSession) -> int:
    """Drafts older than a day: their token is a snowflake, so its age is known."""
    limit = discord.utils.utcnow() - DRAFT_TTL
    keys = await state.keys_with_prefix(session, DRAFT_PREFIX)
    expired = [
        key
        for key in keys
        if not key[len(DRAFT_PREFIX) :].isdigit()
        or discord.utils.snowflake_time(int(key[len(DRAFT_PREFIX) :])) < limit
    ]
    await state.delete_keys(session, expired)
    return len(expired)


class TryAgainButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"tip:retry:(?P<token>\d+)",
):
    """Reopens a refused tip form with what the reader typed."""

    def __init__(self, token: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Try again",
                emoji="✏️",
                style=discord.ButtonStyle.primary,
                custom_id=f"tip:retry:{token}",
            )
        )
        self.token = token

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> TryAgainButton:
        return cls(int(match["token"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = Masthead.of(interaction)
        async with bot.sessionmaker() as session:
            draft = await load_draft(session, self.token)
        if draft is None:
            raise UserError("That form has expired: use /tip again.")
        values = {name: str(draft.get(name) or "") for name in FIELDS}
        form = tip_form(anonymous=bool(draft.get("anonymous")), **values)
        await send_stateless_modal(interaction, form)


def try_again(token: int) -> discord.ui.View:
    return stateless_view(TryAgainButton(token))

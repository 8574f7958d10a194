"""The review card of a tip, and the buttons moderators decide with.

The same card is posted in the review channel, shown by /review, and edited after every
decision. Its buttons are DynamicItems whose custom ids carry the tip id and the decision
version the card showed: a click on a card that someone else has decided since is told
who decided what, instead of deciding again.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from cogs.review._credit import CreditButton
from db.models import Tip
from db.repositories import guilds, tips
from db.states import TipStatus
from masthead.bot import Masthead
from masthead.utils.checks import require_guild, require_moderator
from masthead.utils.components import stateless_view
from masthead.utils.errors import UserError, reports_errors
from masthead.utils.modals import send_stateless_modal, text_input
from masthead.utils.text import month_title, shown

ACTIONS = {
    "approve": TipStatus.APPROVED,
    "shortlist": TipStatus.SHORTLISTED,
    "reject": TipStatus.REJECTED,
}
LABELS = {"approve": "Approve", "shortlist": "Shortlist", "reject": "Reject"}
STYLES = {
    "approve": discord.ButtonStyle.success,
    "shortlist": discord.ButtonStyle.primary,
    "reject": discord.ButtonStyle.danger,
}
COLOURS = {
    TipStatus.PENDING: discord.Colour.gold(),
    TipStatus.APPROVED: discord.Colour.green(),
    TipStatus.SHORTLISTED: discord.Colour.blue(),
    TipStatus.REJECTED: discord.Colour.red(),
    TipStatus.WITHDRAWN: discord.Colour.light_grey(),
    TipStatus.USED: discord.Colour.purple(),
}
# Where a decision was made, so its answer lands in the right place: on the card itself,
# in the /review queue, or in the "Change decision" panel.
ORIGINS = ("c", "q", "x")
DECISION_FORM = re.compile(
    r"tip:decision:(?P<action>approve|shortlist|reject):(?P<tip_id>\d+):(?P<version>\d+):(?P<origin>[cqx])"
)
REASON_MAX = 1000


def status_line(tip: Tip, used_in: str | None = None) -> str:
    """What happened to the tip, and who did it when (for a used tip: where it went)."""
    if tip.status is TipStatus.USED:
        return f"📰 Used in {used_in}" if used_in else "📰 Used in an issue"
    if tip.status is TipStatus.PENDING:
        return "⏳ Pending review"
    if tip.status is TipStatus.WITHDRAWN:
        return "↩️ Withdrawn by the reader"
    who = f"<@{tip.decided_by}>" if tip.decided_by else "a moderator"
    when = discord.utils.format_dt(tip.decided_at, "R") if tip.decided_at else ""
    return f"{tip.status.value.capitalize()} by {who} {when}".strip()


def author(tip: Tip) -> str:
    """Never the author of an anonymous tip, not even to moderators."""
    if tip.anonymous or tip.user_id is None:
        return "anonymous"
    return f"<@{tip.user_id}>"


def card_embed(tip: Tip, votes: int, *, used_in: str | None = None) -> discord.Embed:
    embed = discord.Embed(
        title=shown(tip.headline, 256), colour=COLOURS[tip.status], timestamp=tip.created_at
    )
    if tip.link:
        embed.add_field(name="Link", value=shown(tip.link, 1024), inline=False)
    if tip.why:
        embed.add_field(name="Why it matters", value=shown(tip.why, 1024), inline=False)
    embed.add_field(name="For", value=month_title(tip.for_month))
    embed.add_field(name="Votes", value=str(votes))
    embed.add_field(name="Sent by", value=author(tip))
    embed.add_field(name="Status", value=status_line(tip, used_in), inline=False)
    if tip.decision_reason and tip.status is not TipStatus.PENDING:
        name = "Reason" if tip.status is TipStatus.REJECTED else "Note"
        embed.add_field(name=name, value=shown(tip.decision_reason, 1024), inline=False)
    embed.set_footer(text=f"Tip #{tip.id}")
    return embed


def decision_buttons(tip: Tip, origin: str, *, leave_out: TipStatus | None = None) -> list[Any]:
    return [
        DecisionButton(action, tip.id, tip.version, origin)
        for action, status in ACTIONS.items()
        if status is not leave_out
    ]


def card_view(tip: Tip) -> discord.ui.View:
    if tip.status is TipStatus.PENDING:
        return stateless_view(*decision_buttons(tip, "c"))
    if tip.status is TipStatus.REJECTED:
        return stateless_view(ChangeButton(tip.id, tip.version))
    if tip.status in (TipStatus.APPROVED, TipStatus.SHORTLISTED):
        return stateless_view(ChangeButton(tip.id, tip.version), CreditButton(tip.id))
    return stateless_view()


def already_decided(tip: Tip) -> str:
    if tip.status is TipStatus.WITHDRAWN:
        return f"Tip #{tip.id} was withdrawn by the reader."
    if tip.status is TipStatus.USED:
        return f"Tip #{tip.id} is already used in an issue."
    return f"Tip #{tip.id} was decided meanwhile: {status_line(tip)}."


async def load_for_moderator(interaction: discord.Interaction, tip_id: int) -> Tip:
    """The tip, once the person acting is a moderator of its server (checked now, not when
    the card was shown)."""
    bot = Masthead.of(interaction)
    guild_id = require_guild(interaction)
    async with bot.sessionmaker() as session:
        tip = await tips.get_tip(session, tip_id)
        settings = await guilds.get_settings(session, guild_id)
    require_moderator(interaction, settings.moderator_role_id if settings else None)
    if tip is None or tip.guild_id != guild_id:
        raise UserError(
            f"Tip #{tip_id} no longer exists (its author may have asked to be forgotten)."
        )
    return tip


def decision_form(action: str, tip: Tip, origin: str) -> discord.ui.Modal:
    title = f"{LABELS[action]} tip #{tip.id}"
    modal = discord.ui.Modal(
        title=title[:45],
        custom_id=f"tip:decision:{action}:{tip.id}:{tip.version}:{origin}",
        timeout=None,
    )
    if action == "reject":
        modal.add_item(
            text_input(
                "Reason (the tipster sees it)",
                "reason",
                min_length=3,
                max_length=REASON_MAX,
                paragraph=True,
                placeholder="e.g. Already widely reported; not about China",
            )
        )
    else:
        modal.add_item(
            text_input(
                "Note (optional; the tipster sees it)",
                "reason",
                max_length=REASON_MAX,
                required=False,
                paragraph=True,
            )
        )
    return modal


class DecisionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"tip:decide:(?P<action>approve|shortlist|reject):(?P<tip_id>\d+):(?P<version>\d+):(?P<origin>[cqx])",
):
    def __init__(self, action: str, tip_id: int, version: int, origin: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=LABELS[action],
                style=STYLES[action],
                custom_id=f"tip:decide:{action}:{tip_id}:{version}:{origin}",
            )
        )
        self.action = action
        self.tip_id = tip_id
        self.version = version
        self.origin = origin

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> DecisionButton:
        return cls(match["action"], int(match["tip_id"]), int(match["version"]), match["origin"])

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        tip = await load_for_moderator(interaction, self.tip_id)
        if tip.version != self.version:
            raise UserError(already_decided(tip))
        await send_stateless_modal(interaction, decision_form(self.action, tip, self.origin))


class ChangeButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"tip:change:(?P<tip_id>\d+):(?P<version>\d+)",
):
    """On a decided card: offers the other decisions, privately."""

    def __init__(self, tip_id: int, version: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Change decision",
                style=discord.ButtonStyle.secondary,
                custom_id=f"tip:change:{tip_id}:{version}",
            )
        )
        self.tip_id = tip_id
        self.version = version

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ChangeButton:
        return cls(int(match["tip_id"]), int(match["version"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        tip = await load_for_moderator(interaction, self.tip_id)
        if tip.version != self.version:
            raise UserError(already_decided(tip))
        view = stateless_view(*decision_buttons(tip, "x", leave_out=tip.status))
        await interaction.response.send_message(
            f"Tip #{tip.id} is {status_line(tip)}. Change it to:",
            view=view,
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

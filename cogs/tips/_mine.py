"""/mytips: a reader's own tips, and what they may do with them: withdraw a pending one,
switch the decision DMs off or on, and be forgotten.

Every control carries the reader's id and answers only that reader, though the page is
ephemeral anyway.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from db.models import Tip
from db.repositories import credits, readers, tips
from db.states import TipStatus
from masthead.bot import Masthead
from masthead.utils.components import stateless_view
from masthead.utils.errors import UserError, reports_errors
from masthead.utils.text import month_title, shown

COLOUR = discord.Colour.teal()
STATUS_ICONS = {
    TipStatus.PENDING: "⏳",
    TipStatus.APPROVED: "✅",
    TipStatus.SHORTLISTED: "⭐",
    TipStatus.REJECTED: "✖️",
    TipStatus.WITHDRAWN: "↩️",
    TipStatus.USED: "📰",
}
FORGET_WARNING = (
    "**Forget me?** This cannot be undone. Masthead will:\n"
    "• delete your pending and rejected tips (and their review cards);\n"
    "• keep your approved and shortlisted tips without your name;\n"
    "• remove your name from the review history;\n"
    "• delete your votes on tips and on posted items, and your DM setting."
)


def _line(tip: Tip, used_in: str | None = None) -> str:
    status = f"{STATUS_ICONS[tip.status]} {tip.status.value}"
    line = (
        f"**#{tip.id}** · {status} · {shown(tip.headline, 150)} · for {month_title(tip.for_month)}"
    )
    if used_in:
        line += f"\n  Used in {used_in}"
    if tip.status is TipStatus.REJECTED and tip.decision_reason:
        line += f"\n  Reason: {shown(tip.decision_reason, 200)}"
    return line


async def my_tips_page(bot: Masthead, user_id: int) -> tuple[discord.Embed, discord.ui.View]:
    async with bot.sessionmaker() as session:
        mine = await tips.user_tips(session, user_id, limit=20)
        dms = await readers.dms_enabled(session, user_id)
        where = {t.id: await credits.used_in(session, t) for t in mine}
    used: dict[int, str] = {}
    for tip_id, found in where.items():
        if found is not None:
            issue, number = found
            tip = next(t for t in mine if t.id == tip_id)
            jump = await bot.jump_url(issue.id, tip.guild_id, number)
            used[tip_id] = f"{shown(issue.title, 100)}, item {number}" + (
                f": {jump}" if jump else ""
            )
    embed = discord.Embed(title="Your tips", colour=COLOUR)
    if mine:
        embed.description = "\n".join(_line(t, used.get(t.id)) for t in mine)[:4000]
    else:
        embed.description = "You have not sent any tips yet. Send one with /tip."
    embed.set_footer(text=f"Decision DMs: {'on' if dms else 'off'}")
    items: list[discord.ui.Item[Any]] = []
    pending = [t for t in mine if t.status is TipStatus.PENDING]
    if pending:
        items.append(WithdrawSelect(user_id, pending))
    items.append(DmsButton(user_id, not dms))
    items.append(ForgetButton("ask", user_id))
    return embed, stateless_view(*items)


def _require_owner(interaction: discord.Interaction, user_id: int) -> None:
    if interaction.user.id != user_id:
        raise UserError("These are someone else's tips: use /mytips for yours.")


class WithdrawSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"mytips:withdraw:(?P<user_id>\d+)",
):
    def __init__(self, user_id: int, pending: list[Tip] | None = None) -> None:
        options = [
            discord.SelectOption(label=f"#{t.id} {t.headline}"[:100], value=str(t.id))
            for t in (pending or [])[:25]
        ] or [discord.SelectOption(label="—", value="0")]
        super().__init__(
            discord.ui.Select(
                custom_id=f"mytips:withdraw:{user_id}",
                placeholder="Withdraw a pending tip…",
                options=options,
            )
        )
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> WithdrawSelect:
        return cls(int(match["user_id"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        _require_owner(interaction, self.user_id)
        bot = Masthead.of(interaction)
        values = self.item.values
        tip_id = int(values[0]) if values and values[0].isdigit() else 0
        async with bot.sessionmaker.begin() as session:
            withdrawn = await tips.withdraw_tip(session, tip_id, user_id=self.user_id)
        if withdrawn is None:
            raise UserError("That tip is no longer pending, so it cannot be withdrawn.")
        bot.dispatch("tips_changed")  # its review card says so
        embed, view = await my_tips_page(bot, self.user_id)
        await interaction.response.edit_message(
            content=f"Tip #{tip_id} is withdrawn.", embed=embed, view=view
        )


class DmsButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mytips:dms:(?P<user_id>\d+):(?P<enable>[01])",
):
    def __init__(self, user_id: int, enable: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label="Turn decision DMs on" if enable else "Turn decision DMs off",
                emoji="🔔" if enable else "🔕",
                style=discord.ButtonStyle.secondary,
                custom_id=f"mytips:dms:{user_id}:{int(enable)}",
            )
        )
        self.user_id = user_id
        self.enable = enable

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> DmsButton:
        return cls(int(match["user_id"]), match["enable"] == "1")

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        _require_owner(interaction, self.user_id)
        bot = Masthead.of(interaction)
        async with bot.sessionmaker.begin() as session:
            await readers.set_dms_enabled(session, self.user_id, self.enable)
        embed, view = await my_tips_page(bot, self.user_id)
        note = (
            "You will get a DM when a tip of yours is decided."
            if self.enable
            else ("No more DMs about your tips; /mytips still shows their status.")
        )
        await interaction.response.edit_message(content=note, embed=embed, view=view)


class ForgetButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mytips:forget:(?P<step>ask|yes|no):(?P<user_id>\d+)",
):
    """Forget me: asks first, says what will happen, then does it."""

    LABELS = {"ask": "Forget me…", "yes": "Yes, forget me", "no": "Cancel"}
    STYLES = {
        "ask": discord.ButtonStyle.secondary,
        "yes": discord.ButtonStyle.danger,
        "no": discord.ButtonStyle.secondary,
    }

    def __init__(self, step: str, user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=self.LABELS[step],
                style=self.STYLES[step],
                custom_id=f"mytips:forget:{step}:{user_id}",
            )
        )
        self.step = step
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ForgetButton:
        return cls(match["step"], int(match["user_id"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        _require_owner(interaction, self.user_id)
        bot = Masthead.of(interaction)
        if self.step == "ask":
            view = stateless_view(
                ForgetButton("yes", self.user_id), ForgetButton("no", self.user_id)
            )
            await interaction.response.edit_message(content=FORGET_WARNING, embed=None, view=view)
            return
        if self.step == "no":
            embed, view = await my_tips_page(bot, self.user_id)
            await interaction.response.edit_message(
                content="Nothing was changed.", embed=embed, view=view
            )
            return
        async with bot.sessionmaker.begin() as session:
            forgotten = await tips.forget_user(session, self.user_id)
        bot.dispatch("tips_changed")  # cards to delete or to show without the name
        await interaction.response.edit_message(
            content=(
                f"Done. {forgotten.deleted} tip(s) deleted, {forgotten.anonymized} kept without "
                f"your name, {forgotten.votes} vote(s) deleted. Masthead keeps nothing else "
                "about you."
            ),
            embed=None,
            view=None,
        )

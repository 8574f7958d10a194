"""The /feedback embed: one line per item, the searches that found nothing, and the tips
for the next issue, within Discord's limits (description 4096, field 1024, embed 6000)."""

from __future__ import annotations

import discord

from db.repositories.feedback import Feedback, ItemFeedback
from masthead.feedback_report import tips_text
from masthead.utils.text import month_title, shown

COLOUR = discord.Colour.dark_teal()
# Room left for the title, two fields and the footer under the embed's 6000 characters.
ITEM_LINES_CHARS = 3800
FIELD_CHARS = 1024
TITLE_CHARS = 50
QUERY_CHARS = 80
LEGEND = "👍 Helpful · 👎 Not helpful · 🔎 /item opens · 📄 Full text opens"


def _item_line(item: ItemFeedback) -> str:
    return (
        f"**{item.number}.** {shown(item.title, TITLE_CHARS)} — 👍 {item.helpful} · "
        f"👎 {item.not_helpful} · 🔎 {item.item_opens} · 📄 {item.full_text_opens}"
    )


def _item_lines(items: list[ItemFeedback]) -> str:
    """As many item lines as fit; the rest are counted (the terminal report has all)."""
    lines: list[str] = [LEGEND]
    used = len(LEGEND)
    for n, item in enumerate(items):
        line = _item_line(item)
        rest = len(items) - n
        more = f"… and {rest} more items: `python bot.py feedback` lists them all."
        if used + 1 + len(line) + 1 + len(more) > ITEM_LINES_CHARS:
            lines.append(more)
            break
        lines.append(line)
        used += 1 + len(line)
    if not items:
        lines.append("This issue has no items.")
    return "\n".join(lines)


def _searches(report: Feedback) -> str:
    if not report.missed_searches:
        return "None counted."
    lines = [f"`{n:>4}×` {shown(query, QUERY_CHARS)}" for query, n in report.missed_searches]
    return "\n".join(lines)[:FIELD_CHARS]


def feedback_embed(report: Feedback, *, chart: str | None) -> discord.Embed:
    issue = report.issue
    embed = discord.Embed(
        title=f"Feedback: {issue.title}"[:256],
        description=_item_lines(report.items),
        colour=COLOUR,
    )
    embed.add_field(
        name="Searches that found nothing (while this issue was the latest)",
        value=_searches(report),
        inline=False,
    )
    embed.add_field(
        name=f"Tips for {month_title(report.tips_month)}",
        value=tips_text(report),
        inline=False,
    )
    if chart is not None:
        embed.set_image(url=f"attachment://{chart}")
    embed.set_footer(text="Opens and searches are written every few seconds, for all servers.")
    return embed

"""Showing what a reader typed: as text, never as markdown or a ping."""

from __future__ import annotations

import functools
from datetime import datetime

import discord


def shown(text: str, limit: int | None = None) -> str:
    """Reader text made inert for Discord: markdown escaped (a masked link shows as its
    brackets), mentions broken, cut to `limit` characters."""
    inert = discord.utils.escape_mentions(discord.utils.escape_markdown(text))
    if limit is not None and len(inert) > limit:
        inert = inert[: limit - 1].rstrip("\\") + "…"
    return inert


@functools.lru_cache(maxsize=256)
def month_title(month: str) -> str:
    """`2024-01` → `January 2024`."""
    return datetime.strptime(month, "%Y-%m").strftime("%B %Y")

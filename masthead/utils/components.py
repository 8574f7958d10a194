"""Message components that need no view kept in memory after they are sent."""

from __future__ import annotations

from typing import Any

import discord


def stateless_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A view of DynamicItems and link buttons, already stopped.

    Every interactive component Masthead sends is a DynamicItem: its custom id carries
    its record, and the bot routes clicks by that id (`add_dynamic_items`), so the view
    object is never needed again. discord.py would otherwise keep each sent view in its
    store, and an ephemeral one with a 15-minute timeout task: memory and timers held for
    every /latest or /item answer. A finished view is sent and then dropped.
    """
    view = discord.ui.View(timeout=None)
    for item in items:
        if item.is_dispatchable() and not isinstance(item, discord.ui.DynamicItem):
            raise TypeError(f"{item!r} would need its view kept: use a DynamicItem")
        view.add_item(item)
    view.stop()
    return view

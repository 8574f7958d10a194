"""stateless_view: only components that route by custom id may go in a dropped view.

Async because discord.py gives a view its stop future only inside a running loop.
"""

from __future__ import annotations

import discord
import pytest

from cogs.items._cards import FullTextButton
from masthead.utils.components import stateless_view


async def test_a_plain_button_is_refused_because_its_callback_would_be_lost() -> None:
    with pytest.raises(TypeError, match="DynamicItem"):
        stateless_view(discord.ui.Button(label="Click", custom_id="plain"))


async def test_dynamic_items_and_links_are_sent_from_a_finished_view() -> None:
    view = stateless_view(
        FullTextButton(1, 0), discord.ui.Button(label="Jump", url="https://discord.com/")
    )
    assert view.is_finished()
    assert [c["type"] for c in view.to_components()[0]["components"]] == [2, 2]

"""A crash between Discord accepting a part and the bot recording it, then a long outage."""

from __future__ import annotations

from typing import Any

import pytest

from cogs.issues import _delivery
from fakediscord import FakeDiscord
from masthead.bot import Masthead
from tests.cogs.conftest import import_and_publish, make_world, subscribe, wait_delivered
from tests.cogs.test_publishing import sample_parts


async def test_part_sent_but_not_recorded_is_found_not_reposted(
    fake_discord: FakeDiscord, masthead: Masthead, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(fake_discord)
    await subscribe(fake_discord, world)
    # The outage outlasts Discord's nonce memory: only the history check can help now.
    fake_discord.state.nonce_window = 0.0
    record = _delivery.deliveries.record_part_sent
    calls = 0

    async def crash_on_third(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            monkeypatch.setattr(_delivery.deliveries, "record_part_sent", record)
            raise RuntimeError("killed after Discord accepted the part")
        return await record(*args, **kwargs)

    monkeypatch.setattr(_delivery.deliveries, "record_part_sent", crash_on_third)
    await import_and_publish(masthead)
    await fake_discord.wait_until(lambda: calls >= 3, "the simulated crash")
    masthead.issues_changed()

    parts = len(sample_parts())
    header, posted = await wait_delivered(fake_discord, world.news, parts - 1)
    titles = [m.embeds[0].get("title") for m in posted]
    assert len(header) == 1
    assert len(titles) == len(set(titles)) == parts - 1, titles

"""The review outbox after a crash between Discord accepting a message and the bot
recording it, once Discord has forgotten the nonce (a long outage): what was sent is
found in the channel's history, never sent twice. The "crash" is the recording failing
once in-process (the outbox's pass fails and is retried, as after a restart); the same
for a real SIGKILL is in test_tips_restart.py."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from cogs.review import _outbox
from db.models import Tip, TipEvent
from db.states import DmStatus
from fakediscord import Channel, FakeDiscord, Message
from masthead.bot import Masthead
from tests.cogs.helpers import World
from tests.cogs.tip_helpers import (
    buttons,
    decide,
    fields,
    review_channel,
    send_tip,
    wait_card,
    wait_field,
)

MESSAGES = "/channels/{channel_id}/messages"


def fail_once(monkeypatch: pytest.MonkeyPatch, name: str, when: Callable[..., bool]) -> list[int]:
    """Make `tips.<name>` fail once, the first time `when(*args)` holds, as if the bot died
    right after Discord accepted what it records. Returns the calls that failed."""
    real = getattr(_outbox.tips, name)
    failed: list[int] = []

    async def crash(*args: Any, **kwargs: Any) -> Any:
        if not failed and when(*args, **kwargs):
            failed.append(1)
            raise RuntimeError("killed after Discord accepted it")
        return await real(*args, **kwargs)

    monkeypatch.setattr(_outbox.tips, name, crash)
    # The retry comes after the back-off (2 s), at the next poll: keep that one short.
    monkeypatch.setattr(_outbox, "POLL_SECONDS", 0.2)
    return failed


async def _dm_status(bot: Masthead, action: str) -> DmStatus:
    async with bot.sessionmaker() as session:
        stmt = select(TipEvent.dm_status).where(TipEvent.action == action)
        status: DmStatus = (await session.execute(stmt)).scalar_one()
        return status


async def _lose_a_card(
    fake: FakeDiscord, world: World, monkeypatch: pytest.MonkeyPatch, channel: Channel
) -> Message:
    """A tip whose card Discord took in `channel` but the bot failed to record, once
    Discord has forgotten its nonce; the outbox retries after its back-off."""
    fake.state.nonce_window = 0.0
    failed = fail_once(monkeypatch, "record_card", lambda *_a, **_k: True)
    await send_tip(fake, world)
    await fake.wait_until(lambda: failed, "the card to be posted and its record to fail")
    [card] = fake.messages(channel)
    return card


async def _posts_to(fake: FakeDiscord, channel_id: int) -> int:
    path = f"/channels/{channel_id}/messages"
    return len([r for r in fake.requests_to("POST", MESSAGES) if r.path == path])


async def test_a_decision_dm_sent_but_not_recorded_is_not_sent_again(
    fake_discord: FakeDiscord, masthead: Masthead, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_discord
    review = await review_channel(fake, world)
    await send_tip(fake, world)
    [card] = await wait_card(fake, review)
    fake.state.nonce_window = 0.0  # the retry comes after Discord forgot the nonce
    failed = fail_once(monkeypatch, "set_dm_status", lambda _s, _e, status: status == "sent")
    approved = await decide(fake, card, "Approve", world.moderator, reason="Great find")
    assert approved.type == 7, approved.content

    await fake.wait_until(lambda: failed, "the DM to be sent and its record to fail")
    for _ in range(100):  # the outbox's next pass, after its back-off
        if await _dm_status(masthead, "approved") is DmStatus.SENT:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the DM was never recorded")
    [dm] = fake.dms(world.reader)
    assert "was approved" in dm.content and "Great find" in dm.content, dm.content
    assert await _posts_to(fake, dm.channel_id) == 1  # found, not sent a second time
    assert not fake.unexpected_violations()


async def test_a_card_lost_in_a_channel_changed_during_the_outage_is_replaced_once(
    fake_discord: FakeDiscord, masthead: Masthead, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The card went out in the old review channel, unrecorded; before the retry a
    moderator set another channel. The lost card is found and recorded where it is, so
    it is deleted once the new channel has the tip's card: one card in all."""
    fake = fake_discord
    old = await review_channel(fake, world)
    lost = await _lose_a_card(fake, world, monkeypatch, old)
    new = await review_channel(fake, world, "review-2")
    [card] = await fake.wait_until(lambda: fake.messages(new), "the new card", slow=True)

    def gone() -> bool:
        return not fake.messages(old)

    await fake.wait_until(gone, "the card in the old channel to be deleted")
    assert await _posts_to(fake, old.id) == 1
    assert card.embeds[0]["footer"] == lost.embeds[0]["footer"]
    async with masthead.sessionmaker() as session:
        tip = (await session.execute(select(Tip))).scalar_one()
    assert (tip.review_channel_id, tip.review_message_id) == (new.id, card.id)
    assert (tip.card_sending_channel_id, tip.card_sending_at) == (None, None)
    assert fields(card)["Status"].startswith("⏳"), fields(card)
    assert not fake.unexpected_violations()


async def test_a_lost_card_of_a_tip_decided_before_the_retry_shows_the_decision(
    fake_discord: FakeDiscord, masthead: Masthead, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The card went out, unrecorded, and a moderator rejected the tip from /review
    before the outbox came back: the card is found and edited, not left showing
    "pending" with live buttons, and not posted again."""
    fake = fake_discord
    review = await review_channel(fake, world)
    card = await _lose_a_card(fake, world, monkeypatch, review)

    queue = await fake.run_command(world.guild, world.news, world.moderator, "review")
    assert queue.message is not None, queue.content
    opened = await fake.click(queue.message, buttons(queue.message)["Reject"], world.moderator)
    assert opened.modal is not None, opened.content
    rejected = await fake.submit_modal(opened, {"reason": "Old news"})
    assert rejected.type == 7, rejected.content

    await wait_field(fake, card, "Status", "Rejected by")
    assert fields(card)["Reason"] == "Old news"
    assert "Change decision" in buttons(card) and "Reject" not in buttons(card)
    assert await _posts_to(fake, review.id) == 1
    for _ in range(100):  # the edit is recorded just after Discord took it
        async with masthead.sessionmaker() as session:
            tip = (await session.execute(select(Tip))).scalar_one()
        if tip.card_posted_revision == tip.card_revision:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the card's edit was never recorded")
    assert (tip.review_channel_id, tip.review_message_id) == (review.id, card.id)
    assert (tip.card_sending_channel_id, tip.card_sending_at) == (None, None)
    assert not fake.unexpected_violations()

"""The whole path of a tip, end to end: /tip, its modal and receipt, the review card,
a refused reader, an approval, a rejection with a reason, and a changed decision."""

from __future__ import annotations

from datetime import UTC, datetime

from fakediscord import FakeDiscord
from masthead.bot import Masthead
from tests.cogs.helpers import World
from tests.cogs.tip_helpers import (
    audit,
    buttons,
    decide,
    fields,
    review_channel,
    send_tip,
    stored_tips,
    wait_card,
    wait_field,
)


async def test_a_tip_from_form_to_changed_decision(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    fake = fake_discord
    review = await review_channel(fake, world)

    receipt = await send_tip(
        fake, world, link="https://example.com/farm?utm_source=x", why="A first for the city."
    )
    [tip] = await stored_tips(masthead)
    assert receipt.ephemeral
    # No issue is published yet, so the tip is for this month's issue.
    this_month = datetime.now(UTC)
    assert tip.for_month == this_month.strftime("%Y-%m")
    assert f"#{tip.id}" in receipt.content
    assert this_month.strftime("%B %Y") in receipt.content
    [card] = await wait_card(fake, review)
    assert card.embeds[0]["title"] == "Shanghai opens Asia's largest vertical farm"
    assert fields(card)["Sent by"] == f"<@{world.reader.id}>"
    assert fields(card)["Votes"] == "1"
    assert list(buttons(card)) == ["Approve", "Shortlist", "Reject"]

    # A plain reader's click is refused, and the card stays as it was.
    before = (card.embeds, card.components)
    refused = await decide(fake, card, "Approve", world.reader)
    assert refused.ephemeral and "Only moderators" in refused.content
    assert (card.embeds, card.components) == before

    approved = await decide(fake, card, "Approve", world.moderator, reason="Great find")
    assert approved.type == 7  # the card itself was edited in the answer
    assert fields(card)["Status"].startswith(f"Approved by <@{world.moderator.id}>")
    assert fields(card)["Note"] == "Great find"
    assert list(buttons(card)) == ["Change decision", "Credit…"]
    dm = await fake.wait_until(lambda: fake.dms(world.reader), "a DM to the tipster")
    assert "approved" in dm[0].content and "Great find" in dm[0].content

    panel = await fake.click(card, buttons(card)["Change decision"], world.moderator)
    assert panel.ephemeral and panel.message is not None
    assert list(buttons(panel.message)) == ["Shortlist", "Reject"]
    rejected = await decide(fake, panel.message, "Reject", world.moderator, reason="Old news")
    assert "Rejected" in rejected.content
    await wait_field(fake, card, "Status", "Rejected by")
    assert fields(card)["Reason"] == "Old news"

    trail = await audit(masthead, tip.id)
    assert trail == [
        ("submitted", world.reader.id, None),
        ("approved", world.moderator.id, "Great find"),
        ("rejected", world.moderator.id, "Old news"),
    ]
    dms = await fake.wait_until(lambda: len(fake.dms(world.reader)) == 2 and fake.dms(world.reader))
    assert "not taken" in dms[1].content and "Old news" in dms[1].content
    assert not fake.unexpected_violations()


async def test_a_rejection_needs_a_real_reason_and_shows_it_inert(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    review = await review_channel(fake_discord, world)
    await send_tip(fake_discord, world)
    [card] = await wait_card(fake_discord, review)
    blank = await decide(fake_discord, card, "Reject", world.moderator, reason="   \u200b ")
    assert blank.ephemeral and "needs a reason" in blank.content
    assert list(buttons(card)) == ["Approve", "Shortlist", "Reject"]  # still pending
    hostile = f"@everyone see [here](https://evil.example) <@&{world.mod_role.id}>"
    await decide(fake_discord, card, "Reject", world.moderator, reason=hostile)
    reason = fields(card)["Reason"]
    assert "@\u200beveryone" in reason and "\\[here](" in reason
    assert not card.mention_everyone and not card.mention_roles

"""Tipsters credited: an approved tip that an issue took up becomes used, its card says
where, its tipster gets a DM with a link to the item, and nobody is credited twice."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import TipEvent
from fakediscord import FakeDiscord
from masthead.bot import Masthead
from masthead.importing import publish, store_document
from newsletter.document import IssueDocument, Item
from tests.cogs.helpers import World, subscribe, wait_delivered
from tests.cogs.tip_helpers import (
    buttons,
    decide,
    fields,
    review_channel,
    send_tip,
    stored_tips,
    wait_card,
    wait_field,
)

STORY = "https://news.example/ningbo-port"


def issue_taking_up(link: str) -> IssueDocument:
    items = (
        Item(1, "Hainan opens a free-trade port", "Hainan opened it. More.", "Hainan opened it."),
        Item(2, "Ningbo port handles record cargo", "Ningbo did. Yes.", "Ningbo did.", url=link),
    )
    return IssueDocument("This Month in China", "2024-01", "January 2024", None, items)


async def store_and_publish(bot: Masthead, document: IssueDocument) -> None:
    async with bot.sessionmaker.begin() as session:
        issue, _ = await store_document(session, document)
        await publish(session, issue)
    bot.dispatch("issues_changed")


async def test_an_approved_tip_taken_up_by_an_item_is_credited_once(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    fake = fake_discord
    await subscribe(fake, world)
    review = await review_channel(fake, world)
    await send_tip(
        fake, world, headline="Ningbo's port is busier than ever", link=f"{STORY}?utm_source=tw"
    )
    [card] = await wait_card(fake, review)
    await decide(fake, card, "Approve", world.moderator)
    assert list(buttons(card)) == ["Change decision", "Credit…"]

    # The issue links the same story, with another tracking parameter.
    await store_and_publish(masthead, issue_taking_up(f"{STORY}?utm_medium=email#top"))
    await wait_field(fake, card, "Status", "Used in January 2024, item 2")
    assert buttons(card) == {}
    [tip] = await stored_tips(masthead)
    assert (tip.status.value, tip.used_item_number) == ("used", 2)

    _, posted = await wait_delivered(fake, world.news, 2)
    dms = await fake.wait_until(lambda: len(fake.dms(world.reader)) >= 2 and fake.dms(world.reader))
    used = dms[-1].content
    assert "made it into the newsletter: January 2024, item 2" in used
    item_2 = next(m for m in posted if m.embeds[0]["title"].startswith("2."))
    assert used.endswith(f"/{item_2.channel_id}/{item_2.id}")  # the jump link to the post
    page = await fake.run_command(world.guild, world.news, world.reader, "mytips")
    assert "Used in January 2024, item 2" in page.embeds[0]["description"]

    # Publishing again credits no one again.
    await store_and_publish(masthead, issue_taking_up(f"{STORY}?utm_medium=email#top"))
    async with masthead.sessionmaker() as session:
        used_events = await session.scalar(
            select(func.count()).select_from(TipEvent).where(TipEvent.action == "used")
        )
    assert used_events == 1
    assert len(fake.dms(world.reader)) == 2
    assert not fake.unexpected_violations()


async def test_an_editor_credits_by_hand_what_the_match_missed(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    fake = fake_discord
    review = await review_channel(fake, world)
    await send_tip(fake, world, headline="Something about harbours in Zhejiang")
    [card] = await wait_card(fake, review)
    await decide(fake, card, "Shortlist", world.moderator)
    await store_and_publish(masthead, issue_taking_up("https://elsewhere.example/x"))
    [tip] = await stored_tips(masthead)
    assert tip.status.value == "shortlisted"  # neither link nor title matched

    refused = await fake.click(card, buttons(card)["Credit…"], world.moderator)
    assert "Only the newsletter's editors" in refused.content
    picker = await fake.click(card, buttons(card)["Credit…"], fake.owner)
    assert picker.message is not None
    menu = picker.message.components[0]["components"][0]
    issue_id = menu["options"][0]["value"]
    items = await fake.select(picker.message, menu["custom_id"], [issue_id], fake.owner)
    assert items.message is not None
    menu = items.message.components[0]["components"][0]
    assert [o["label"] for o in menu["options"]][1].startswith("2. Ningbo port")
    done = await fake.select(items.message, menu["custom_id"], [f"{issue_id}:2"], fake.owner)
    assert "credited to January 2024, item 2" in done.content
    await wait_field(fake, card, "Status", "Used in January 2024, item 2")
    assert fields(card)["Status"].startswith("📰")

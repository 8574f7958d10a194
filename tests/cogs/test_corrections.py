"""Corrections end to end: a published issue's text replaced, the posted messages edited."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Delivery, Issue
from db.states import DeliveryStatus
from fakediscord import Channel, FakeDiscord, Message
from masthead.bot import Masthead
from masthead.importing import store_document
from newsletter import IssueDocument, Item
from newsletter.parse import parse_issue
from newsletter.render import correction_date
from tests.cogs.helpers import (
    SAMPLE,
    World,
    import_and_publish,
    issue_text,
    make_world,
    subscribe,
    wait_delivered,
)
from tests.cogs.test_issue_import import press, preview
from tests.cogs.test_publishing import sample_parts

EDIT = "/channels/{channel_id}/messages/{message_id}"
NEW_BODY = "Xiaomi's first car, the SU7, goes on sale in March 2024, not in January."
ADDED_TITLE = "8. Shenzhen opens a bridge to Zhongshan"


def edits(fake: FakeDiscord, message: Message, *, since: float = 0.0) -> int:
    """Edits Discord made to a message (a request cut off by a crash edits nothing)."""
    return sum(
        1
        for r in fake.requests_to("PATCH", EDIT, since=since)
        if r.path.endswith(f"/{message.id}") and 200 <= r.status < 300
    )


def thread_of(fake: FakeDiscord, world: World) -> Channel:
    threads = fake.threads(world.news)
    assert len(threads) == 1
    return threads[0]


def posted(fake: FakeDiscord, world: World) -> list[Message]:
    """Header, then every post in the issue's thread, in order."""
    return fake.messages(world.news) + fake.messages(thread_of(fake, world))


def titled(messages: list[Message], prefix: str) -> list[Message]:
    return [m for m in messages if m.embeds and m.embeds[0].get("title", "").startswith(prefix)]


def sample() -> IssueDocument:
    return parse_issue(SAMPLE.read_bytes())


def corrected(document: IssueDocument, **bodies: str) -> IssueDocument:
    """The document with items' text replaced ({"item3": "…"}), summaries too."""
    wanted = {int(key.removeprefix("item")): body for key, body in bodies.items()}
    items = tuple(
        dataclasses.replace(i, body=wanted[i.number], summary=wanted[i.number])
        if i.number in wanted
        else i
        for i in document.items
    )
    return dataclasses.replace(document, items=items)


def with_item_8(document: IssueDocument) -> IssueDocument:
    item = Item(
        8,
        ADDED_TITLE.removeprefix("8. "),
        "The bridge cuts the trip to half an hour. Ferries keep running.",
        "The bridge cuts the trip to half an hour.",
    )
    return dataclasses.replace(document, items=(*document.items, item))


async def correct(bot: Masthead, document: IssueDocument) -> str:
    """Replace the stored text as `import --replace` does, and tell the bot."""
    async with bot.sessionmaker.begin() as session:
        _, outcome = await store_document(session, document, replace=True)
    bot.dispatch("issues_changed")
    return outcome


async def wait_corrected(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Until every delivery that was done shows its issue's latest revision."""
    deadline = time.monotonic() + 60
    stmt = select(Delivery.status, Delivery.revision, Issue.revision).join(
        Issue, Issue.id == Delivery.issue_id
    )
    while True:
        async with sessionmaker() as session:
            rows = (await session.execute(stmt)).all()
        if rows and all(
            status == DeliveryStatus.FAILED or (status == DeliveryStatus.DONE and shown == latest)
            for status, shown, latest in rows
        ):
            return
        assert time.monotonic() < deadline, f"corrections not done: {rows}"
        await asyncio.sleep(0.05)


async def deliver_sample(fake: FakeDiscord, bot: Masthead, worlds: list[World]) -> None:
    for world in worlds:
        await subscribe(fake, world)
    await import_and_publish(bot)
    for world in worlds:
        await wait_delivered(fake, world.news, len(sample_parts()) - 1)


async def test_a_correction_edits_what_changed_and_posts_the_added_item_last(
    fake_discord: FakeDiscord, masthead: Masthead
) -> None:
    worlds = [make_world(fake_discord, f"Server {n}") for n in range(2)]
    await deliver_sample(fake_discord, masthead, worlds)
    before = {w.guild.id: posted(fake_discord, w) for w in worlds}
    old = await fake_discord.run_command(
        worlds[0].guild, worlds[0].news, worlds[0].reader, "item", number=3
    )
    assert NEW_BODY not in str(old.embeds)
    since = time.time()

    assert await correct(masthead, with_item_8(corrected(sample(), item3=NEW_BODY))) == "replaced"

    # Readers are served the corrected text at once, before any message is edited.
    card = await fake_discord.run_command(
        worlds[0].guild, worlds[0].news, worlds[0].reader, "item", number=3
    )
    assert NEW_BODY in card.embeds[0]["description"]
    latest = await fake_discord.run_command(
        worlds[0].guild, worlds[0].news, worlds[0].reader, "latest"
    )
    assert "Shenzhen opens a bridge" in str(latest.embeds)

    await wait_corrected(masthead.sessionmaker)
    for world in worlds:
        messages = posted(fake_discord, world)
        header, item3 = messages[0], titled(messages, "3. ")[0]
        assert edits(fake_discord, header) == edits(fake_discord, item3) == 1
        assert item3.embeds[0]["description"] == NEW_BODY
        assert "Corrected on" in header.embeds[0]["footer"]["text"]
        assert ADDED_TITLE in header.embeds[0]["description"]
        # The added item comes last, after the extra already posted; nothing moved.
        assert messages[:-1] == before[world.guild.id]
        assert len(titled(messages, "8. ")) == 1 and messages[-1].embeds[0]["title"] == ADDED_TITLE
        assert messages[-2].embeds[0]["title"].startswith("Recommended interview")
        for message in messages[1:]:
            if message not in (item3,):
                assert edits(fake_discord, message) == 0, message.embeds[0]["title"]
    assert fake_discord.requests_to("DELETE", EDIT, since=since) == []
    for edit in fake_discord.requests_to("PATCH", EDIT, since=since):
        assert edit.body["allowed_mentions"] == {"parse": []}


async def test_reimporting_the_same_text_touches_nothing(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await deliver_sample(fake_discord, masthead, [world])
    since = time.time()
    assert await correct(masthead, sample()) == "unchanged"
    await asyncio.sleep(0.5)  # a worker pass, woken by the event
    async with masthead.sessionmaker() as session:
        revisions = (await session.execute(select(Issue.revision))).scalars().all()
    assert revisions == [1]
    touched = [r for r in fake_discord.requests if r.time >= since and r.method != "GET"]
    assert [r for r in touched if "/messages" in r.path and "interactions" not in r.path] == []


async def test_a_removed_item_is_edited_to_say_it_was_withdrawn(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await deliver_sample(fake_discord, masthead, [world])
    # The date shown is the TIMEZONE setting's: a zone whose date differs from UTC's now.
    zone = ZoneInfo("Pacific/Kiritimati" if datetime.now(UTC).hour >= 11 else "Etc/GMT+12")
    masthead.settings = dataclasses.replace(masthead.settings, timezone=zone)
    document = sample()
    await correct(masthead, dataclasses.replace(document, items=document.items[:6]))
    await wait_corrected(masthead.sessionmaker)
    async with masthead.sessionmaker() as session:
        corrected_at = (await session.execute(select(Issue.corrected_at))).scalar_one()
    assert corrected_at is not None
    day = correction_date(corrected_at.astimezone(zone).date())
    messages = posted(fake_discord, world)
    assert messages[0].embeds[0]["footer"]["text"].endswith(f"Corrected on {day}")
    withdrawn = titled(messages, "Item 7 — withdrawn")
    assert len(withdrawn) == 1 and edits(fake_discord, withdrawn[0]) == 1
    assert f"withdrawn from the issue (corrected on {day})" in withdrawn[0].embeds[0]["description"]
    assert withdrawn[0].components == []  # its votes went with the item
    assert "7. " not in messages[0].embeds[0]["description"]
    assert [edits(fake_discord, m) for m in messages] == [1, 0, 0, 0, 0, 0, 0, 1, 0]


async def test_a_message_deleted_by_a_moderator_is_skipped_and_reported(
    fake_discord: FakeDiscord, masthead: Masthead
) -> None:
    gone, kept = make_world(fake_discord, "Deleted"), make_world(fake_discord, "Kept")
    await deliver_sample(fake_discord, masthead, [gone, kept])
    deleted = titled(posted(fake_discord, gone), "3. ")[0]
    fake_discord.delete_message(deleted)

    await correct(masthead, corrected(sample(), item3=NEW_BODY))
    await wait_corrected(masthead.sessionmaker)

    assert titled(posted(fake_discord, kept), "3. ")[0].embeds[0]["description"] == NEW_BODY
    assert edits(fake_discord, posted(fake_discord, gone)[0]) == 1  # its header still is
    shown = await fake_discord.run_command(gone.guild, gone.news, gone.moderator, "setup", "show")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    thread = thread_of(fake_discord, gone)
    assert fields["Not corrected (deleted by a moderator)"] == (
        f"item 3 of December 2023 in <#{thread.id}>"
    )
    assert "Delivery failures" not in fields
    # A later correction does not try the deleted message again.
    attempts = len(
        [r for r in fake_discord.requests_to("PATCH", EDIT) if str(deleted.id) in r.path]
    )
    await correct(masthead, corrected(sample(), item3=NEW_BODY + " Updated again."))
    await wait_corrected(masthead.sessionmaker)
    assert attempts == 1
    assert attempts == len(
        [r for r in fake_discord.requests_to("PATCH", EDIT) if str(deleted.id) in r.path]
    )


async def test_two_corrections_in_a_row_edit_each_message_at_most_once_more(
    fake_discord: FakeDiscord, masthead: Masthead
) -> None:
    worlds = [make_world(fake_discord, f"Server {n}") for n in range(10)]
    await deliver_sample(fake_discord, masthead, worlds)
    first, second = "A first correction.", "The second correction wins."
    fake_discord.slow(0.3, method="PATCH", route=EDIT)
    started = time.time()
    await correct(masthead, corrected(sample(), item3=first))
    await fake_discord.wait_until(
        lambda: any(
            200 <= r.status < 300 for r in fake_discord.requests_to("PATCH", EDIT, since=started)
        ),
        "the first edit",
    )
    await correct(masthead, corrected(sample(), item3=second, item4=second))
    await wait_corrected(masthead.sessionmaker)

    once = 0
    for world in worlds:
        messages = posted(fake_discord, world)
        item3, item4 = titled(messages, "3. ")[0], titled(messages, "4. ")[0]
        assert item3.embeds[0]["description"] == item4.embeds[0]["description"] == second
        assert edits(fake_discord, item4) == 1
        for message in (messages[0], item3):
            # At most once per correction: never twice to the same text.
            texts = [
                json.dumps(r.body["embeds"], sort_keys=True)
                for r in fake_discord.requests_to("PATCH", EDIT)
                if r.path.endswith(f"/{message.id}") and 200 <= r.status < 300
            ]
            assert len(texts) == len(set(texts)) <= 2
        once += edits(fake_discord, item3) == 1
        assert all(
            edits(fake_discord, m) == 0 for m in messages if m not in (messages[0], item3, item4)
        )
    # Edits not yet made when the second correction came went straight to its text.
    assert once > 0


async def test_confirm_in_issue_import_previews_the_changes_then_corrects(
    fake_discord: FakeDiscord, masthead: Masthead, world: World, tmp_path: Path
) -> None:
    await subscribe(fake_discord, world)
    bodies = {
        "Solar farms spread across Gansu": "Gansu added solar panels. Officials expect more.",
        "Beijing opens a new subway line": "The line links the airport. It cuts the trip.",
    }
    original = tmp_path / "2024-01.txt"
    original.write_text(issue_text(bodies=bodies), encoding="utf-8")
    await import_and_publish(masthead, original)
    await wait_delivered(fake_discord, world.news, 2)

    bodies["Beijing opens a new subway line"] = (
        "The line opens in June. It cuts the trip to twenty minutes."
    )
    bodies["Shanghai tests flying taxis"] = (
        "Two companies fly test routes. Flights start next year."
    )
    result = await preview(fake_discord, world, issue_text(bodies=bodies).encode())
    fields = {f["name"]: f["value"] for f in result.embeds[0]["fields"]}
    assert fields["Changes from the stored text"] == (
        "Items changed: 2\nItems added: 3\nItems removed: none\nEditorial: unchanged"
    )
    assert "published: Confirm corrects it" in fields["Note"] and "1 channel(s)" in fields["Note"]

    confirmed = await press(fake_discord, result, "Confirm")
    assert "being corrected" in str(confirmed.embeds)
    await wait_corrected(masthead.sessionmaker)
    messages = posted(fake_discord, world)
    assert [m.embeds[0]["title"] for m in messages[1:]] == [
        "1. Solar farms spread across Gansu",
        "2. Beijing opens a new subway line",
        "3. Shanghai tests flying taxis",
    ]
    assert messages[2].embeds[0]["description"].startswith("The line opens in June.")
    assert [edits(fake_discord, m) for m in messages] == [1, 0, 1, 0]

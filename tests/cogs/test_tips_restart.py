"""Tips and their review cards when the real `python bot.py` is killed with SIGKILL at the
moments that matter (after a restart every button still works, a committed tip is never
lost nor doubled, its card is posted once), and two moderators deciding one tip at once.

How the emulator treats a request held by `fake.slow(...)` whose client dies: the delay
runs before the request body is read, and aiohttp fails that read with "Connection lost"
once the client is gone, so the request is dropped (logged with status 499) and never
takes effect. A kill while a request is held is therefore always a kill *before* Discord
acted on it. The case *after* Discord acted (the card exists, the bot had not recorded
it) is reached by holding the bot's own database write instead (see `_holding_tip`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.engine import create_engine, create_sessionmaker
from db.models import Tip, TipEvent
from fakediscord import BotProcess, Channel, FakeDiscord, Message, RequestRecord
from fakediscord.interactions import MODAL_SUBMIT, Interaction
from masthead.bot import Masthead
from tests.cogs.helpers import World, make_world
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

ROOT = Path(__file__).resolve().parents[2]
BOT = str(ROOT / "bot.py")
COMMANDS = ("setup", "tip", "review")
MESSAGES = "/channels/{channel_id}/messages"
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
FARM = "Shanghai opens Asia's largest vertical farm"
SUBWAY = "Chengdu metro adds three driverless lines"

Spawn = Callable[..., Awaitable[BotProcess]]


@pytest.fixture
async def db_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The test's own engine on the bot process's database (the bot migrates it)."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def db(db_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(db_engine)


async def _start(
    fake: FakeDiscord, bot_process: Spawn, database_url: str, tmp_path: Path
) -> tuple[World, BotProcess, Channel]:
    world = make_world(fake)
    proc = await bot_process(
        (BOT,), env={"DATABASE_URL": database_url}, cwd=tmp_path, commands=COMMANDS
    )
    return world, proc, await review_channel(fake, world)


async def _serving(fake: FakeDiscord, world: World, review: Channel) -> int:
    """Once a first tip's card is posted: the outbox runs (it waits for the bot to be
    ready, two seconds after the last guild arrived). Returns the card posts so far."""
    await send_tip(fake, world, world.moderator, headline=SUBWAY)
    await fake.wait_until(lambda: _cards(fake, review, 1), "the first card", slow=True)
    return len(_card_posts(fake, review))


async def _restart(fake: FakeDiscord, proc: BotProcess) -> None:
    await proc.start(fake)
    await proc.wait_ready(fake)


async def _tips(db: async_sessionmaker[AsyncSession]) -> list[Tip]:
    async with db() as session:
        return list((await session.execute(select(Tip).order_by(Tip.id))).scalars())


async def _tip(db: async_sessionmaker[AsyncSession], headline: str) -> Tip | None:
    """The one tip with this headline (none yet: None); never two."""
    found = [tip for tip in await _tips(db) if tip.headline == headline]
    assert len(found) <= 1, found
    return found[0] if found else None


async def _events(db: async_sessionmaker[AsyncSession], tip_id: int) -> list[str]:
    async with db() as session:
        stmt = select(TipEvent.action).where(TipEvent.tip_id == tip_id).order_by(TipEvent.id)
        return list((await session.execute(stmt)).scalars())


async def _committed(db: async_sessionmaker[AsyncSession], headline: str) -> Tip:
    """The tip, once its row is committed (polled: the bot is another process)."""
    for _ in range(100):
        tip = await _tip(db, headline)
        if tip is not None:
            return tip
        await asyncio.sleep(0.05)
    raise AssertionError(f"the tip {headline!r} was never committed")


async def _in_flight(fake: FakeDiscord, method: str, route: str, path_part: str) -> RequestRecord:
    """The request the emulator has received and is still holding (status 0)."""

    def held() -> RequestRecord | None:
        for record in fake.requests_to(method, route):
            if path_part in record.path and record.status == 0:
                return record
        return None

    found: RequestRecord = await fake.wait_until(held, f"{method} {route} to be held")
    return found


def _cards(fake: FakeDiscord, review: Channel, tip_id: int) -> list[Message]:
    footer = f"Tip #{tip_id}"
    return [
        m
        for m in fake.messages(review)
        if m.embeds and m.embeds[0].get("footer", {}).get("text") == footer
    ]


def _card_posts(fake: FakeDiscord, review: Channel) -> list[RequestRecord]:
    path = f"/channels/{review.id}/messages"
    return [r for r in fake.requests_to("POST", MESSAGES) if r.path == path]


async def _card_recorded(
    fake: FakeDiscord, db: async_sessionmaker[AsyncSession], review: Channel, tip_id: int
) -> Message:
    """The tip's single card, once the bot recorded it: from then on the outbox never
    posts it again (cards_to_post only picks tips without a card in the channel)."""
    await fake.wait_until(lambda: _cards(fake, review, tip_id), f"the card of tip #{tip_id}")
    for _ in range(100):
        async with db() as session:
            tip = await session.get(Tip, tip_id)
        assert tip is not None
        if tip.review_message_id is not None:
            [card] = _cards(fake, review, tip_id)
            assert (tip.review_channel_id, tip.review_message_id) == (review.id, card.id)
            assert tip.card_posted_revision == tip.card_revision
            return card
        await asyncio.sleep(0.05)
    raise AssertionError(f"the card of tip #{tip_id} was never recorded")


@contextlib.asynccontextmanager
async def _holding_tip(engine: AsyncEngine, tip_id: int) -> AsyncIterator[None]:
    """Block every write to the tip's row (SQLite: the whole database) until the block
    ends; readers are not blocked on either backend."""
    async with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            await connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            await connection.execute(select(Tip.id).where(Tip.id == tip_id).with_for_update())
        try:
            yield
        finally:
            await connection.rollback()


def _unanswered_submits(fake: FakeDiscord, count: int) -> list[Interaction]:
    """The modal submits the bot has not answered yet, once there are `count` of them."""
    submits = [
        i
        for i in fake.emulator.interactions.by_id.values()
        if i.type == MODAL_SUBMIT and i.callback_type is None
    ]
    return submits if len(submits) == count else []


# 1. Buttons sent before a SIGKILL ---------------------------------------------------------


async def test_cards_and_review_buttons_work_after_sigkill(
    fake_discord: FakeDiscord, bot_process: Spawn, database_url: str, tmp_path: Path
) -> None:
    fake = fake_discord
    world, proc, review = await _start(fake, bot_process, database_url, tmp_path)
    await send_tip(fake, world, headline=FARM)
    await send_tip(fake, world, headline=SUBWAY)
    first, second = await wait_card(fake, review, 2)
    assert _cards(fake, review, 1) == [first] and _cards(fake, review, 2) == [second]
    queue = await fake.run_command(world.guild, world.news, world.moderator, "review")
    assert queue.ephemeral and queue.message is not None
    assert queue.embeds[0]["title"] == FARM  # oldest first
    assert list(buttons(queue.message)) == ["Approve", "Shortlist", "Reject", "Skip"]

    await proc.kill()
    await _restart(fake, proc)

    # The card's Approve, sent by the killed process: the modal opens, the card is edited.
    approved = await decide(fake, first, "Approve", world.moderator, reason="Great find")
    assert approved.type == 7, approved.content
    assert fields(first)["Status"].startswith(f"Approved by <@{world.moderator.id}>")
    assert fields(first)["Note"] == "Great find"
    assert "Change decision" in buttons(first) and "Approve" not in buttons(first)

    # The /review message shown before the kill: its Reject is out of date now...
    stale = await fake.click(queue.message, buttons(queue.message)["Reject"], world.moderator)
    assert stale.modal is None and stale.ephemeral
    assert "#1 was decided meanwhile" in stale.content, stale.content
    assert f"<@{world.moderator.id}>" in stale.content
    # ...its Skip moves on to the next tip, and Reject there decides it.
    skipped = await fake.click(queue.message, buttons(queue.message)["Skip"], world.moderator)
    assert skipped.type == 7, skipped.content
    assert queue.message.embeds[0]["title"] == SUBWAY
    opened = await fake.click(queue.message, buttons(queue.message)["Reject"], world.moderator)
    assert opened.modal is not None, opened.content
    rejected = await fake.submit_modal(opened, {"reason": "Old news"})
    assert rejected.type == 7, rejected.content
    assert queue.message.content.startswith(f"Tip #2: Rejected by <@{world.moderator.id}>")
    assert "No tips are waiting for review" in queue.message.content
    await wait_field(fake, second, "Status", "Rejected by")
    assert fields(second)["Reason"] == "Old news"

    assert len(fake.messages(review)) == 2  # nothing was posted twice
    assert not fake.unexpected_violations()


# 2. A SIGKILL after the commit, before the receipt ----------------------------------------


async def test_sigkill_between_commit_and_receipt_loses_no_tip(
    fake_discord: FakeDiscord,
    bot_process: Spawn,
    database_url: str,
    tmp_path: Path,
    db: async_sessionmaker[AsyncSession],
) -> None:
    fake = fake_discord
    world, proc, review = await _start(fake, bot_process, database_url, tmp_path)
    posts = await _serving(fake, world, review)
    opened = await fake.run_command(world.guild, world.news, world.reader, "tip")
    assert opened.modal is not None, opened.content

    # Hold the answer to the form and kill while it is held, right after the commit. The
    # card is held too if the outbox posts it before the kill (it is woken after the
    # answer, or by its 5 s poll): a held request whose client died is dropped, so the
    # tip and its card can only come back from the database.
    fake.slow(3.0, method="POST", route=CALLBACK, times=1)
    fake.slow(3.0, method="POST", route=MESSAGES, times=1)
    sending = asyncio.create_task(
        fake.submit_modal(opened, {"headline": FARM, "link": "", "why": ""})
    )
    try:
        receipt = await _in_flight(fake, "POST", CALLBACK, "/callback")
        tip = await _committed(db, FARM)
        assert receipt.status == 0  # still held: kill now
        await proc.kill()
    finally:
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
    fake.clear_faults()  # the card's hold, if unused, must not slow the restarted bot
    assert _cards(fake, review, tip.id) == []

    await _restart(fake, proc)
    card = await _card_recorded(fake, db, review, tip.id)
    assert card.embeds[0]["title"] == FARM
    assert fields(card)["Sent by"] == f"<@{world.reader.id}>"
    # The held answer died with its client: the reader saw "This interaction failed".
    await fake.wait_until(lambda: receipt.status == 499, "the held answer to be dropped")
    [interaction] = [
        i for i in fake.emulator.interactions.by_id.values() if f"/{i.id}/" in receipt.path
    ]
    assert interaction.callback_type is None
    # Any card post of the killed bot was dropped; the card is the restarted bot's.
    card_posts = _card_posts(fake, review)[posts:]
    await fake.wait_until(lambda: all(r.status for r in card_posts), "held posts to end")
    assert [r.status for r in card_posts][-1] == 200
    assert all(r.status == 499 for r in card_posts[:-1]), card_posts

    # So the reader sends it again: it is known, and still stored once.
    again = await send_tip(fake, world, headline=FARM)
    assert again.content.startswith(f"You already sent or backed this one: tip #{tip.id}")
    assert await _tip(db, FARM) is not None  # once, never twice
    assert len(await _tips(db)) == 2  # with the first tip, and nothing else
    assert await _events(db, tip.id) == ["submitted"]
    assert _cards(fake, review, tip.id) == [card]
    assert not fake.unexpected_violations()


# 3. A SIGKILL after the commit, before the card is recorded -------------------------------


@pytest.mark.parametrize("discord_created_it", [False, True], ids=["before-post", "after-post"])
async def test_sigkill_between_commit_and_card_posts_the_card_once(
    fake_discord: FakeDiscord,
    bot_process: Spawn,
    database_url: str,
    tmp_path: Path,
    db_engine: AsyncEngine,
    db: async_sessionmaker[AsyncSession],
    discord_created_it: bool,
) -> None:
    """before-post: killed while the card's POST is held, so Discord never creates it
    (the emulator drops a held request whose client died); the restarted bot posts it.
    after-post: Discord created the card, but the bot was killed before recording it (the
    test blocks that write); the restarted bot finds it in the channel's history (the tip
    was marked as being sent) and records it without posting again."""
    fake = fake_discord
    world, proc, review = await _start(fake, bot_process, database_url, tmp_path)
    posts = await _serving(fake, world, review)
    # Held long enough to take the lock first (after-post); kept past the kill (before-post).
    fake.slow(1.0 if discord_created_it else 3.0, method="POST", route=MESSAGES, times=1)
    receipt = await send_tip(fake, world, headline=FARM)
    assert "Thanks!" in receipt.content, receipt.content
    tip = await _committed(db, FARM)
    first_post = await _in_flight(fake, "POST", MESSAGES, f"/{review.id}/")

    if discord_created_it:
        async with _holding_tip(db_engine, tip.id):
            [posted] = await fake.wait_until(lambda: _cards(fake, review, tip.id), "the card")
            await asyncio.sleep(0.3)  # the bot has Discord's answer and waits to record it
            unrecorded = await _tip(db, FARM)
            assert unrecorded is not None and unrecorded.review_message_id is None
            await proc.kill()
        assert first_post.status == 200
    else:
        assert first_post.status == 0  # still held: kill now
        await proc.kill()
        assert _cards(fake, review, tip.id) == []  # and dropped once the hold ends
        unrecorded = await _tip(db, FARM)
        assert unrecorded is not None and unrecorded.review_message_id is None

    await _restart(fake, proc)
    card = await _card_recorded(fake, db, review, tip.id)
    if discord_created_it:
        assert card is posted
    again = _card_posts(fake, review)[posts:]
    await fake.wait_until(lambda: again[0].status != 0, "the held post to end")
    assert [r.status for r in again] == ([200] if discord_created_it else [499, 200])
    assert {r.body["nonce"] for r in again if r.body is not None} == {card.nonce}
    assert len(fake.messages(review)) == 2  # the first tip's card, and this one's
    assert not fake.unexpected_violations()


async def test_card_posted_before_a_long_outage_is_found_in_the_history(
    fake_discord: FakeDiscord,
    bot_process: Spawn,
    database_url: str,
    tmp_path: Path,
    db_engine: AsyncEngine,
    db: async_sessionmaker[AsyncSession],
) -> None:
    """Discord created the card, the bot was killed before recording it, and the bot stays
    down past Discord's nonce memory (the emulator forgets nonces at once) while people
    talk in the channel. The restarted bot finds the card in the history and records it:
    one card, and a later change to the tip edits that card."""
    fake = fake_discord
    world, proc, review = await _start(fake, bot_process, database_url, tmp_path)
    posts = await _serving(fake, world, review)
    fake.state.nonce_window = 0.0
    fake.slow(1.0, method="POST", route=MESSAGES, times=1)  # the lock is taken meanwhile
    await send_tip(fake, world, headline=FARM)
    tip = await _committed(db, FARM)
    first_post = await _in_flight(fake, "POST", MESSAGES, f"/{review.id}/")
    async with _holding_tip(db_engine, tip.id):
        [posted] = await fake.wait_until(lambda: _cards(fake, review, tip.id), "the card")
        await asyncio.sleep(0.3)  # the bot has Discord's answer and waits to record it
        await proc.kill()
    assert first_post.status == 200
    unrecorded = await _tip(db, FARM)
    assert unrecorded is not None and unrecorded.review_message_id is None
    assert unrecorded.card_sending_channel_id == review.id  # marked before it was sent
    for n in range(60):  # moderators keep talking while the bot is down
        fake.post_message(review, world.moderator, f"while the bot was down {n}")

    await _restart(fake, proc)
    card = await _card_recorded(fake, db, review, tip.id)
    assert card is posted
    assert [r.status for r in _card_posts(fake, review)[posts:]] == [200]  # never sent again
    # Recorded where it is: another reader backing the tip has that card edited.
    again = await send_tip(fake, world, world.moderator, headline=FARM)
    assert "Your vote was added" in again.content, again.content
    await wait_field(fake, card, "Votes", "1")
    assert _cards(fake, review, tip.id) == [card]
    assert not fake.unexpected_violations()


# 4. Two moderators deciding one card at the same moment (in-process) ----------------------


async def test_two_moderators_deciding_at_once_store_one_decision(
    fake_discord: FakeDiscord, masthead: Masthead, world: World, db_engine: AsyncEngine
) -> None:
    fake = fake_discord
    review = await review_channel(fake, world)
    other = fake.add_user("Readers-mod-2")
    fake.add_member(world.guild, other, [world.mod_role])
    await send_tip(fake, world, headline=FARM)
    [tip] = await stored_tips(masthead)
    [card] = await wait_card(fake, review)

    # Both see a pending tip, so both get the decision form.
    approving = await fake.click(card, buttons(card)["Approve"], world.moderator)
    rejecting = await fake.click(card, buttons(card)["Reject"], other)
    assert approving.modal is not None and rejecting.modal is not None
    # The test holds the tip's row until both submissions wait on it: the two decisions
    # then race in the database itself, not one after the other.
    async with _holding_tip(db_engine, tip.id):
        both = asyncio.gather(
            fake.submit_modal(approving, {"reason": "Great find"}),
            fake.submit_modal(rejecting, {"reason": "Old news"}),
        )
        waiting = await fake.wait_until(lambda: _unanswered_submits(fake, 2), "both submits")
        await asyncio.sleep(0.3)
        assert all(i.callback_type is None for i in waiting)  # both still deciding
    approved, rejected = await both

    outcomes = {world.moderator.id: approved, other.id: rejected}
    decisions = {world.moderator.id: ("approved", "Great find"), other.id: ("rejected", "Old news")}
    winners = [user for user, result in outcomes.items() if result.type == 7]
    assert len(winners) == 1, outcomes
    [winner] = winners
    [loser] = [user for user in outcomes if user != winner]
    action, reason = decisions[winner]
    lost = outcomes[loser]
    assert lost.ephemeral and lost.type == 4
    assert "was decided meanwhile" in lost.content, lost.content
    assert f"{action.capitalize()} by <@{winner}>" in lost.content

    assert await audit(masthead, tip.id) == [
        ("submitted", world.reader.id, None),
        (action, winner, reason),
    ]
    assert fields(card)["Status"].startswith(f"{action.capitalize()} by <@{winner}>")
    assert "Change decision" in buttons(card) and "Approve" not in buttons(card)
    [stored] = await stored_tips(masthead)
    assert (stored.status.value, stored.decided_by, stored.version) == (action, winner, 2)
    dms = await fake.wait_until(lambda: fake.dms(world.reader), "the tipster's DM")
    told = "was approved" if action == "approved" else "was not taken"
    assert len(dms) == 1 and told in dms[0].content, dms[0].content
    assert not fake.unexpected_violations()

"""The review outbox's queries and marks (db/repositories/tips.py), on every backend:
which tips get a card or an edit, and the "being sent" marks a crash leaves behind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Tip, TipEvent
from db.repositories import guilds, tips
from db.states import DmStatus, TipStatus

Sessions = async_sessionmaker[AsyncSession]
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


async def _tip(
    sessionmaker: Sessions,
    guild_id: int,
    status: TipStatus = TipStatus.PENDING,
    *,
    card: tuple[int, int] | None = None,
    revision: int = 1,
    shown: int | None = None,
) -> int:
    """A tip; `card` is the (channel, message) of its card, showing `shown`."""
    channel, message = card or (None, None)
    async with sessionmaker.begin() as session:
        tip = Tip(
            newsletter="News",
            guild_id=guild_id,
            user_id=1001,
            headline=f"Story in {guild_id} ({status.value})",
            for_month="2024-03",
            status=status,
            review_channel_id=channel,
            review_message_id=message,
            card_revision=revision,
            card_posted_revision=(revision if shown is None else shown) if card else 0,
        )
        session.add(tip)
        await session.flush()
        return tip.id


async def _review_channel(sessionmaker: Sessions, guild_id: int, channel_id: int) -> None:
    async with sessionmaker.begin() as session:
        await guilds.update_settings(session, guild_id, review_channel_id=channel_id)


async def _no_review_channel(sessionmaker: Sessions, guild_id: int) -> None:
    """A server with settings, but no review channel."""
    async with sessionmaker.begin() as session:
        await guilds.update_settings(session, guild_id, announce_channel_id=400)


async def _to_post(sessionmaker: Sessions, limit: int = 50) -> list[tuple[int, int]]:
    async with sessionmaker() as session:
        return [(t.id, c) for t, c in await tips.cards_to_post(session, limit=limit)]


async def _stored(sessionmaker: Sessions, tip_id: int) -> Tip:
    async with sessionmaker() as session:
        tip = await session.get(Tip, tip_id)
    assert tip is not None
    return tip


async def test_cards_to_post_are_the_pending_tips_of_reviewed_servers_oldest_first(
    sessionmaker: Sessions,
) -> None:
    await _review_channel(sessionmaker, 1, 100)
    await _review_channel(sessionmaker, 2, 200)
    await _review_channel(sessionmaker, 3, 300)
    async with sessionmaker.begin() as session:
        await tips.set_review_failure(session, 3, "missing permissions")
    await _no_review_channel(sessionmaker, 4)
    ids = []
    for guild in (2, 1, 9, 3, 4, 2, 1):  # 9 has no settings at all, 4 no review channel
        ids.append(await _tip(sessionmaker, guild))
    await _tip(sessionmaker, 1, TipStatus.APPROVED)
    await _tip(sessionmaker, 2, TipStatus.WITHDRAWN)
    carded = await _tip(sessionmaker, 1, card=(100, 5000))
    moved = await _tip(sessionmaker, 2, card=(999, 5001))  # the channel was changed since

    expected = [(ids[0], 200), (ids[1], 100), (ids[5], 200), (ids[6], 100), (moved, 200)]
    assert await _to_post(sessionmaker) == expected
    assert await _to_post(sessionmaker, limit=2) == expected[:2]
    assert carded not in [tip_id for tip_id, _ in await _to_post(sessionmaker)]


async def test_cards_to_edit_are_the_posted_cards_showing_an_older_revision(
    sessionmaker: Sessions,
) -> None:
    await _review_channel(sessionmaker, 1, 100)
    current = await _tip(sessionmaker, 1, card=(100, 5000), revision=3)
    stale = await _tip(sessionmaker, 1, TipStatus.APPROVED, card=(100, 5001), revision=3, shown=2)
    await _tip(sessionmaker, 1, revision=4)  # no card yet: posted, not edited
    older = await _tip(sessionmaker, 2, TipStatus.USED, card=(200, 5002), revision=2, shown=1)
    async with sessionmaker.begin() as session:
        assert [t.id for t in await tips.cards_to_edit(session)] == [stale, older]
        assert [t.id for t in await tips.cards_to_edit(session, limit=1)] == [stale]
        await tips.record_card_shown(session, stale, 3)
        assert [t.id for t in await tips.cards_to_edit(session)] == [older]
    assert (await _stored(sessionmaker, current)).card_posted_revision == 3


async def test_a_card_being_sent_keeps_its_first_mark_until_it_is_recorded(
    sessionmaker: Sessions,
) -> None:
    await _review_channel(sessionmaker, 1, 100)
    tip_id = await _tip(sessionmaker, 1)
    for minutes in (0, 7):  # a retry in the same channel: the search starts at the first
        async with sessionmaker.begin() as session:
            now = T0 + timedelta(minutes=minutes)
            await tips.mark_card_sending(session, tip_id, channel_id=100, now=now)
    stored = await _stored(sessionmaker, tip_id)
    assert (stored.card_sending_channel_id, stored.card_sending_at) == (100, T0)

    later = T0 + timedelta(hours=2)  # a new review channel: a new search from now
    async with sessionmaker.begin() as session:
        await tips.mark_card_sending(session, tip_id, channel_id=200, now=later)
    stored = await _stored(sessionmaker, tip_id)
    assert (stored.card_sending_channel_id, stored.card_sending_at) == (200, later)
    assert await _to_post(sessionmaker) == [(tip_id, 100)]  # a mark is not a card

    async with sessionmaker.begin() as session:
        await tips.record_card(session, tip_id, channel_id=100, message_id=5000, revision=1)
    stored = await _stored(sessionmaker, tip_id)
    assert (stored.card_sending_channel_id, stored.card_sending_at) == (None, None)
    assert (stored.review_channel_id, stored.review_message_id) == (100, 5000)
    assert await _to_post(sessionmaker) == []


async def test_a_dm_being_sent_keeps_its_first_mark(sessionmaker: Sessions) -> None:
    tip_id = await _tip(sessionmaker, 1, TipStatus.APPROVED)
    async with sessionmaker.begin() as session:
        event = TipEvent(tip_id=tip_id, action="approved", dm_status=DmStatus.PENDING)
        session.add(event)
        await session.flush()
        event_id = event.id
    for minutes in (0, 3):
        async with sessionmaker.begin() as session:
            now = T0 + timedelta(minutes=minutes)
            await tips.mark_dm_sending(session, event_id, now=now)
    async with sessionmaker() as session:
        stmt = select(TipEvent.dm_sending_at, TipEvent.dm_status).where(TipEvent.id == event_id)
        assert (await session.execute(stmt)).one() == (T0, DmStatus.PENDING)
        [(pending, _)] = await tips.dms_to_send(session)
    assert pending.dm_sending_at == T0  # what the outbox reads to search from


async def test_each_process_sees_only_the_outbox_work_of_its_shards(
    sessionmaker: Sessions,
) -> None:
    """Two processes with a shard each must not both post, edit or DM the same tip."""
    on_0, on_1 = 6 << 22, 5 << 22  # (guild_id >> 22) % 2: shards 0 and 1
    await _review_channel(sessionmaker, on_0, 100)
    await _review_channel(sessionmaker, on_1, 200)
    new = {g: await _tip(sessionmaker, g) for g in (on_0, on_1)}
    stale = {
        g: await _tip(sessionmaker, g, TipStatus.APPROVED, card=(9, g + 1), revision=2, shown=1)
        for g in (on_0, on_1)
    }
    lost = {g: await _tip(sessionmaker, g, TipStatus.REJECTED) for g in (on_0, on_1)}
    async with sessionmaker.begin() as session:
        for guild, tip_id in lost.items():
            await tips.mark_card_sending(session, tip_id, channel_id=guild, now=T0)
        for tip_id in stale.values():
            session.add(TipEvent(tip_id=tip_id, action="approved", dm_status=DmStatus.PENDING))

    for shard, guild in ((0, on_0), (1, on_1)):
        mine = [shard]
        async with sessionmaker() as session:
            to_post = await tips.cards_to_post(session, shard_count=2, shard_ids=mine)
            to_edit = await tips.cards_to_edit(session, shard_count=2, shard_ids=mine)
            lost_ = await tips.lost_cards(session, shard_count=2, shard_ids=mine)
            dms = await tips.dms_to_send(session, shard_count=2, shard_ids=mine)
        assert [t.id for t, _ in to_post] == [new[guild]]
        assert [t.id for t in to_edit] == [stale[guild]]
        assert [t.id for t in lost_] == [lost[guild]]
        assert [t.id for _, t in dms] == [stale[guild]]
    async with sessionmaker() as session:  # one process with every shard: all of it
        assert len(await tips.cards_to_post(session)) == 2
        assert len(await tips.cards_to_edit(session, shard_count=2, shard_ids=[0, 1])) == 2
        assert len(await tips.lost_cards(session)) == 2
        assert len(await tips.dms_to_send(session)) == 2

"""Watched feeds: entries recorded once, polls leased to one caller, first decision wins."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Feed
from db.repositories import feeds
from db.states import FeedEntryStatus
from db.types import utcnow

EDITOR = 1000


async def add_feed(
    sessionmaker: async_sessionmaker[AsyncSession], url: str = "https://example.com/feed"
) -> Feed:
    async with sessionmaker.begin() as session:
        feed, created = await feeds.watch(
            session,
            url=url,
            title="Example",
            guild_id=42,
            added_by=EDITOR,
            etag='"v1"',
            last_modified=None,
            next_poll_at=utcnow(),
        )
    assert created
    return feed


def pending(key: str) -> feeds.NewEntry:
    return feeds.NewEntry(key=key, title=key, link=None, status=FeedEntryStatus.PENDING)


async def test_watching_a_feed_again_updates_it_instead_of_adding_one(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    feed = await add_feed(sessionmaker)
    async with sessionmaker.begin() as session:
        again, created = await feeds.watch(
            session,
            url="https://example.com/feed",
            title="Renamed",
            guild_id=None,
            added_by=7,
            etag=None,
            last_modified=None,
            next_poll_at=utcnow(),
        )
    assert not created and again.id == feed.id
    assert (again.title, again.guild_id, again.added_by) == ("Renamed", None, 7)


async def test_two_servers_adding_one_feed_at_once_both_succeed(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # Neither has seen the other's row: the second waits for the first and takes the feed
    # over, as if it had come second, instead of failing on the unique URL.
    async def watch(session: AsyncSession, guild_id: int) -> tuple[Feed, bool]:
        return await feeds.watch(
            session,
            url="https://example.com/feed",
            title=f"From {guild_id}",
            guild_id=guild_id,
            added_by=EDITOR,
            etag=None,
            last_modified=None,
            next_poll_at=utcnow(),
        )

    async with sessionmaker() as first, sessionmaker() as second:
        _, first_created = await watch(first, 1)

        async def later() -> bool:
            _, created = await watch(second, 2)
            await second.commit()
            return created

        waiting = asyncio.create_task(later())
        await asyncio.sleep(0.2)  # the second now waits for the first's row
        await first.commit()
        second_created = await asyncio.wait_for(waiting, timeout=10)
    assert (first_created, second_created) == (True, False)
    async with sessionmaker() as session:
        [feed] = (await session.execute(select(Feed))).scalars().all()
    assert (feed.guild_id, feed.title) == (2, "From 2")


async def test_an_entry_is_recorded_once(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    feed = await add_feed(sessionmaker)
    async with sessionmaker.begin() as session:
        assert await feeds.add_entries(session, feed.id, [pending("a"), pending("b")]) == 2
    async with sessionmaker.begin() as session:
        assert await feeds.add_entries(session, feed.id, [pending("b"), pending("c")]) == 1
        assert await feeds.known_keys(session, feed.id, ["a", "c", "d"]) == {"a", "c"}
        todo = await feeds.previews_to_send(session)
    assert [entry.title for entry, _ in todo] == ["a", "b", "c"]


async def test_a_long_url_is_a_unique_feed(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    url = "https://example.com/" + "新" * 2000  # over PostgreSQL's index entry size as text
    feed = await add_feed(sessionmaker, url[:2048])
    assert feed.url_key == feeds.url_key(url[:2048])


async def test_a_due_feed_is_leased_to_one_caller(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await add_feed(sessionmaker)
    now = utcnow()
    async with sessionmaker.begin() as session:
        first = await feeds.claim_due(session, now, now + timedelta(minutes=1))
    async with sessionmaker.begin() as session:
        second = await feeds.claim_due(session, now, now + timedelta(minutes=1))
    assert len(first) == 1 and second == []


async def test_the_first_decision_wins(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    feed = await add_feed(sessionmaker)
    entry = feeds.NewEntry("a", "A", None, FeedEntryStatus.PENDING, document='{"x": 1}')
    async with sessionmaker.begin() as session:
        await feeds.add_entries(session, feed.id, [entry])
        (row,) = await feeds.entries_of(session, feed.id)
    async with sessionmaker.begin() as session:
        assert await feeds.decide(session, row.id, FeedEntryStatus.PUBLISHED, EDITOR) == '{"x": 1}'
    async with sessionmaker.begin() as session:
        assert await feeds.decide(session, row.id, FeedEntryStatus.DISCARDED, EDITOR) is None
        # A preview recorded as sent after the decision keeps the decision.
        await feeds.record_sent(session, row.id, channel_id=1, message_id=2)
        (row,) = await feeds.entries_of(session, feed.id)
    assert row.status == FeedEntryStatus.PUBLISHED


async def test_a_failed_poll_keeps_its_reason_and_a_success_clears_it(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    feed = await add_feed(sessionmaker)
    later = utcnow() + timedelta(hours=1)
    async with sessionmaker.begin() as session:
        await feeds.poll_failed(session, feed.id, reason="HTTP 500", failures=3, next_poll_at=later)
        failed = await feeds.get_feed(session, feed.id)
        assert failed is not None
        await session.refresh(failed)
        assert (failed.failures, failed.last_error) == (3, "HTTP 500")
        await feeds.poll_succeeded(
            session, feed.id, etag='"v2"', last_modified=None, next_poll_at=later
        )
        await session.refresh(failed)
    assert (failed.failures, failed.last_error, failed.etag) == (0, None, '"v2"')

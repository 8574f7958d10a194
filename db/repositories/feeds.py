"""Watched feeds and their entries: who polls a feed when, which entries were seen, and
the outbox of entry previews.

Every entry is recorded once (a unique key per feed, inserted with ON CONFLICT DO
NOTHING), so of two processes reading the same new entry only one previews it; a poll is
leased by moving `next_poll_at` forward in the same statement that picks the feed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Feed, FeedEntry
from db.states import FeedEntryStatus
from db.types import utcnow
from db.upsert import dialect_insert

UNDECIDED = (FeedEntryStatus.PENDING, FeedEntryStatus.SENT)
IN_CHUNK = 500  # keys per IN list, far below every backend's parameter limit


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def entry_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class NewEntry:
    key: str  # the entry's guid (or link) as the feed gives it
    title: str
    link: str | None
    status: FeedEntryStatus
    document: str | None = None  # the parsed issue's JSON
    problem: str | None = None  # why it could not be read
    note: str | None = None  # shown with the preview


async def watch(
    session: AsyncSession,
    *,
    url: str,
    title: str,
    guild_id: int | None,
    added_by: int,
    etag: str | None,
    last_modified: str | None,
    next_poll_at: datetime,
) -> tuple[Feed, bool]:
    """Watch a feed, or point an already watched one at this server and editor (its
    entries stay seen). Returns the feed and whether it is new."""
    # Inserted unless it is there, or is being added meanwhile (two servers adding one
    # feed at once): read-then-add made one of them fail on the unique key.
    new_id = (
        await session.execute(
            dialect_insert(session)(Feed)
            .values(
                url=url,
                url_key=url_key(url),
                title=title[:200],
                added_by=added_by,
                failures=0,
                next_poll_at=next_poll_at,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=[Feed.url_key])
            .returning(Feed.id)
        )
    ).scalar_one_or_none()
    stmt = (
        select(Feed).where(Feed.url_key == url_key(url)).execution_options(populate_existing=True)
    )
    feed = (await session.execute(stmt)).scalar_one()
    created = new_id is not None
    feed.title = title[:200]
    feed.guild_id = guild_id
    feed.added_by = added_by
    feed.etag = etag
    feed.last_modified = last_modified
    feed.failures = 0
    feed.last_error = None
    feed.next_poll_at = next_poll_at
    await session.flush()
    return feed, created


async def get_feed(session: AsyncSession, feed_id: int) -> Feed | None:
    return await session.get(Feed, feed_id)


async def feeds_for_guild(session: AsyncSession, guild_id: int) -> list[Feed]:
    """The feeds whose previews go to this server, oldest first."""
    stmt = select(Feed).where(Feed.guild_id == guild_id).order_by(Feed.id)
    return list((await session.execute(stmt)).scalars().all())


async def known_keys(session: AsyncSession, feed_id: int, keys: Sequence[str]) -> set[str]:
    """Which of these entry keys (as the feed gives them) were recorded before."""
    by_hash = {entry_key(key): key for key in keys}
    hashes = list(by_hash)
    known: set[str] = set()
    for start in range(0, len(hashes), IN_CHUNK):
        chunk = hashes[start : start + IN_CHUNK]
        stmt = select(FeedEntry.entry_key).where(
            FeedEntry.feed_id == feed_id, FeedEntry.entry_key.in_(chunk)
        )
        known.update(by_hash[h] for h in (await session.execute(stmt)).scalars())
    return known


async def add_entries(session: AsyncSession, feed_id: int, entries: Sequence[NewEntry]) -> int:
    """Record entries not recorded yet; returns how many were new (the others were
    recorded first by another process)."""
    if not entries:
        return 0
    insert = dialect_insert(session)
    added = 0
    for entry in entries:
        stmt = (
            insert(FeedEntry)
            .values(
                feed_id=feed_id,
                entry_key=entry_key(entry.key),
                title=entry.title[:300],
                link=entry.link if entry.link and len(entry.link) <= 2048 else None,
                status=entry.status,
                document=entry.document,
                problem=entry.problem[:300] if entry.problem else None,
                note=entry.note[:300] if entry.note else None,
            )
            .on_conflict_do_nothing(index_elements=["feed_id", "entry_key"])
            .returning(FeedEntry.id)
        )
        if (await session.execute(stmt)).scalar_one_or_none() is not None:
            added += 1
    return added


async def claim_due(session: AsyncSession, now: datetime, lease_until: datetime) -> list[Feed]:
    """The feeds due for a poll, leased to the caller until `lease_until`: another
    process asking meanwhile does not get them."""
    stmt = (
        update(Feed)
        .where(Feed.next_poll_at <= now)
        .values(next_poll_at=lease_until)
        .returning(Feed)
        .execution_options(synchronize_session=False)
    )
    return list((await session.execute(stmt)).scalars())


async def poll_succeeded(
    session: AsyncSession,
    feed_id: int,
    *,
    etag: str | None,
    last_modified: str | None,
    next_poll_at: datetime,
) -> None:
    await session.execute(
        update(Feed)
        .where(Feed.id == feed_id)
        .values(
            etag=etag[:512] if etag else None,
            last_modified=last_modified[:100] if last_modified else None,
            failures=0,
            last_error=None,
            next_poll_at=next_poll_at,
        )
    )


async def poll_unchanged(session: AsyncSession, feed_id: int, *, next_poll_at: datetime) -> None:
    await session.execute(
        update(Feed)
        .where(Feed.id == feed_id)
        .values(failures=0, last_error=None, next_poll_at=next_poll_at)
    )


async def poll_failed(
    session: AsyncSession, feed_id: int, *, reason: str, failures: int, next_poll_at: datetime
) -> None:
    await session.execute(
        update(Feed)
        .where(Feed.id == feed_id)
        .values(failures=failures, last_error=reason[:300], next_poll_at=next_poll_at)
    )


async def previews_to_send(session: AsyncSession, limit: int = 20) -> list[tuple[FeedEntry, Feed]]:
    stmt = (
        select(FeedEntry, Feed)
        .join(Feed, Feed.id == FeedEntry.feed_id)
        .where(FeedEntry.status == FeedEntryStatus.PENDING)
        .order_by(FeedEntry.id)
        .limit(limit)
    )
    return [(entry, feed) for entry, feed in (await session.execute(stmt)).all()]


async def mark_attempt(session: AsyncSession, entry_id: int, at: datetime) -> None:
    await session.execute(update(FeedEntry).where(FeedEntry.id == entry_id).values(attempted_at=at))


async def record_sent(
    session: AsyncSession, entry_id: int, *, channel_id: int, message_id: int
) -> None:
    """The preview is in Discord. (An editor may have decided already, from a preview
    sent just before a crash: that decision stays.)"""
    await session.execute(
        update(FeedEntry)
        .where(FeedEntry.id == entry_id, FeedEntry.status == FeedEntryStatus.PENDING)
        .values(status=FeedEntryStatus.SENT, channel_id=channel_id, message_id=message_id)
    )


async def record_undelivered(session: AsyncSession, entry_id: int, problem: str) -> None:
    await session.execute(
        update(FeedEntry)
        .where(FeedEntry.id == entry_id, FeedEntry.status == FeedEntryStatus.PENDING)
        .values(status=FeedEntryStatus.UNDELIVERED, problem=problem[:300])
    )


async def decide(
    session: AsyncSession, entry_id: int, status: FeedEntryStatus, user_id: int
) -> str | None:
    """Publish or discard an entry's preview: the entry's document, or None when it was
    decided already (of two editors clicking at once, the first wins)."""
    stmt = (
        update(FeedEntry)
        .where(FeedEntry.id == entry_id, FeedEntry.status.in_(UNDECIDED))
        .values(status=status, decided_by=user_id)
        .returning(FeedEntry.document)
        .execution_options(synchronize_session=False)
    )
    row = (await session.execute(stmt)).one_or_none()
    return None if row is None else (row[0] or "")


async def entries_of(session: AsyncSession, feed_id: int) -> list[FeedEntry]:
    stmt = select(FeedEntry).where(FeedEntry.feed_id == feed_id).order_by(FeedEntry.id)
    return list((await session.execute(stmt)).scalars())

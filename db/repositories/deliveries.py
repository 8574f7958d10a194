"""Deliveries of issues to announce channels, recorded part by part."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Integer, delete, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Delivery, DeliveryPart, GuildSettings, Issue
from db.repositories import state
from db.repositories.shards import on_shards
from db.states import DeliveryStatus, PartStatus
from db.types import UTCDateTime, utcnow

SUBSCRIPTIONS_LOCK = "deliveries:subscriptions"


async def queue_delivery(
    session: AsyncSession,
    *,
    issue_id: int,
    guild_id: int,
    channel_id: int,
    ping_role_id: int | None = None,
) -> tuple[Delivery, bool]:
    """Queue an issue for a channel; (delivery, False) when it was queued already.

    A delivery that failed (the bot was forbidden, say) is queued again: asking again is
    how a moderator retries once the channel is fixed. Parts already sent stay recorded.
    """
    stmt = select(Delivery).where(Delivery.issue_id == issue_id, Delivery.channel_id == channel_id)
    existing = (await session.execute(stmt)).scalar_one_or_none()
    if existing is not None and existing.status == DeliveryStatus.FAILED:
        existing.status, existing.failure_reason = DeliveryStatus.QUEUED, None
        existing.ping_role_id = ping_role_id
        await session.flush()
        return existing, True
    if existing is not None:
        return existing, False
    delivery = Delivery(
        issue_id=issue_id,
        guild_id=guild_id,
        channel_id=channel_id,
        ping_role_id=ping_role_id,
        status=DeliveryStatus.QUEUED,
    )
    session.add(delivery)
    await session.flush()
    return delivery, True


async def sent_parts(session: AsyncSession, delivery_id: int) -> dict[str, DeliveryPart]:
    stmt = select(DeliveryPart).where(DeliveryPart.delivery_id == delivery_id)
    return {p.part_key: p for p in (await session.execute(stmt)).scalars()}


async def _part(
    session: AsyncSession, delivery: Delivery, part_key: str, position: int
) -> DeliveryPart:
    """The delivery's row for a part, created (as pending) when there is none yet."""
    stmt = select(DeliveryPart).where(
        DeliveryPart.delivery_id == delivery.id, DeliveryPart.part_key == part_key
    )
    part = (await session.execute(stmt)).scalar_one_or_none()
    if part is None:
        part = DeliveryPart(
            delivery_id=delivery.id,
            issue_id=delivery.issue_id,
            channel_id=delivery.channel_id,
            part_key=part_key,
            position=position,
            status=PartStatus.PENDING,
        )
        session.add(part)
    return part


async def mark_part_sending(
    session: AsyncSession, delivery: Delivery, *, part_key: str, position: int
) -> None:
    """Note that a part is about to be sent, so a restart knows to look for it first."""
    await _part(session, delivery, part_key, position)
    await session.flush()


async def record_part_sent(
    session: AsyncSession,
    delivery: Delivery,
    *,
    part_key: str,
    position: int,
    message_id: int,
    revision: int = 1,
    content_hash: str | None = None,
) -> DeliveryPart:
    """Record that Discord accepted a part (whether or not it was marked as sending), and
    which revision of the issue it shows."""
    part = await _part(session, delivery, part_key, position)
    part.status = PartStatus.SENT
    part.message_id = message_id
    part.sent_at = utcnow()
    part.revision = revision
    part.content_hash = content_hash
    await session.flush()
    return part


async def lock_subscriptions(session: AsyncSession) -> None:
    """Take turns with publishing: a server choosing its announce channel (and catching
    up on the latest issue) while an issue is being queued. Without it, on PostgreSQL, a
    publish could read the settings before the new channel was committed, and the
    channel read the latest issue before the publish was: neither queued the new issue
    there. Call it first in the transaction (db/repositories/state.py, take_lock)."""
    await state.take_lock(session, SUBSCRIPTIONS_LOCK)


async def queue_for_subscribers(session: AsyncSession, issue_id: int) -> int:
    """Queue the issue for every server with an announce channel; returns how many new.

    Two statements whatever the number of servers (one row at a time took 3.8 s at
    2,000, past Discord's deadline for the editor's answer): failed deliveries to the
    current announce channels are queued again, then the missing ones are inserted.
    The settings are read under the subscriptions' lock (lock_subscriptions).
    """
    await lock_subscriptions(session)
    subscribed = GuildSettings.announce_channel_id.is_not(None)
    current_channel = (
        select(GuildSettings.ping_role_id)
        .where(subscribed, GuildSettings.announce_channel_id == Delivery.channel_id)
        .scalar_subquery()
    )
    requeued = await session.execute(
        update(Delivery)
        .where(
            Delivery.issue_id == issue_id,
            Delivery.status == DeliveryStatus.FAILED,
            Delivery.channel_id.in_(select(GuildSettings.announce_channel_id).where(subscribed)),
        )
        .values(status=DeliveryStatus.QUEUED, failure_reason=None, ping_role_id=current_channel)
        .execution_options(synchronize_session=False)
    )
    already = select(Delivery.id).where(
        Delivery.issue_id == issue_id, Delivery.channel_id == GuildSettings.announce_channel_id
    )
    now = utcnow()
    rows = select(
        literal(issue_id, Integer),
        GuildSettings.guild_id,
        GuildSettings.announce_channel_id,
        GuildSettings.ping_role_id,
        literal(DeliveryStatus.QUEUED.value),
        literal(0, Integer),
        literal(1, Integer),
        literal(now, UTCDateTime),
        literal(now, UTCDateTime),
    ).where(subscribed, ~already.exists())
    columns = [
        "issue_id",
        "guild_id",
        "channel_id",
        "ping_role_id",
        "status",
        "attempts",
        "revision",
        "created_at",
        "updated_at",
    ]
    inserted = await session.execute(insert(Delivery).from_select(columns, rows))
    return _rowcount(requeued) + _rowcount(inserted)


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def unfinished(
    session: AsyncSession,
    *,
    shard_count: int = 1,
    shard_ids: Sequence[int] | None = None,
    limit: int = 500,
) -> list[Delivery]:
    """Deliveries still to do, oldest first: queued ones and ones a crash interrupted.

    With `shard_ids`, only servers on those shards (Discord's rule: (guild_id >> 22) %
    shard_count), so each shard process works its own share.
    """
    stmt = select(Delivery).where(
        Delivery.status.in_((DeliveryStatus.QUEUED, DeliveryStatus.DELIVERING))
    )
    if shard_ids is not None:
        stmt = stmt.where(on_shards(Delivery.guild_id, shard_count, shard_ids))
    stmt = stmt.order_by(Delivery.id).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def get_delivery(session: AsyncSession, delivery_id: int) -> Delivery | None:
    return await session.get(Delivery, delivery_id, populate_existing=True)


async def set_status(
    session: AsyncSession,
    delivery_id: int,
    status: DeliveryStatus,
    *,
    reason: str | None = None,
) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status=status, failure_reason=reason, updated_at=utcnow())
    )


async def set_thread(session: AsyncSession, delivery_id: int, thread_id: int) -> None:
    await session.execute(
        update(Delivery).where(Delivery.id == delivery_id).values(thread_id=thread_id)
    )


async def start_thread_over(
    session: AsyncSession, delivery_id: int, *, header_deleted: bool
) -> Delivery:
    """Forget a deleted thread and the parts posted in it (gone with it), and the header
    too if it was deleted, so the delivery posts them again. The round goes up, so the
    parts posted again get nonces of their own."""
    forget = delete(DeliveryPart).where(DeliveryPart.delivery_id == delivery_id)
    if not header_deleted:
        forget = forget.where(DeliveryPart.part_key != "header")
    await session.execute(forget)
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(thread_id=None, thread_round=Delivery.thread_round + 1, updated_at=utcnow())
    )
    delivery = await get_delivery(session, delivery_id)
    assert delivery is not None
    return delivery


async def failures_for_guild(session: AsyncSession, guild_id: int) -> list[Delivery]:
    stmt = (
        select(Delivery)
        .where(Delivery.guild_id == guild_id, Delivery.status == DeliveryStatus.FAILED)
        .order_by(Delivery.updated_at.desc())
        .limit(5)
    )
    return list((await session.execute(stmt)).scalars())


async def posted_message(
    session: AsyncSession, *, issue_id: int, guild_id: int, part_key: str
) -> tuple[int, int] | None:
    """(channel or thread id, message id) where a part of an issue was posted in a server."""
    stmt = (
        select(Delivery.channel_id, Delivery.thread_id, DeliveryPart.message_id)
        .join(DeliveryPart, DeliveryPart.delivery_id == Delivery.id)
        .where(
            Delivery.issue_id == issue_id,
            Delivery.guild_id == guild_id,
            DeliveryPart.part_key == part_key,
        )
        .order_by(Delivery.id.desc())
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    if row is None or row.message_id is None:
        return None
    where = row.channel_id if part_key == "header" or row.thread_id is None else row.thread_id
    return where, row.message_id


async def delivering_to_guild(session: AsyncSession, issue_id: int, guild_id: int) -> bool:
    """Whether the issue is still on its way to one of the guild's channels."""
    stmt = select(Delivery.id).where(
        Delivery.issue_id == issue_id,
        Delivery.guild_id == guild_id,
        Delivery.status.in_((DeliveryStatus.QUEUED, DeliveryStatus.DELIVERING)),
    )
    return (await session.execute(stmt.limit(1))).first() is not None


# Corrections ---------------------------------------------------------------------------
# A correction raises the issue's revision. Each delivery that was done shows an older
# one until the worker has edited (or, for added parts, posted) what changed; each part
# records the revision and a digest of what its message shows, and `editing_revision`
# while an edit may be on its way.


async def outdated(
    session: AsyncSession,
    *,
    shard_count: int = 1,
    shard_ids: Sequence[int] | None = None,
    limit: int = 500,
) -> list[Delivery]:
    """Done deliveries of an issue corrected since, oldest first."""
    stmt = (
        select(Delivery)
        .join(Issue, Issue.id == Delivery.issue_id)
        .where(Delivery.status == DeliveryStatus.DONE, Delivery.revision < Issue.revision)
    )
    if shard_ids is not None:
        stmt = stmt.where(on_shards(Delivery.guild_id, shard_count, shard_ids))
    stmt = stmt.order_by(Delivery.id).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def set_revision(session: AsyncSession, delivery_id: int, revision: int) -> None:
    """Every message of the delivery shows `revision` (or a later one's same text)."""
    await session.execute(
        update(Delivery).where(Delivery.id == delivery_id).values(revision=revision)
    )


async def finish_correction(session: AsyncSession, delivery_id: int, revision: int) -> None:
    """The delivery is corrected to `revision`: parts that needed no edit show it too."""
    await session.execute(
        update(DeliveryPart)
        .where(DeliveryPart.delivery_id == delivery_id, DeliveryPart.revision < revision)
        .values(revision=revision)
    )
    await set_revision(session, delivery_id, revision)


async def mark_part_editing(session: AsyncSession, part: DeliveryPart, revision: int) -> bool:
    """Note that an edit to `revision` is about to go out; False (and nothing noted) when
    a later correction superseded that revision already."""
    latest = select(Issue.revision).where(Issue.id == part.issue_id)
    if int((await session.execute(latest)).scalar_one()) != revision:
        return False
    await session.execute(
        update(DeliveryPart).where(DeliveryPart.id == part.id).values(editing_revision=revision)
    )
    return True


async def record_part_edited(
    session: AsyncSession, part_id: int, *, revision: int, content_hash: str
) -> None:
    await session.execute(
        update(DeliveryPart)
        .where(DeliveryPart.id == part_id)
        .values(revision=revision, content_hash=content_hash, editing_revision=None)
    )


async def mark_message_deleted(session: AsyncSession, part_id: int) -> None:
    """A moderator deleted the part's message: corrections leave it alone from now on."""
    await session.execute(
        update(DeliveryPart)
        .where(DeliveryPart.id == part_id)
        .values(message_deleted=True, editing_revision=None)
    )


async def fill_missing_digests(
    session: AsyncSession, issue_id: int, digests: Mapping[str, str]
) -> None:
    """Parts posted before digests were kept show the issue's text as it is stored now:
    record that, before a correction replaces it, so unchanged parts are not edited."""
    for part_key, digest in digests.items():
        await session.execute(
            update(DeliveryPart)
            .where(
                DeliveryPart.issue_id == issue_id,
                DeliveryPart.part_key == part_key,
                DeliveryPart.content_hash.is_(None),
            )
            .values(content_hash=digest)
        )


async def count_to_correct(session: AsyncSession, issue_id: int) -> int:
    """Channels where a correction of the issue will edit what was posted."""
    stmt = select(func.count()).where(
        Delivery.issue_id == issue_id,
        Delivery.status.in_(
            (DeliveryStatus.QUEUED, DeliveryStatus.DELIVERING, DeliveryStatus.DONE)
        ),
    )
    return int((await session.execute(stmt)).scalar_one())


@dataclass(frozen=True)
class DeletedPart:
    """A posted message a moderator deleted, so a correction could not reach it."""

    issue_title: str
    part_key: str
    where_id: int  # the channel, or the issue's thread in it


async def deleted_parts_for_guild(
    session: AsyncSession, guild_id: int, *, limit: int = 5
) -> list[DeletedPart]:
    stmt = (
        select(Issue.title, DeliveryPart.part_key, Delivery.channel_id, Delivery.thread_id)
        .join(Delivery, Delivery.id == DeliveryPart.delivery_id)
        .join(Issue, Issue.id == Delivery.issue_id)
        .where(Delivery.guild_id == guild_id, DeliveryPart.message_deleted.is_(True))
        .order_by(DeliveryPart.id.desc())
        .limit(limit)
    )
    return [
        DeletedPart(
            title,
            key,
            channel_id if key == "header" or thread_id is None else thread_id,
        )
        for title, key, channel_id, thread_id in (await session.execute(stmt)).all()
    ]


async def count_by_status(session: AsyncSession) -> dict[DeliveryStatus, int]:
    stmt = select(Delivery.status, func.count()).group_by(Delivery.status)
    counts = {status: 0 for status in DeliveryStatus}
    counts.update({DeliveryStatus(s): int(n) for s, n in (await session.execute(stmt)).all()})
    return counts

"""Deliveries of issues to announce channels, recorded part by part."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Integer, delete, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Delivery, DeliveryPart, GuildSettings
from db.states import DeliveryStatus, PartStatus
from db.types import utcnow


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
    session: AsyncSession, delivery: Delivery, *, part_key: str, position: int, message_id: int
) -> DeliveryPart:
    """Record that Discord accepted a part (whether or not it was marked as sending)."""
    part = await _part(session, delivery, part_key, position)
    part.status = PartStatus.SENT
    part.message_id = message_id
    part.sent_at = utcnow()
    await session.flush()
    return part


async def queue_for_subscribers(session: AsyncSession, issue_id: int) -> int:
    """Queue the issue for every server with an announce channel; returns how many new."""
    stmt = select(GuildSettings).where(GuildSettings.announce_channel_id.is_not(None))
    queued = 0
    for settings in (await session.execute(stmt)).scalars():
        assert settings.announce_channel_id is not None
        _, created = await queue_delivery(
            session,
            issue_id=issue_id,
            guild_id=settings.guild_id,
            channel_id=settings.announce_channel_id,
            ping_role_id=settings.ping_role_id,
        )
        queued += created
    return queued


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
        # PostgreSQL shifts a bigint by an int only: the literal is typed to match.
        shift = literal(22, Integer)
        shard = Delivery.guild_id.op(">>")(shift) % max(shard_count, 1)
        stmt = stmt.where(shard.in_(list(shard_ids)))
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

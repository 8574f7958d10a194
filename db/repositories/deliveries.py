"""Deliveries of issues to announce channels, recorded part by part."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Delivery, DeliveryPart
from db.types import utcnow


async def queue_delivery(
    session: AsyncSession,
    *,
    issue_id: int,
    guild_id: int,
    channel_id: int,
    ping_role_id: int | None = None,
) -> tuple[Delivery, bool]:
    """Queue an issue for a channel; (delivery, False) when it was queued already."""
    stmt = select(Delivery).where(Delivery.issue_id == issue_id, Delivery.channel_id == channel_id)
    existing = (await session.execute(stmt)).scalar_one_or_none()
    if existing is not None:
        return existing, False
    delivery = Delivery(
        issue_id=issue_id,
        guild_id=guild_id,
        channel_id=channel_id,
        ping_role_id=ping_role_id,
        status="queued",
    )
    session.add(delivery)
    await session.flush()
    return delivery, True


async def sent_parts(session: AsyncSession, delivery_id: int) -> dict[str, DeliveryPart]:
    stmt = select(DeliveryPart).where(DeliveryPart.delivery_id == delivery_id)
    return {p.part_key: p for p in (await session.execute(stmt)).scalars()}


async def record_part_sent(
    session: AsyncSession, delivery: Delivery, *, part_key: str, position: int, message_id: int
) -> DeliveryPart:
    part = DeliveryPart(
        delivery_id=delivery.id,
        issue_id=delivery.issue_id,
        channel_id=delivery.channel_id,
        part_key=part_key,
        position=position,
        status="sent",
        message_id=message_id,
        sent_at=utcnow(),
    )
    session.add(part)
    await session.flush()
    return part

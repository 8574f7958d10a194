"""How far an issue's delivery has got: deliveries counted by state, and the first
failures. Two small queries whatever the number of servers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Delivery
from db.states import DeliveryStatus


@dataclass(frozen=True)
class Failure:
    guild_id: int
    channel_id: int
    reason: str


@dataclass(frozen=True)
class Progress:
    delivered: int
    delivering: int
    waiting: int
    failed: int
    failures: tuple[Failure, ...]  # the first ones, oldest first

    @property
    def total(self) -> int:
        return self.delivered + self.delivering + self.waiting + self.failed

    @property
    def finished(self) -> int:
        """Deliveries that will not change by themselves: delivered or failed."""
        return self.delivered + self.failed

    @property
    def done(self) -> bool:
        return self.finished == self.total


async def delivery_progress(
    session: AsyncSession, issue_id: int, *, failures: int = 25
) -> Progress:
    counts = {status: 0 for status in DeliveryStatus}
    stmt = (
        select(Delivery.status, func.count())
        .where(Delivery.issue_id == issue_id)
        .group_by(Delivery.status)
    )
    for status, count in (await session.execute(stmt)).all():
        counts[DeliveryStatus(status)] = int(count)
    failed: tuple[Failure, ...] = ()
    if counts[DeliveryStatus.FAILED] and failures > 0:
        rows = await session.execute(
            select(Delivery.guild_id, Delivery.channel_id, Delivery.failure_reason)
            .where(Delivery.issue_id == issue_id, Delivery.status == DeliveryStatus.FAILED)
            .order_by(Delivery.updated_at, Delivery.id)
            .limit(failures)
        )
        failed = tuple(Failure(g, c, r or "no reason recorded") for g, c, r in rows.all())
    return Progress(
        delivered=counts[DeliveryStatus.DONE],
        delivering=counts[DeliveryStatus.DELIVERING],
        waiting=counts[DeliveryStatus.QUEUED],
        failed=counts[DeliveryStatus.FAILED],
        failures=failed,
    )

"""Reader tips and the audit trail of decisions on them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Tip, TipEvent
from db.types import utcnow

DECISIONS = ("approved", "shortlisted", "rejected")


@dataclass(frozen=True)
class Decision:
    """What happened to a decision attempt: `won` is False when someone else got there first."""

    won: bool
    tip: Tip


async def add_tip(
    session: AsyncSession,
    *,
    guild_id: int,
    user_id: int,
    headline: str,
    for_month: str,
    link: str | None = None,
    normalized_link: str | None = None,
    why: str | None = None,
    anonymous: bool = False,
) -> Tip:
    tip = Tip(
        guild_id=guild_id,
        user_id=user_id,
        headline=headline,
        link=link,
        normalized_link=normalized_link,
        why=why,
        anonymous=anonymous,
        for_month=for_month,
        status="pending",
    )
    session.add(tip)
    await session.flush()
    session.add(TipEvent(tip_id=tip.id, actor_id=user_id, action="submitted"))
    await session.flush()
    return tip


async def get_tip(session: AsyncSession, tip_id: int) -> Tip | None:
    return await session.get(Tip, tip_id, populate_existing=True)


async def decide_tip(
    session: AsyncSession,
    tip_id: int,
    *,
    status: str,
    moderator_id: int,
    reason: str | None = None,
) -> Decision:
    """Decide a pending tip; of two moderators deciding at once exactly one wins.

    The UPDATE only matches a still-pending row at the version we read, so the loser's
    statement changes nothing and it is told what the winner decided.
    """
    if status not in DECISIONS:
        raise ValueError(f"unknown decision {status!r}")
    tip = await get_tip(session, tip_id)
    if tip is None:
        raise LookupError(f"tip {tip_id} does not exist")
    if tip.status != "pending":
        return Decision(won=False, tip=tip)

    result = await session.execute(
        update(Tip)
        .where(Tip.id == tip_id, Tip.version == tip.version, Tip.status == "pending")
        .values(
            status=status,
            decided_by=moderator_id,
            decided_at=utcnow(),
            decision_reason=reason,
            version=Tip.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    won = getattr(result, "rowcount", 0) == 1
    if won:
        session.add(TipEvent(tip_id=tip_id, actor_id=moderator_id, action=status, reason=reason))
        await session.flush()
    refreshed = await get_tip(session, tip_id)
    assert refreshed is not None
    return Decision(won=won, tip=refreshed)


async def tip_events(session: AsyncSession, tip_id: int) -> list[TipEvent]:
    stmt = select(TipEvent).where(TipEvent.tip_id == tip_id).order_by(TipEvent.id)
    return list((await session.execute(stmt)).scalars())

"""Readers' "Helpful?" votes on items."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ItemVote


async def cast_vote(session: AsyncSession, *, item_id: int, user_id: int, helpful: bool) -> bool:
    """Record or change a reader's vote; True when it is the reader's first on this item."""
    stmt = select(ItemVote).where(ItemVote.item_id == item_id, ItemVote.user_id == user_id)
    vote = (await session.execute(stmt)).scalar_one_or_none()
    if vote is not None:
        vote.helpful = helpful
        await session.flush()
        return False
    session.add(ItemVote(item_id=item_id, user_id=user_id, helpful=helpful))
    await session.flush()
    return True


async def vote_counts(session: AsyncSession, item_id: int) -> tuple[int, int]:
    """(helpful, not helpful) for one item."""
    stmt = (
        select(ItemVote.helpful, func.count())
        .where(ItemVote.item_id == item_id)
        .group_by(ItemVote.helpful)
    )
    counts = {bool(h): int(n) for h, n in (await session.execute(stmt)).all()}
    return counts.get(True, 0), counts.get(False, 0)

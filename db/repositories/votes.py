"""Readers' "Helpful?" votes on items."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ItemVote
from db.types import utcnow


async def cast_vote(session: AsyncSession, *, item_id: int, user_id: int, helpful: bool) -> bool:
    """Record or change a reader's vote; True when it is the reader's first on this item.

    INSERT … ON CONFLICT DO NOTHING, then UPDATE: a double click sends two interactions
    at once, and a select-then-insert would let both insert (a unique violation).
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(ItemVote)
        .values(item_id=item_id, user_id=user_id, helpful=helpful, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["item_id", "user_id"])
    )
    result = await session.execute(stmt)
    if getattr(result, "rowcount", 0) == 1:
        return True
    await session.execute(
        update(ItemVote)
        .where(ItemVote.item_id == item_id, ItemVote.user_id == user_id)
        .values(helpful=helpful)
    )
    return False


async def vote_counts(session: AsyncSession, item_id: int) -> tuple[int, int]:
    """(helpful, not helpful) for one item."""
    stmt = (
        select(ItemVote.helpful, func.count())
        .where(ItemVote.item_id == item_id)
        .group_by(ItemVote.helpful)
    )
    counts = {bool(h): int(n) for h, n in (await session.execute(stmt)).all()}
    return counts.get(True, 0), counts.get(False, 0)

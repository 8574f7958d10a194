"""Readers' preferences; a reader who never set one has the defaults."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ReaderPreferences


async def dms_enabled(session: AsyncSession, user_id: int) -> bool:
    """Whether the bot may DM the reader about their tips (yes, unless they said no)."""
    stmt = select(ReaderPreferences.dms_enabled).where(ReaderPreferences.user_id == user_id)
    enabled = (await session.execute(stmt)).scalar_one_or_none()
    return True if enabled is None else bool(enabled)


async def set_dms_enabled(session: AsyncSession, user_id: int, enabled: bool) -> None:
    # One upsert: two clicks at once would make a select-then-insert violate the key.
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(ReaderPreferences).values(user_id=user_id, dms_enabled=enabled)
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id"], set_={"dms_enabled": stmt.excluded.dms_enabled}
    )
    await session.execute(stmt)

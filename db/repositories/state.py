"""Small key/value facts the bot keeps across restarts."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import BotState


async def get_value(session: AsyncSession, key: str) -> str | None:
    row = await session.get(BotState, key)
    return row.value if row is not None else None


async def set_value(session: AsyncSession, key: str, value: str) -> None:
    row = await session.get(BotState, key)
    if row is None:
        session.add(BotState(key=key, value=value))
    else:
        row.value = value
    await session.flush()


async def pop_value(session: AsyncSession, key: str) -> str | None:
    """Read and delete a value in one transaction."""
    row = await session.get(BotState, key)
    if row is None:
        return None
    value = row.value
    await session.delete(row)
    await session.flush()
    return value

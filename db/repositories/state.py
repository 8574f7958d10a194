"""Small key/value facts the bot keeps across restarts."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import BotState
from db.upsert import dialect_insert


async def get_value(session: AsyncSession, key: str) -> str | None:
    row = await session.get(BotState, key)
    return row.value if row is not None else None


async def set_value(session: AsyncSession, key: str, value: str) -> None:
    """Store or replace a value. One upsert: two processes starting side by side both
    found no value and both inserted it, and the second start failed on the key."""
    stmt = dialect_insert(session)(BotState).values(key=key, value=value)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=[BotState.key], set_={"value": value})
    )


async def take_lock(session: AsyncSession, name: str) -> None:
    """Wait until no other transaction holds the lock `name`, and hold it until this one
    ends: a write to one row. On PostgreSQL the upsert keeps that row locked until
    commit, and READ COMMITTED lets every later statement see what the holders before
    committed. On SQLite the write takes the database's write lock (waiting up to
    busy_timeout); there it must be the transaction's first statement: reads before it
    run outside the transaction with the driver's implicit transactions, and after an
    explicit BEGIN they pin a WAL snapshot that cannot then take the write lock
    (SQLITE_BUSY at once)."""
    await set_value(session, name, "lock")


async def pop_value(session: AsyncSession, key: str) -> str | None:
    """Delete a value and return it; of two concurrent callers only one gets it.

    One DELETE … RETURNING statement: reading first and deleting after let two
    transactions both read the row (an ORM delete of a vanished row only warns).
    """
    stmt = delete(BotState).where(BotState.key == key).returning(BotState.value)
    return (await session.execute(stmt)).scalar_one_or_none()


async def keys_with_prefix(session: AsyncSession, prefix: str) -> list[str]:
    stmt = select(BotState.key).where(BotState.key.startswith(prefix, autoescape=True))
    return list((await session.execute(stmt)).scalars())


async def delete_keys(session: AsyncSession, keys: list[str]) -> None:
    if keys:
        await session.execute(delete(BotState).where(BotState.key.in_(keys)))

"""The bot's key/value facts (db/repositories/state.py), on every backend."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import state

Sessions = async_sessionmaker[AsyncSession]


async def test_a_value_is_stored_then_replaced(sessionmaker: Sessions) -> None:
    async with sessionmaker.begin() as session:
        await state.set_value(session, "k", "one")
    async with sessionmaker.begin() as session:
        await state.set_value(session, "k", "two")
    async with sessionmaker() as session:
        assert await state.get_value(session, "k") == "two"


async def test_two_writers_of_a_new_key_both_succeed_and_the_later_one_wins(
    sessionmaker: Sessions,
) -> None:
    # Two processes starting side by side both store the command tree's hash, neither
    # having seen the other's: the second must wait and replace, not fail on the key.
    async with sessionmaker() as first, sessionmaker() as second:
        await state.set_value(first, "command_tree_hash:1", "from the first")

        async def later() -> None:
            await state.set_value(second, "command_tree_hash:1", "from the second")
            await second.commit()

        waiting = asyncio.create_task(later())
        await asyncio.sleep(0.2)  # the second is now waiting for the first's row lock
        await first.commit()
        await asyncio.wait_for(waiting, timeout=10)
    async with sessionmaker() as session:
        assert await state.get_value(session, "command_tree_hash:1") == "from the second"

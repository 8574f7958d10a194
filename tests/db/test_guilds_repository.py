"""Per-server settings (db/repositories/guilds.py), on every backend."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import guilds

Sessions = async_sessionmaker[AsyncSession]
GUILD = 1_000_000_000_000_001


async def test_settings_not_named_keep_their_values(sessionmaker: Sessions) -> None:
    async with sessionmaker.begin() as session:
        await guilds.update_settings(session, GUILD, announce_channel_id=5, ping_role_id=6)
    async with sessionmaker.begin() as session:
        await guilds.update_settings(session, GUILD, ping_role_id=None, review_channel_id=7)
    async with sessionmaker() as session:
        settings = await guilds.get_settings(session, GUILD)
    assert settings is not None
    assert (settings.announce_channel_id, settings.ping_role_id, settings.review_channel_id) == (
        5,
        None,
        7,
    )


async def test_two_first_setups_of_a_server_at_once_both_succeed(sessionmaker: Sessions) -> None:
    # Two moderators run /setup in a new server at the same moment: neither has seen the
    # other's row, and both settings must be kept, not one of the commands fail.
    async with sessionmaker() as first, sessionmaker() as second:
        await guilds.update_settings(first, GUILD, announce_channel_id=5)

        async def later() -> None:
            await guilds.update_settings(second, GUILD, review_channel_id=7)
            await second.commit()

        waiting = asyncio.create_task(later())
        await asyncio.sleep(0.2)  # the second now waits for the first's row
        await first.commit()
        await asyncio.wait_for(waiting, timeout=10)
    async with sessionmaker() as session:
        settings = await guilds.get_settings(session, GUILD)
    assert settings is not None
    assert (settings.announce_channel_id, settings.review_channel_id) == (5, 7)

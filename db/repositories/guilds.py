"""Per-server settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import GuildSettings

SETTABLE = frozenset(
    {"announce_channel_id", "ping_role_id", "review_channel_id", "moderator_role_id"}
)


async def get_settings(session: AsyncSession, guild_id: int) -> GuildSettings | None:
    return await session.get(GuildSettings, guild_id)


async def update_settings(session: AsyncSession, guild_id: int, **values: Any) -> GuildSettings:
    unknown = set(values) - SETTABLE
    if unknown:
        raise ValueError(f"unknown guild settings: {sorted(unknown)}")
    settings = await session.get(GuildSettings, guild_id)
    if settings is None:
        settings = GuildSettings(guild_id=guild_id)
        session.add(settings)
    for name, value in values.items():
        setattr(settings, name, value)
    await session.flush()
    return settings

"""Per-server settings."""

from __future__ import annotations

from enum import Enum
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import GuildSettings
from db.types import utcnow
from db.upsert import dialect_insert


class _Keep(Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP  # leave this setting as it is (None clears it)


async def get_settings(session: AsyncSession, guild_id: int) -> GuildSettings | None:
    return await session.get(GuildSettings, guild_id)


async def update_settings(
    session: AsyncSession,
    guild_id: int,
    *,
    announce_channel_id: int | _Keep | None = KEEP,
    ping_role_id: int | _Keep | None = KEEP,
    review_channel_id: int | _Keep | None = KEEP,
    moderator_role_id: int | _Keep | None = KEEP,
) -> GuildSettings:
    """Change the settings named; the others keep their values."""
    # The row is made sure of first, with an insert that yields to one made meanwhile:
    # read-then-add let two first /setup commands both add it, and one of them failed.
    await session.execute(
        dialect_insert(session)(GuildSettings)
        .values(guild_id=guild_id, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=[GuildSettings.guild_id])
    )
    settings = await session.get(GuildSettings, guild_id, populate_existing=True)
    assert settings is not None
    if announce_channel_id is not KEEP:
        settings.announce_channel_id = announce_channel_id
    if ping_role_id is not KEEP:
        settings.ping_role_id = ping_role_id
    if review_channel_id is not KEEP:
        settings.review_channel_id = review_channel_id
        settings.review_failure = None  # a new channel: its own problems will show
    if moderator_role_id is not KEEP:
        settings.moderator_role_id = moderator_role_id
    await session.flush()
    return settings

"""The Discord side of the process: the Bot subclass that loads one cog per feature."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from masthead.settings import Settings

log = logging.getLogger(__name__)

EXTENSIONS: tuple[str, ...] = ()


class Masthead(commands.AutoShardedBot):
    """Sharded from the start: SHARD_COUNT/SHARD_IDS split guilds across processes."""

    def __init__(
        self, *, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        shard_options: dict[str, Any] = {"shard_count": settings.shard_count}
        if settings.shard_ids is not None:
            shard_options["shard_ids"] = list(settings.shard_ids)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            # Nothing a reader typed may ping anyone unless a message opts in explicitly.
            allowed_mentions=discord.AllowedMentions.none(),
            **shard_options,
        )
        self.settings = settings
        self.sessionmaker = sessionmaker

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        log.info("loaded %d extensions", len(EXTENSIONS))

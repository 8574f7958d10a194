"""The Discord side of the process: the Bot subclass that loads one extension per feature.

It knows the features by extension name only: each extension's `setup()` adds its cog and
registers its own buttons and menus, and features talk through events
(`bot.dispatch("issues_changed")`), not through each other's objects.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.query_runner import open_query_runner
from masthead.change_listener import ChangeSignals, open_change_signals
from masthead.command_sync import sync_if_changed
from masthead.endpoints import apply_endpoints
from masthead.lookup_counts import LookupCounts
from masthead.metrics import Metrics
from masthead.published_issues import PublishedIssues
from masthead.settings import DEFAULT_GATEWAY_URL, Settings
from masthead.utils.background import BackgroundTask
from masthead.utils.errors import MastheadTree
from masthead.utils.modals import submitted_modal

log = logging.getLogger(__name__)

ModalHandler = Callable[[discord.Interaction[Any], re.Match[str]], Awaitable[None]]

EXTENSIONS = (
    "cogs.server_settings",
    "cogs.issues",
    "cogs.delivery",
    "cogs.items",
    "cogs.tips",
    "cogs.review",
    "cogs.schedules",
    "cogs.feeds",
    "cogs.feedback",
    "cogs.health",
)


class Masthead(commands.AutoShardedBot):
    """Sharded from the start: SHARD_COUNT/SHARD_IDS split guilds across processes."""

    def __init__(
        self,
        *,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        guild_ready_timeout: float = 2.0,
    ) -> None:
        # The default gateway is discord.py's own choice (it RESUMEs where Discord says);
        # only a configured proxy or emulator is forced.
        forced = settings.gateway_url if settings.gateway_url != DEFAULT_GATEWAY_URL else None
        apply_endpoints(settings.api_base, forced)
        # Masthead never joins voice: the missing-voice-library warnings are noise.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        metrics = Metrics()
        shard_options: dict[str, Any] = {"shard_count": settings.shard_count}
        if settings.shard_ids is not None:
            shard_options["shard_ids"] = list(settings.shard_ids)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            # Nothing a reader typed may ping anyone unless a message opts in explicitly.
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=MastheadTree,
            # How long on_ready (and so the delivery worker) waits for more GUILD_CREATEs;
            # discord.py's 2 s suits Discord, tests against the emulator need far less.
            guild_ready_timeout=guild_ready_timeout,
            http_trace=metrics.http_trace(),
            **shard_options,
        )
        self.metrics = metrics
        self.settings = settings
        self.sessionmaker = sessionmaker
        self._modal_routes: list[tuple[re.Pattern[str], ModalHandler]] = []
        self.published = PublishedIssues(sessionmaker, settings.newsletter_name)
        # /item and Full text opens, empty searches: counted here, written in batches.
        self.lookups = LookupCounts(sessionmaker, settings.newsletter_name)
        # Search's statements: on SQLite most run in place, not in a session's five hops
        # to aiosqlite's thread (db/query_runner.py).
        self.queries = open_query_runner(sessionmaker)
        engine = sessionmaker.kw.get("bind")
        # "sqlite" or "postgresql": what the workers decide by (sharing, listening).
        self.dialect: str = engine.dialect.name if isinstance(engine, AsyncEngine) else "sqlite"
        # Other processes (shards, the CLI) may publish: hear it at once, not at a poll.
        self.change_listener: ChangeSignals | None = None
        self._listening: BackgroundTask | None = None
        if isinstance(engine, AsyncEngine):
            self.change_listener = open_change_signals(engine, self.dispatch)
        if self.change_listener is not None:
            self._listening = BackgroundTask("change-listener", self.change_listener.run)

    def add_modal_route(self, pattern: re.Pattern[str], handler: ModalHandler) -> None:
        """Send submissions of the modals whose custom id matches `pattern` to `handler`
        (modals are sent stateless: masthead/utils/modals.py)."""
        self._modal_routes.append((pattern, handler))

    def remove_modal_route(self, pattern: re.Pattern[str]) -> None:
        self._modal_routes = [(p, h) for p, h in self._modal_routes if p is not pattern]

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        super().dispatch(event_name, *args, **kwargs)
        # One router for every feature's modals, run only for a modal's submission: an
        # on_interaction listener would be one more task for every interaction.
        if event_name == "interaction" and args[0].type is discord.InteractionType.modal_submit:
            self._schedule_event(self._route_modal, "on_interaction", *args)

    async def _route_modal(self, interaction: discord.Interaction[Any]) -> None:
        for pattern, handler in self._modal_routes:
            match = submitted_modal(interaction, pattern)
            if match is not None:
                await handler(interaction, match)
                return

    @classmethod
    def of(cls, interaction: discord.Interaction[Any]) -> Masthead:
        """The bot an interaction reached. (Components are typed by discord.py for any
        client; commands take `discord.Interaction[Masthead]` instead.)"""
        client = interaction.client
        assert isinstance(client, cls)
        return client

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        assert self.application_id is not None
        await sync_if_changed(self.tree, self.sessionmaker, self.application_id)
        if self._listening is not None:
            self._listening.start()

    async def close(self) -> None:
        if self._listening is not None:
            await self._listening.stop()
        await super().close()
        await self.queries.close()

    async def on_issues_changed(self) -> None:
        """Issues were published or replaced: cached answers are stale. (The delivery
        service listens for the same event to look for new work.)"""
        self.published.clear()

    async def jump_url(self, issue_id: int, guild_id: int | None, number: int) -> str | None:
        """Link to where an item was posted in this server, if it was."""
        if guild_id is None:
            return None
        where = await self.published.posted_item(issue_id, guild_id, number)
        if where is None:
            return None
        channel_id, message_id = where
        return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"

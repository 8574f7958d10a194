"""For operators: Prometheus metrics at /metrics and readiness at /healthz on
`METRICS_PORT` (off when unset), and the command counts and latencies they show."""

from __future__ import annotations

import asyncio
import logging
import math
from typing import TYPE_CHECKING, Any

import discord
from aiohttp import web
from discord import app_commands
from discord.ext import commands
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from db.repositories import deliveries, tips
from db.states import DeliveryStatus
from masthead.utils.background import BackgroundTask

if TYPE_CHECKING:
    from masthead.bot import Masthead

log = logging.getLogger(__name__)

REFRESH_SECONDS = 15.0  # how stale the database gauges may be
DATABASE_TIMEOUT = 2.0


class Health(commands.Cog):
    def __init__(self, bot: Masthead) -> None:
        self.bot = bot
        self.metrics = bot.metrics
        self.refresher = BackgroundTask("metrics-refresh", self._refresh_forever)
        self._runner: web.AppRunner | None = None

    async def cog_load(self) -> None:
        port = self.bot.settings.metrics_port
        if port is None:
            return
        app = web.Application()
        app.router.add_get("/metrics", self.serve_metrics)
        app.router.add_get("/healthz", self.serve_health)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "0.0.0.0", port).start()
        self.refresher.start()
        log.info("metrics and readiness on port %s", port)

    async def cog_unload(self) -> None:
        await self.refresher.stop()
        if self._runner is not None:
            await self._runner.cleanup()

    @commands.Cog.listener()
    async def on_app_command_completion(
        self,
        interaction: discord.Interaction[Any],
        command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu,
    ) -> None:
        self._count(interaction, command.qualified_name, "ok")

    @commands.Cog.listener()
    async def on_app_command_failed(self, interaction: discord.Interaction[Any], name: str) -> None:
        self._count(interaction, name, "error")

    def _count(self, interaction: discord.Interaction[Any], name: str, outcome: str) -> None:
        seconds = (discord.utils.utcnow() - interaction.created_at).total_seconds()
        self.metrics.commands.labels(name, outcome).inc()
        self.metrics.command_seconds.labels(name).observe(max(0.0, seconds))

    async def serve_metrics(self, request: web.Request) -> web.Response:
        self._gateway_latencies()
        body = generate_latest(self.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def serve_health(self, request: web.Request) -> web.Response:
        problem = await self.not_ready()
        if problem is None:
            return web.Response(text="ready\n")
        return web.Response(status=503, text=f"not ready: {problem}\n")

    async def not_ready(self) -> str | None:
        """Why this process cannot serve right now, or None when it can."""
        shards = list(self.bot.shards.values())
        if self.bot.is_closed() or not shards:
            return "not connected to Discord's gateway"
        if any(shard.is_closed() or math.isinf(shard.latency) for shard in shards):
            return "a gateway shard is disconnected"
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT), self.bot.sessionmaker() as session:
                await session.execute(text("SELECT 1"))
        except Exception as exc:  # any failure to answer means not ready
            return f"the database does not answer ({type(exc).__name__})"
        return None

    def _gateway_latencies(self) -> None:
        for shard_id, latency in self.bot.latencies:
            if math.isfinite(latency):
                self.metrics.gateway_latency.labels(str(shard_id)).set(latency)

    async def _refresh_forever(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception:
                log.warning("could not refresh the metrics from the database", exc_info=True)
            await asyncio.sleep(REFRESH_SECONDS)

    async def refresh(self) -> None:
        async with self.bot.sessionmaker() as session:
            counts = await deliveries.count_by_status(session)
            pending_tips = await tips.pending_everywhere(session)
        pending = counts[DeliveryStatus.QUEUED] + counts[DeliveryStatus.DELIVERING]
        self.metrics.deliveries.labels("pending").set(pending)
        self.metrics.deliveries.labels("failed").set(counts[DeliveryStatus.FAILED])
        self.metrics.tips_pending.set(pending_tips)


async def setup(bot: Masthead) -> None:
    # Without a port nobody can read the counts: no listener then, so no task per command.
    if bot.settings.metrics_port is not None:
        await bot.add_cog(Health(bot))

"""The delivery service: posts published issues to every announce channel, exactly once.

It runs for as long as the bot does, whatever else is loaded, and looks for work when the
`issues_changed` event says there may be some (and every few seconds, for work queued by
another process).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from discord.ext import commands

from cogs.delivery._worker import DeliveryWorker
from masthead.utils.background import BackgroundTask

if TYPE_CHECKING:
    from masthead.bot import Masthead

log = logging.getLogger(__name__)


class Delivery(commands.Cog):
    def __init__(self, bot: Masthead) -> None:
        self.bot = bot
        self.worker = DeliveryWorker(bot)
        self.task = BackgroundTask("delivery-worker", self.worker.run)
        budget = self.worker.budget  # only when processes share the rate limit
        self.lease_task = BackgroundTask("rate-lease", budget.run) if budget else None

    async def cog_load(self) -> None:
        self.task.start()
        if self.worker.budget is not None and self.lease_task is not None:
            self.bot.metrics.global_limit_listeners.append(self.worker.budget.global_limit_hit)
            self.lease_task.start()

    async def cog_unload(self) -> None:
        await self.task.stop()
        if self.worker.budget is not None and self.lease_task is not None:
            await self.lease_task.stop()
            self.bot.metrics.global_limit_listeners.remove(self.worker.budget.global_limit_hit)
            try:
                await self.worker.budget.release()
            except Exception:  # the lease runs out by itself in a few seconds
                log.warning("could not release the rate lease", exc_info=True)

    @commands.Cog.listener()
    async def on_issues_changed(self) -> None:
        self.worker.wake()


async def setup(bot: Masthead) -> None:
    await bot.add_cog(Delivery(bot))

"""The delivery service: posts published issues to every announce channel, exactly once.

It runs for as long as the bot does, whatever else is loaded, and looks for work when the
`issues_changed` event says there may be some (and every few seconds, for work queued by
another process).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord.ext import commands

from cogs.delivery._worker import DeliveryWorker
from masthead.utils.background import BackgroundTask

if TYPE_CHECKING:
    from masthead.bot import Masthead


class Delivery(commands.Cog):
    def __init__(self, bot: Masthead) -> None:
        self.bot = bot
        self.worker = DeliveryWorker(bot)
        self.task = BackgroundTask("delivery-worker", self.worker.run)

    async def cog_load(self) -> None:
        self.task.start()

    async def cog_unload(self) -> None:
        await self.task.stop()

    @commands.Cog.listener()
    async def on_issues_changed(self) -> None:
        self.worker.wake()


async def setup(bot: Masthead) -> None:
    await bot.add_cog(Delivery(bot))

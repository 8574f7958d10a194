"""Scheduled publishing: the scheduler that publishes issues at the time editors set.

It runs for as long as the bot does, in every process; a schedule set here wakes it
(`schedules_changed`), and one set elsewhere (the command line, another process) is seen
at its next look, a few seconds apart. Setting, listing and cancelling schedules are
`/issue` commands (cogs.issues).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord.ext import commands

from cogs.schedules._scheduler import Scheduler
from masthead.utils.background import BackgroundTask

if TYPE_CHECKING:
    from masthead.bot import Masthead


class Schedules(commands.Cog):
    def __init__(self, bot: Masthead) -> None:
        self.bot = bot
        self.scheduler = Scheduler(bot)
        self.task = BackgroundTask("scheduler", self.scheduler.run)

    async def cog_load(self) -> None:
        self.task.start()

    async def cog_unload(self) -> None:
        await self.task.stop()

    @commands.Cog.listener()
    async def on_schedules_changed(self) -> None:
        self.scheduler.wake()


async def setup(bot: Masthead) -> None:
    await bot.add_cog(Schedules(bot))

"""Feeds: watched RSS and Atom feeds, whose new entries become import previews for the
editors (Publish / Discard), never published by themselves.

Feeds are added with `/setup feed` (cogs/server_settings.py), which dispatches
`feeds_changed`; the watcher (cogs/feeds/_watcher.py) runs for as long as the bot does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord.ext import commands

from cogs.feeds._views import FeedEntryButton
from cogs.feeds._watcher import FeedWatcher
from masthead.utils.background import BackgroundTask

if TYPE_CHECKING:
    from masthead.bot import Masthead


class Feeds(commands.Cog):
    def __init__(self, bot: Masthead) -> None:
        self.bot = bot
        self.watcher = FeedWatcher(bot)
        self.task = BackgroundTask("feed-watcher", self.watcher.run)

    async def cog_load(self) -> None:
        self.task.start()

    async def cog_unload(self) -> None:
        await self.task.stop()

    @commands.Cog.listener()
    async def on_feeds_changed(self) -> None:
        self.watcher.wake()


async def setup(bot: Masthead) -> None:
    bot.add_dynamic_items(FeedEntryButton)
    await bot.add_cog(Feeds(bot))

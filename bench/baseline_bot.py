"""A bare discord.py bot with one slash command, ``/ping``, answering a fixed embed.

The baseline for latency benchmarks (how fast can discord.py itself answer through the
emulator) and the bot fakediscord's own tests drive. Run as a script:

    DISCORD_TOKEN=... DISCORD_API_BASE=http://127.0.0.1:PORT/api/v10 \
    DISCORD_GATEWAY_URL=ws://127.0.0.1:PORT/gateway python bench/baseline_bot.py
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from masthead.endpoints import apply_endpoints

PING_EMBED = {"title": "Pong", "description": "The baseline bot is alive.", "color": 0x2F3136}


class BaselineBot(commands.Bot):
    def __init__(self, *, sync_commands: bool = True, **options: Any) -> None:
        # ``options`` go to discord.py, e.g. shard_id/shard_count to share an emulator.
        super().__init__(
            command_prefix=commands.when_mentioned, intents=discord.Intents.default(), **options
        )
        self.sync_commands = sync_commands
        self.tree.add_command(ping)

    async def setup_hook(self) -> None:
        if self.sync_commands:
            await self.tree.sync()


@app_commands.command()
async def ping(interaction: discord.Interaction) -> None:
    """Answer with a fixed embed."""
    await interaction.response.send_message(embed=discord.Embed.from_dict(PING_EMBED))


async def main() -> None:
    apply_endpoints(
        os.environ.get("DISCORD_API_BASE", "https://discord.com/api/v10"),
        os.environ.get("DISCORD_GATEWAY_URL"),
    )
    async with BaselineBot() as bot:
        await bot.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    asyncio.run(main())

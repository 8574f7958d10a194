"""A bare discord.py bot with one slash command, ``/ping``, answering a fixed embed.

The baseline for latency benchmarks (how fast can discord.py itself answer through the
emulator) and the bot fakediscord's own tests drive. With ``tips=True`` it also has
``/tip``, opening a form with the same three inputs as Masthead's and answering its submit
with a fixed ephemeral message (bench/bench_tips.py). Run as a script:

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
TIP_RECEIPT = (
    "Thanks! Your tip is in, for the next issue. The moderators will review it. "
    "You will get a DM when it is decided."
)


class BaselineBot(commands.Bot):
    def __init__(self, *, sync_commands: bool = True, tips: bool = False, **options: Any) -> None:
        # ``options`` go to discord.py, e.g. shard_id/shard_count to share an emulator.
        super().__init__(
            command_prefix=commands.when_mentioned, intents=discord.Intents.default(), **options
        )
        self.sync_commands = sync_commands
        self.tree.add_command(ping)
        if tips:
            self.tree.add_command(tip)

    async def setup_hook(self) -> None:
        if self.sync_commands:
            await self.tree.sync()


@app_commands.command()
async def ping(interaction: discord.Interaction) -> None:
    """Answer with a fixed embed."""
    await interaction.response.send_message(embed=discord.Embed.from_dict(PING_EMBED))


class TipForm(discord.ui.Modal, title="Send a news tip"):
    """The same inputs as Masthead's tip form; discord.py keeps it until it is submitted."""

    headline: discord.ui.TextInput[TipForm] = discord.ui.TextInput(
        label="Headline", custom_id="headline", min_length=10, max_length=150
    )
    link: discord.ui.TextInput[TipForm] = discord.ui.TextInput(
        label="Link (optional)", custom_id="link", required=False, max_length=2048
    )
    why: discord.ui.TextInput[TipForm] = discord.ui.TextInput(
        label="Why it matters (optional)",
        custom_id="why",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=1000,
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(TIP_RECEIPT, ephemeral=True)


@app_commands.command(name="tip")
async def tip(interaction: discord.Interaction) -> None:
    """Open the tip form."""
    await interaction.response.send_modal(TipForm())


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

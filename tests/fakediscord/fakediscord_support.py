"""A test bot using every interaction kind Masthead uses, and the world it serves."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bench.baseline_bot import ping
from fakediscord import Channel, FakeDiscord, Guild, User


@dataclass
class World:
    fake: FakeDiscord
    guild: Guild
    channel: Channel
    alice: User
    bot: Any = None


class TipModal(discord.ui.Modal, title="Send a tip"):
    headline: discord.ui.TextInput[TipModal] = discord.ui.TextInput(
        label="Headline", custom_id="headline", min_length=10, max_length=150
    )
    why: discord.ui.TextInput[TipModal] = discord.ui.TextInput(
        label="Why it matters",
        custom_id="why",
        required=False,
        style=discord.TextStyle.paragraph,
        max_length=1000,
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"tip: {self.headline.value} / {self.why.value or '-'}", ephemeral=True
        )


class Menu(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Open", custom_id="menu:open")
    async def open(self, interaction: discord.Interaction, button: discord.ui.Button[Menu]) -> None:
        await interaction.response.edit_message(content=f"opened by {interaction.user.name}")

    @discord.ui.select(
        custom_id="menu:pick",
        options=[discord.SelectOption(label=f"Item {n}", value=str(n)) for n in range(1, 4)],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[Menu]) -> None:
        await interaction.response.send_message(f"picked {select.values[0]}", ephemeral=True)

    @discord.ui.button(label="Tip", custom_id="menu:tip")
    async def tip(self, interaction: discord.Interaction, button: discord.ui.Button[Menu]) -> None:
        await interaction.response.send_modal(TipModal())


setup = app_commands.Group(name="setup", description="Configure the bot")


@setup.command(name="announce")
@app_commands.describe(channel="Where issues go", ping_role="Who to ping")
async def setup_announce(
    interaction: discord.Interaction,
    channel: discord.TextChannel,
    ping_role: discord.Role | None = None,
    backfill: bool = True,
) -> None:
    """Set the announce channel."""
    perms = interaction.permissions
    role = ping_role.name if ping_role else "-"
    await interaction.response.send_message(
        f"announce={channel.name} role={role} backfill={backfill} manage={perms.manage_guild}",
        ephemeral=True,
    )


async def issue_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    months = [f"2023-{m:02d}" for m in range(1, 13)]
    return [app_commands.Choice(name=m, value=m) for m in months if current in m][:25]


@app_commands.command()
@app_commands.autocomplete(issue=issue_autocomplete)
async def item(
    interaction: discord.Interaction,
    number: app_commands.Range[int, 1, 25],
    issue: str | None = None,
    public: bool = False,
) -> None:
    """Show one item."""
    await interaction.response.send_message(
        f"item {number} of {issue or 'latest'}", ephemeral=not public
    )


@app_commands.command()
async def menu(interaction: discord.Interaction) -> None:
    """Buttons, a select and a modal."""
    await interaction.response.send_message("menu", view=Menu())


@app_commands.command()
async def slow(interaction: discord.Interaction, seconds: float) -> None:
    """Answer only after ``seconds``."""
    await asyncio.sleep(seconds)
    await interaction.response.send_message("late")


@app_commands.command()
async def twice(interaction: discord.Interaction) -> None:
    """Acknowledge twice (the second is refused)."""
    await interaction.response.send_message("one")
    # Bypass discord.py's own guard to reach Discord, as a buggy bot might.
    interaction.response._response_type = None
    await interaction.response.send_message("two")


@app_commands.command()
async def think(interaction: discord.Interaction) -> None:
    """Defer, then answer through followups."""
    await interaction.response.defer(thinking=True)
    await interaction.followup.send("first")
    await interaction.followup.send("second", ephemeral=True)


@app_commands.command()
async def announce(interaction: discord.Interaction, role: discord.Role) -> None:
    """Post an announcement that pings only ``role``, in a thread."""
    await interaction.response.defer(ephemeral=True)
    channel = interaction.channel
    assert isinstance(channel, discord.TextChannel)
    header = await channel.send(
        f"{role.mention} @everyone new issue, says <@{interaction.user.id}>",
        allowed_mentions=discord.AllowedMentions(everyone=False, users=False, roles=[role]),
    )
    thread = await header.create_thread(name="This Month — 2023-12")
    await thread.send("item 1")
    await interaction.user.send("your announcement is out")
    await interaction.edit_original_response(content="done")


@app_commands.command()
async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
    """Read an uploaded file and answer with it attached."""
    data = await file.read()
    await interaction.response.send_message(
        f"{file.filename}: {len(data)} bytes",
        file=discord.File(io.BytesIO(data[::-1]), filename="reversed.txt"),
    )


@app_commands.command()
async def lifecycle(interaction: discord.Interaction) -> None:
    """Edit the original response, edit a followup, read the original, delete it."""
    await interaction.response.send_message("v1")
    await interaction.edit_original_response(content="v2")
    followup = await interaction.followup.send("f1", wait=True)
    await followup.edit(content="f2")
    original = await interaction.original_response()
    await interaction.followup.send(f"original was {original.content}")
    await interaction.delete_original_response()


class FeatureBot(commands.Bot):
    def __init__(self) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default())
        features: list[app_commands.Command[Any, ..., Any]] = [
            ping,
            item,
            menu,
            slow,
            twice,
            think,
            announce,
            upload,
            lifecycle,
        ]
        for command in features:
            self.tree.add_command(command)
        self.tree.add_command(setup)
        self.tree.error(self.on_tree_error)
        self.errors: list[BaseException] = []

    async def on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        self.errors.append(error.__cause__ or error)

    async def setup_hook(self) -> None:
        self.add_view(Menu())
        await self.tree.sync()

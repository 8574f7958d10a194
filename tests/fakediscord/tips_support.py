"""A test bot shaped like the tips-and-review feature: a message context menu that opens a
modal prefilled from the message, review cards the bot edits (through a modal opened from
a button) and deletes, DMs to authors whose DMs may be closed, and file exports."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from fakediscord import Channel, FakeDiscord, Guild, User

HEADLINE_MAX = 1000


@dataclass
class Desk:
    """A guild with a news channel people post in and a review channel for tip cards."""

    fake: FakeDiscord
    guild: Guild
    news: Channel
    review: Channel
    alice: User
    bot: TipsBot


class SuggestModal(discord.ui.Modal, title="Suggest as tip"):
    """Prefilled with the whole message, untruncated: a message longer than the field's
    ``max_length`` is exactly the bug Discord refuses (400/50035)."""

    def __init__(self, source: discord.Message) -> None:
        super().__init__()
        self.source = source
        self.headline: discord.ui.TextInput[SuggestModal] = discord.ui.TextInput(
            label="Headline",
            custom_id="headline",
            style=discord.TextStyle.paragraph,
            max_length=HEADLINE_MAX,
            default=source.content,
        )
        self.add_item(self.headline)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        bot = interaction.client
        assert isinstance(bot, TipsBot)
        review = bot.get_partial_messageable(bot.review_channel_id)
        card = await review.send(embed=_card(self.headline.value, self.source), view=ReviewCard())
        bot.cards.append(card)
        await interaction.response.send_message("Sent for review", ephemeral=True)
        try:
            await self.source.author.send(f"Your message was suggested as a tip: {card.jump_url}")
        except discord.Forbidden as exc:
            bot.dm_failures.append(exc.code)


def _card(headline: str, source: discord.Message) -> discord.Embed:
    embed = discord.Embed(title="Tip", description=headline)
    embed.set_footer(text=f"message {source.id} by {source.author.name}")
    return embed


class EditTipModal(discord.ui.Modal, title="Edit tip"):
    def __init__(self, current: str) -> None:
        super().__init__()
        self.headline: discord.ui.TextInput[EditTipModal] = discord.ui.TextInput(
            label="Headline", custom_id="headline", max_length=HEADLINE_MAX, default=current
        )
        self.add_item(self.headline)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        # UPDATE_MESSAGE (7): edits the review card whose button opened this modal.
        assert interaction.message is not None
        embed = interaction.message.embeds[0]
        embed.description = self.headline.value
        await interaction.response.edit_message(embed=embed)


class ReviewCard(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Approve", custom_id="review:approve")
    async def approve(
        self, interaction: discord.Interaction, button: discord.ui.Button[ReviewCard]
    ) -> None:
        await interaction.response.defer()  # DEFERRED_UPDATE_MESSAGE, then a REST edit
        assert interaction.message is not None
        await interaction.message.edit(content=f"approved by {interaction.user.name}", view=None)

    @discord.ui.button(label="Edit", custom_id="review:edit")
    async def edit(
        self, interaction: discord.Interaction, button: discord.ui.Button[ReviewCard]
    ) -> None:
        assert interaction.message is not None
        await interaction.response.send_modal(
            EditTipModal(interaction.message.embeds[0].description or "")
        )

    @discord.ui.button(label="Reject", custom_id="review:reject")
    async def reject(
        self, interaction: discord.Interaction, button: discord.ui.Button[ReviewCard]
    ) -> None:
        await interaction.response.defer()
        assert interaction.message is not None
        await interaction.message.delete()


class QuickTipModal(discord.ui.Modal, title="Quick tip"):
    """Opened from a slash command, so there is no message for UPDATE_MESSAGE to edit."""

    headline: discord.ui.TextInput[QuickTipModal] = discord.ui.TextInput(
        label="Headline", custom_id="headline"
    )

    def __init__(self, answer: str) -> None:
        super().__init__()
        self.answer = answer

    async def on_submit(self, interaction: discord.Interaction) -> None:
        if self.answer == "defer":
            await interaction.response.defer()  # discord.py sends 6 for any modal submit
            await interaction.followup.send(f"noted: {self.headline.value}", ephemeral=True)
            return
        try:
            await interaction.response.edit_message(content=self.headline.value)
        except discord.HTTPException as exc:
            bot = interaction.client
            assert isinstance(bot, TipsBot)
            bot.errors.append(exc)


@app_commands.context_menu(name="Suggest as tip")
async def suggest_as_tip(interaction: discord.Interaction, message: discord.Message) -> None:
    bot = interaction.client
    assert isinstance(bot, TipsBot)
    bot.targets.append(message)
    await interaction.response.send_modal(SuggestModal(message))


@app_commands.context_menu(name="tips")
async def tips_by(interaction: discord.Interaction, member: discord.Member) -> None:
    """A user command sharing its name with the /tips slash command."""
    kind = type(member).__name__
    await interaction.response.send_message(
        f"tips by {member.display_name} ({kind})", ephemeral=True
    )


@app_commands.command()
async def tips(interaction: discord.Interaction, size: int = 0) -> None:
    """Export the tips: a file in the response (``size`` bytes, if given) and a followup."""
    data = b"x" * size if size else b"id,headline\n1,Pandas\n"
    await interaction.response.send_message(
        "export", file=discord.File(io.BytesIO(data), filename="tips.csv")
    )
    await interaction.followup.send(
        "full export",
        file=discord.File(io.BytesIO(b'[{"id": 1}]'), filename="tips.json"),
        ephemeral=True,
    )


@app_commands.command()
async def quicktip(interaction: discord.Interaction, answer: Literal["update", "defer"]) -> None:
    """Open a modal from a slash command; its submit is answered with ``answer``."""
    await interaction.response.send_modal(QuickTipModal(answer))


class TipsBot(commands.Bot):
    def __init__(self, review_channel_id: int) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default())
        self.review_channel_id = review_channel_id
        features: list[app_commands.ContextMenu | app_commands.Command[Any, ..., Any]] = [
            suggest_as_tip,
            tips_by,
            tips,
            quicktip,
        ]
        for command in features:
            self.tree.add_command(command)
        self.tree.error(self.on_tree_error)
        self.errors: list[BaseException] = []
        self.targets: list[discord.Message] = []  # what the context menu resolved
        self.cards: list[discord.Message] = []
        self.dm_failures: list[int] = []

    async def on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        self.errors.append(error.__cause__ or error)

    async def setup_hook(self) -> None:
        self.add_view(ReviewCard())
        await self.tree.sync()

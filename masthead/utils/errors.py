"""Errors in layers: a user's mistake becomes one short ephemeral line; anything
unexpected is logged with its traceback and the user gets a generic apology."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import discord
from discord import app_commands

log = logging.getLogger(__name__)

SelfT = TypeVar("SelfT")
InteractionT = TypeVar("InteractionT", bound=discord.Interaction[Any])

APOLOGY = "Sorry, something went wrong on our side. It has been logged; please try again later."


class UserError(app_commands.AppCommandError):
    """An expected problem with what the user asked; the message is shown to them as is."""


async def reply_ephemeral(interaction: discord.Interaction, message: str) -> None:
    """Answer privately, whether or not the interaction was already acknowledged."""
    allowed = discord.AllowedMentions.none()
    if interaction.response.is_done():
        await interaction.followup.send(message, ephemeral=True, allowed_mentions=allowed)
    else:
        await interaction.response.send_message(message, ephemeral=True, allowed_mentions=allowed)


def describe(error: Exception) -> str | None:
    """The short message for an expected error, or None when it is a bug."""
    if isinstance(error, UserError):
        return str(error)
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} seconds."
    if isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        return str(error) or "You are not allowed to use this command."
    if isinstance(error, app_commands.TransformerError):
        return f"That value is not valid here: {error.value!r}."[:300]
    return None


async def report_error(interaction: discord.Interaction, error: Exception, where: str) -> None:
    """Tell the user what went wrong: their mistake in one line, a bug as an apology."""
    message = describe(error)
    if message is None:
        log.error("%s failed", where, exc_info=error)
        message = APOLOGY
    try:
        await reply_ephemeral(interaction, message)
    except discord.HTTPException:
        log.warning("could not tell the user about an error", exc_info=True)


def reports_errors(
    callback: Callable[[SelfT, InteractionT], Coroutine[Any, Any, None]],
) -> Callable[[SelfT, InteractionT], Coroutine[Any, Any, None]]:
    """For component callbacks: discord.py only logs what a DynamicItem raises (it never
    reaches the tree's on_error), which would leave the user with "interaction failed"."""

    @functools.wraps(callback)
    async def wrapper(self: SelfT, interaction: InteractionT) -> None:
        try:
            await callback(self, interaction)
        except Exception as exc:
            await report_error(interaction, exc, f"component {type(self).__name__}")

    return wrapper


class MastheadTree(app_commands.CommandTree[discord.Client]):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        command = interaction.command.qualified_name if interaction.command else "?"
        interaction.client.dispatch("app_command_failed", interaction, command)
        await report_error(interaction, error, f"command {command}")

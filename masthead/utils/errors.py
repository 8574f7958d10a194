"""Errors in layers: a user's mistake becomes one short ephemeral line; an unreachable
database one line saying so; anything unexpected is logged with its traceback and the
user gets a generic apology."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import discord
from discord import app_commands

from masthead.utils.db_faults import database_unavailable, fault_summary
from masthead.utils.modals import submitted_values

log = logging.getLogger(__name__)

SelfT = TypeVar("SelfT")
InteractionT = TypeVar("InteractionT", bound=discord.Interaction[Any])

APOLOGY = "Sorry, something went wrong on our side. It has been logged; please try again later."
# The one text for every command refused because the database cannot be reached (tests and
# the fault suite import it rather than repeat it).
DATABASE_UNAVAILABLE = "The database is temporarily unavailable; try again in a minute."
MESSAGE_LIMIT = 2000


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
    if database_unavailable(error):
        return DATABASE_UNAVAILABLE
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
    elif message == DATABASE_UNAVAILABLE:
        log.warning("%s refused: the database is unavailable (%s)", where, fault_summary(error))
        message = _with_typed_text(interaction, message)
    try:
        await reply_ephemeral(interaction, message)
    except discord.HTTPException:
        log.warning("could not tell the user about an error", exc_info=True)


def _with_typed_text(interaction: discord.Interaction, message: str) -> str:
    """A refused form's text, given back: its usual keeper (a draft for Try again) is in
    the database that is down, and what the reader typed must not simply vanish."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return message
    values = submitted_values(interaction).values()
    # No backticks inside: they would close the code block early.
    typed = "\n\n".join(v.replace("`", "\u02cb") for v in values if v.strip())
    if not typed:
        return message
    message += " What you typed:\n```\n"
    room = MESSAGE_LIMIT - len(message) - len("\n```")
    return message + (typed if len(typed) <= room else typed[: room - 1] + "…") + "\n```"


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

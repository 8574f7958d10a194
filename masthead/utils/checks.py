"""Who may do what: moderators and editors, checked at the moment of each action."""

from __future__ import annotations

import discord
from discord.ext.commands.bot import BotBase

from masthead.utils.errors import UserError


def is_moderator(interaction: discord.Interaction, moderator_role_id: int | None) -> bool:
    """Manage Server in this channel, or the server's configured moderator role."""
    if interaction.guild is None or not isinstance(interaction.user, discord.Member):
        return False
    if interaction.permissions.manage_guild:
        return True
    return moderator_role_id is not None and any(
        role.id == moderator_role_id for role in interaction.user.roles
    )


def require_guild(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise UserError("This command only works in a server.")
    return interaction.guild_id


def require_moderator(interaction: discord.Interaction, moderator_role_id: int | None) -> None:
    if not is_moderator(interaction, moderator_role_id):
        raise UserError("Only moderators (Manage Server, or the moderator role) can do that.")


async def is_editor(interaction: discord.Interaction, editor_ids: frozenset[int]) -> bool:
    """Editors are EDITOR_IDS and the application's owner (or its team)."""
    user = interaction.user
    if user.id in editor_ids:
        return True
    client = interaction.client
    return isinstance(client, BotBase) and await client.is_owner(user)


async def require_editor(interaction: discord.Interaction, editor_ids: frozenset[int]) -> None:
    if not await is_editor(interaction, editor_ids):
        raise UserError("Only the newsletter's editors can import and publish issues.")

"""Sync the command tree only when the command set changed, never on every start.

Discord rate limits bulk overwrites; a hash of the tree's JSON, kept in the database,
tells whether this start has anything new to send.
"""

from __future__ import annotations

import hashlib
import json
import logging

import discord
from discord import app_commands
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import state

log = logging.getLogger(__name__)


def tree_hash(tree: app_commands.CommandTree[discord.Client]) -> str:
    payload = sorted(
        (command.to_dict(tree) for command in tree.get_commands()), key=lambda c: c["name"]
    )
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


async def sync_if_changed(
    tree: app_commands.CommandTree[discord.Client],
    sessionmaker: async_sessionmaker[AsyncSession],
    application_id: int,
) -> bool:
    """Sync global commands when their hash differs from the stored one; True if synced."""
    key = f"command_tree_hash:{application_id}"
    current = tree_hash(tree)
    async with sessionmaker() as session:
        stored = await state.get_value(session, key)
    if stored == current:
        log.info("command tree unchanged; not syncing")
        return False
    synced = await tree.sync()
    async with sessionmaker.begin() as session:
        await state.set_value(session, key, current)
    log.info("synced %d commands", len(synced))
    return True

"""Fixtures for fakediscord's own tests: the plugin's fixtures, a small world (guild,
channel, member) and a test bot exercising every interaction kind."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest_asyncio

from fakediscord import FakeDiscord
from fakediscord.pytest_plugin import bot_process, fake_discord, run_bot
from tests.fakediscord.fakediscord_support import FeatureBot, World

__all__ = ["bot_process", "fake_discord", "run_bot"]


@pytest_asyncio.fixture
async def world(fake_discord: FakeDiscord) -> World:
    guild = fake_discord.add_guild("Readers")
    channel = fake_discord.add_channel(guild, "news")
    alice = fake_discord.add_user("alice")
    fake_discord.add_member(guild, alice)
    return World(fake_discord, guild, channel, alice)


@pytest_asyncio.fixture
async def served(world: World, run_bot: Callable[..., Awaitable[Any]]) -> World:
    """``world`` with :class:`FeatureBot` logged in and its commands synced."""
    world.bot = await run_bot(FeatureBot(), commands=["ping", "setup"])
    return world


@pytest_asyncio.fixture
async def raw(fake_discord: FakeDiscord) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """``status, body = await raw("POST", "/channels/1/messages", json={...})`` as the bot."""
    headers = {"Authorization": f"Bot {fake_discord.token}"}
    async with aiohttp.ClientSession(headers=headers) as session:

        async def call(method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
            async with session.request(method, fake_discord.api_base + path, **kwargs) as resp:
                body = await resp.json() if resp.content_type == "application/json" else None
                return resp.status, body

        yield call

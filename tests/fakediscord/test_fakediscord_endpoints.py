"""masthead.endpoints points discord.py at the emulator, and keeps it there."""

from __future__ import annotations

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bench.baseline_bot import BaselineBot
from masthead.endpoints import apply_endpoints
from tests.fakediscord.fakediscord_support import World


async def test_forced_gateway_wins_over_resume_gateway_url(world: World, run_bot) -> None:
    fake = world.fake
    # A READY that sends RESUMEs somewhere unreachable: only the forced URL can work.
    fake.gateway.resume_url = "ws://127.0.0.1:9/unreachable"
    await run_bot(BaselineBot(), commands=["ping"])

    await fake.drop_gateway()
    await fake.wait_until(lambda: fake.gateway.resumes == 1, "the bot to RESUME")

    assert (await fake.run_command(world.guild, world.channel, world.alice, "ping")).type == 4


def test_none_restores_discord_py_defaults() -> None:
    apply_endpoints("http://127.0.0.1:1/api/v10/", "ws://127.0.0.1:1/gateway")
    assert Route.BASE == "http://127.0.0.1:1/api/v10"
    assert yarl.URL("ws://127.0.0.1:1/gateway") == DiscordWebSocket.DEFAULT_GATEWAY

    apply_endpoints("https://discord.com/api/v10", None)

    assert Route.BASE == "https://discord.com/api/v10"
    assert yarl.URL("wss://gateway.discord.gg/") == DiscordWebSocket.DEFAULT_GATEWAY
    restored = DiscordWebSocket.from_client.__func__  # type: ignore[attr-defined]
    assert restored is DiscordWebSocket.__dict__["from_client"].__func__


class ShardedBot(BaselineBot, discord.AutoShardedClient):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py waits 5 s between IDENTIFYs for Discord's limit; the emulator has none.
        return None


async def test_each_shard_gets_its_own_guilds(world: World, run_bot) -> None:
    fake = world.fake
    guilds = [world.guild]
    while {g.id >> 22 & 1 for g in guilds} != {0, 1}:  # ids are time-based: wait for both
        guilds.append(fake.add_guild(f"g{len(guilds)}"))
    channels = {g.id: fake.add_channel(g, "general") for g in guilds}
    for guild in guilds:
        fake.add_member(guild, world.alice)

    fake.gateway.recommended_shards = 2  # AutoShardedClient asks GET /gateway/bot

    bot = await run_bot(ShardedBot(), commands=["ping"])
    await fake.wait_until(lambda: len(bot.guilds) == len(guilds), "all guilds")

    assert fake.gateway.identifies == 2
    assert sorted(s.shard_id for s in fake.gateway.sessions.values()) == [0, 1]
    for guild in guilds:
        assert bot.get_guild(guild.id).shard_id == (guild.id >> 22) % 2
        result = await fake.run_command(guild, channels[guild.id], world.alice, "ping")
        assert result.type == 4

"""The unmodified discord.py client logs in, syncs, and is served through the emulator."""

from __future__ import annotations

from pathlib import Path

from bench.baseline_bot import PING_EMBED, BaselineBot
from fakediscord import FakeDiscord
from tests.fakediscord.fakediscord_support import World

REPO = Path(__file__).resolve().parents[2]


async def test_in_process_bot_logs_in_syncs_and_answers(world: World, run_bot) -> None:
    fake = world.fake
    bot = await run_bot(BaselineBot(), commands=["ping"])

    assert bot.user.id == fake.bot.id
    assert [g.id for g in bot.guilds] == [world.guild.id]
    registered = fake.commands()
    assert [c["name"] for c in registered] == ["ping"]
    assert registered[0]["id"] and registered[0]["version"]

    result = await fake.run_command(world.guild, world.channel, world.alice, "ping")

    assert result.type == 4
    assert result.embeds[0]["title"] == PING_EMBED["title"]
    assert result.embeds[0]["description"] == PING_EMBED["description"]
    assert fake.messages(world.channel) == [result.message]
    routes = {(r.method, r.route) for r in fake.requests}
    assert ("GET", "/users/@me") in routes
    assert ("PUT", "/applications/{application_id}/commands") in routes
    assert ("POST", "/interactions/{interaction_id}/{interaction_token}/callback") in routes


async def test_subprocess_bot_is_served_and_can_be_killed(world: World, bot_process) -> None:
    fake: FakeDiscord = world.fake
    proc = await bot_process(
        ("bench/baseline_bot.py",), cwd=REPO, env={"PYTHONPATH": str(REPO)}, commands=["ping"]
    )

    result = await fake.run_command(world.guild, world.channel, world.alice, "ping")
    assert result.embeds[0]["title"] == "Pong"

    await proc.kill()
    assert proc.returncode == -9
    await proc.start(fake)
    await proc.wait_ready(fake)
    again = await fake.run_command(world.guild, world.channel, world.alice, "ping")
    assert again.embeds[0]["title"] == "Pong"
    await proc.terminate()
    assert proc.returncode is not None


async def test_guild_added_later_reaches_the_connected_bot(world: World, run_bot) -> None:
    bot = await run_bot(BaselineBot(sync_commands=False))
    later = world.fake.add_guild("Later")
    await world.fake.wait_until(lambda: bot.get_guild(later.id), "GUILD_CREATE for Later")
    channel = world.fake.add_channel(later, "fresh")
    await world.fake.wait_until(lambda: bot.get_channel(channel.id), "CHANNEL_CREATE")

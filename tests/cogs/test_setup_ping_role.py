"""A ping role that cannot notify anyone is pointed out when it is set."""

from __future__ import annotations

from fakediscord import FakeDiscord
from fakediscord import permissions as perms
from masthead.bot import Masthead
from tests.cogs.helpers import World, subscribe


async def test_unmentionable_ping_role_gets_a_note(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    quiet = fake_discord.add_role(world.guild, "Quiet readers", mentionable=False)
    fake_discord.deny_bot(world.news, perms.MENTION_EVERYONE)
    result = await subscribe(fake_discord, world, ping_role=quiet)
    assert "not mentionable" in result.content


async def test_mentionable_ping_role_needs_no_note(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    loud = fake_discord.add_role(world.guild, "Readers", mentionable=True)
    result = await subscribe(fake_discord, world, ping_role=loud)
    assert "pinging" in result.content and "not mentionable" not in result.content

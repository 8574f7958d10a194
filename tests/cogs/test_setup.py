"""/setup: who may configure, announce channels with backfill, and what /setup show says."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from db.repositories import deliveries, guilds
from fakediscord import FakeDiscord
from fakediscord import permissions as perms
from masthead.bot import Masthead
from tests.cogs.helpers import (
    World,
    import_and_publish,
    restart,
    subscribe,
    wait_delivered,
)
from tests.cogs.test_publishing import sample_parts

REFUSED = "Only moderators (Manage Server, or the moderator role) can do that."


def setup_options(world: World) -> dict[str, dict[str, Any]]:
    return {
        "announce": {"channel": world.news},
        "review": {"channel": world.news},
        "moderators": {"role": world.mod_role},
        "show": {},
    }


async def settings_of(bot: Masthead, world: World) -> Any:
    async with bot.sessionmaker() as session:
        return await guilds.get_settings(session, world.guild.id)


async def show(fake: FakeDiscord, world: World) -> dict[str, str]:
    result = await fake.run_command(world.guild, world.news, world.moderator, "setup", "show")
    assert result.ephemeral
    return {f["name"]: f["value"] for f in result.embeds[0]["fields"]}


@pytest.mark.parametrize("subcommand", ["announce", "review", "moderators", "show"])
async def test_non_moderator_is_refused_every_setup_subcommand(
    fake_discord: FakeDiscord, masthead: Masthead, world: World, subcommand: str
) -> None:
    options = setup_options(world)[subcommand]
    result = await fake_discord.run_command(
        world.guild, world.news, world.reader, "setup", subcommand, **options
    )
    assert result.ephemeral and result.content == REFUSED
    assert await settings_of(masthead, world) is None


async def test_member_with_the_configured_moderator_role_is_accepted(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    helpers = fake_discord.add_role(world.guild, "Helpers")  # no permissions at all
    fake_discord.set_roles(world.guild, world.reader, [helpers])
    before = await fake_discord.run_command(world.guild, world.news, world.reader, "setup", "show")
    assert before.content == REFUSED

    await fake_discord.run_command(
        world.guild, world.news, world.moderator, "setup", "moderators", role=helpers
    )
    after = await fake_discord.run_command(world.guild, world.news, world.reader, "setup", "show")
    assert after.embeds[0]["title"] == "Masthead settings"


async def test_manage_server_is_accepted(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    result = await fake_discord.run_command(
        world.guild, world.news, world.moderator, "setup", "review", channel=world.news
    )
    assert result.content == f"Review cards will be posted in <#{world.news.id}>."


async def test_announce_backfills_the_latest_issue_by_default(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead)
    result = await subscribe(fake_discord, world)
    assert "Posting December 2023 there now." in result.content
    header, _ = await wait_delivered(fake_discord, world.news, len(sample_parts()) - 1)
    assert len(header) == 1 and "December 2023" in header[0].embeds[0]["title"]


async def test_announce_without_backfill_posts_nothing_now(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await import_and_publish(masthead)
    result = await subscribe(fake_discord, world, backfill=False)
    assert result.content == f"New issues will be posted in <#{world.news.id}>."
    async with masthead.sessionmaker() as session:
        assert await deliveries.unfinished(session) == []
    assert fake_discord.messages(world.news) == []


async def test_announce_in_a_channel_the_bot_cannot_use_names_the_permissions(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    fake_discord.deny_bot(world.news, perms.EMBED_LINKS | perms.CREATE_PUBLIC_THREADS)
    result = await fake_discord.run_command(
        world.guild, world.news, world.moderator, "setup", "announce", channel=world.news
    )
    assert result.ephemeral
    assert result.content == (
        f"I need these permissions in <#{world.news.id}> first: Embed Links, Create Public Threads."
    )
    assert await settings_of(masthead, world) is None


async def test_announce_refuses_to_ping_everyone(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    result = await subscribe(fake_discord, world, ping_role=world.guild.everyone)
    assert "not @everyone" in result.content
    assert result.message is not None and not result.message.mention_everyone
    assert await settings_of(masthead, world) is None


async def test_show_lists_every_setting(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    readers = fake_discord.add_role(world.guild, "Readers", mentionable=True)
    review = fake_discord.add_channel(world.guild, "review")
    for subcommand, options in (
        ("announce", {"channel": world.news, "ping_role": readers}),
        ("review", {"channel": review}),
        ("moderators", {"role": world.mod_role}),
    ):
        await fake_discord.run_command(
            world.guild, world.news, world.moderator, "setup", subcommand, **options
        )
    assert await show(fake_discord, world) == {
        "Announce channel": f"<#{world.news.id}>",
        "Ping role": f"<@&{readers.id}>",
        "Review channel": f"<#{review.id}>",
        "Moderator role": f"<@&{world.mod_role.id}>",
    }


async def test_review_and_moderator_settings_survive_a_restart(
    fake_discord: FakeDiscord,
    masthead: Masthead,
    world: World,
    run_bot: Callable[..., Awaitable[Any]],
) -> None:
    review = fake_discord.add_channel(world.guild, "review")
    await fake_discord.run_command(
        world.guild, world.news, world.moderator, "setup", "review", channel=review
    )
    await fake_discord.run_command(
        world.guild, world.news, world.moderator, "setup", "moderators", role=world.mod_role
    )
    await restart(fake_discord, masthead, run_bot)
    shown = await show(fake_discord, world)
    assert shown["Review channel"] == f"<#{review.id}>"
    assert shown["Moderator role"] == f"<@&{world.mod_role.id}>"
    assert shown["Announce channel"] == "not set"


async def test_setup_in_a_direct_message_needs_a_server(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    dm = fake_discord.dm_channel(world.moderator)
    result = await fake_discord.run_command(None, dm, world.moderator, "setup", "show")
    assert result.content == "This command only works in a server."

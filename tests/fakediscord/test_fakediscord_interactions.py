"""Every interaction kind and callback type, driven through the real discord.py."""

from __future__ import annotations

import pytest

from fakediscord import permissions as perms
from tests.fakediscord.fakediscord_support import World


async def test_subcommand_with_channel_and_role_options_sees_real_permissions(
    served: World,
) -> None:
    fake = served.fake
    mods = fake.add_role(served.guild, "mods", perms.MANAGE_GUILD)
    bob = fake.add_user("bob")
    fake.add_member(served.guild, bob, roles=[mods])

    result = await fake.run_command(
        served.guild,
        served.channel,
        bob,
        "setup",
        "announce",
        channel=served.channel,
        ping_role=mods,
        backfill=False,
    )
    plain = await fake.run_command(
        served.guild, served.channel, served.alice, "setup announce", channel=served.channel
    )

    assert result.content == "announce=news role=mods backfill=False manage=True"
    assert result.ephemeral
    assert plain.content == "announce=news role=- backfill=True manage=False"


async def test_user_cannot_send_what_the_client_would_not(served: World) -> None:
    fake = served.fake
    with pytest.raises(ValueError, match="required options missing"):
        await fake.run_command(served.guild, served.channel, served.alice, "item")
    with pytest.raises(ValueError, match="outside"):
        await fake.run_command(served.guild, served.channel, served.alice, "item", number=26)
    with pytest.raises(ValueError, match="needs a subcommand"):
        await fake.run_command(served.guild, served.channel, served.alice, "setup")


async def test_autocomplete_returns_choices(served: World) -> None:
    result = await served.fake.autocomplete(
        served.guild, served.channel, served.alice, "item", focused="issue", issue="2023-1"
    )

    assert result.type == 8
    assert [c["value"] for c in result.choices or []] == ["2023-10", "2023-11", "2023-12"]


async def test_public_flag_controls_ephemeral(served: World) -> None:
    fake = served.fake
    private = await fake.run_command(served.guild, served.channel, served.alice, "item", number=3)
    public = await fake.run_command(
        served.guild, served.channel, served.alice, "item", number=3, issue="2023-12", public=True
    )

    assert private.ephemeral and private.content == "item 3 of latest"
    assert not public.ephemeral and public.content == "item 3 of 2023-12"
    assert fake.messages(served.channel) == [public.message]
    assert private.message in fake.messages(served.channel, include_ephemeral=True)


async def test_button_updates_message_select_answers_and_modal_submits(served: World) -> None:
    fake = served.fake
    menu = await fake.run_command(served.guild, served.channel, served.alice, "menu")
    assert menu.message is not None

    clicked = await fake.click(menu.message, "menu:open", served.alice)
    picked = await fake.select(menu.message, "menu:pick", ["2"], served.alice)
    opened = await fake.click(menu.message, "menu:tip", served.alice)
    submitted = await fake.submit_modal(opened, {"headline": "Pandas return to Washington zoo"})

    assert clicked.type == 7 and menu.message.content == "opened by alice"
    assert picked.type == 4 and picked.content == "picked 2" and picked.ephemeral
    assert opened.type == 9 and opened.modal is not None
    assert opened.modal["title"] == "Send a tip"
    assert submitted.content == "tip: Pandas return to Washington zoo / -"
    with pytest.raises(ValueError, match="length"):
        await fake.submit_modal(opened, {"headline": "short"})


async def test_deferred_reply_is_filled_by_first_followup(served: World) -> None:
    result = await served.fake.run_command(served.guild, served.channel, served.alice, "think")

    message = await result.wait_message()
    followups = await result.wait_followups(1)

    assert result.type == 5
    assert message.content == "first"
    assert [m.content for m in followups] == ["second"]
    assert followups[0].ephemeral


async def test_late_acknowledgement_is_refused(served: World) -> None:
    fake = served.fake
    fake.ack_window = 0.3

    with fake.expect_violation(code=10062):
        result = await fake.run_command(
            served.guild, served.channel, served.alice, "slow", seconds=0.5
        )

    assert result.type is None
    assert result.refused is not None and result.refused.status == 404
    assert fake.messages(served.channel) == []
    await fake.wait_until(lambda: served.bot.errors, "the bot to see the refusal")
    assert getattr(served.bot.errors[0], "code", None) == 10062


async def test_double_acknowledgement_is_refused(served: World) -> None:
    fake = served.fake

    with fake.expect_violation(code=40060):
        result = await fake.run_command(served.guild, served.channel, served.alice, "twice")
        await fake.wait_until(lambda: result.refused, "the second acknowledgement")

    assert result.content == "one"
    assert result.refused is not None and result.refused.status == 400
    assert [m.content for m in fake.messages(served.channel)] == ["one"]


async def test_command_in_a_dm_is_served(served: World) -> None:
    fake = served.fake
    dm = fake.dm_channel(served.alice)

    result = await fake.run_command(None, dm, served.alice, "item", number=1, public=True)

    assert result.content == "item 1 of latest"
    assert fake.messages(dm) == [result.message]
    assert result.latency is not None and 0 < result.latency < fake.ack_window


async def test_original_response_and_followups_can_be_read_edited_deleted(served: World) -> None:
    fake = served.fake
    result = await fake.run_command(served.guild, served.channel, served.alice, "lifecycle")

    original = await result.wait_message()
    await result.wait_followups(2)
    await fake.wait_until(lambda: original.deleted, "the original to be deleted")

    assert [m.content for m in result.followups] == ["f2", "original was v2"]
    assert [m.content for m in fake.messages(served.channel)] == ["f2", "original was v2"]


async def test_permissions_are_read_when_the_interaction_happens(served: World) -> None:
    fake = served.fake
    mods = fake.add_role(served.guild, "mods", perms.MANAGE_GUILD)
    args = (served.guild, served.channel, served.alice, "setup announce")

    before = await fake.run_command(*args, channel=served.channel)
    fake.set_roles(served.guild, served.alice, [mods])
    after = await fake.run_command(*args, channel=served.channel)

    assert before.content.endswith("manage=False")
    assert after.content.endswith("manage=True")

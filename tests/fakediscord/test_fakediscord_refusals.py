"""The emulator refuses what Discord refuses, answers like Discord, and records it."""

from __future__ import annotations

import json

import discord
import pytest

from fakediscord import permissions as perms
from tests.fakediscord.fakediscord_support import World


def _embed(description: str) -> dict[str, str]:
    return {"title": "t", "description": description}


@pytest.mark.parametrize(
    ("body", "field", "error"),
    [
        ({"embeds": [_embed("x" * 4097)]}, "embeds", "BASE_TYPE_MAX_LENGTH"),
        ({"embeds": [_embed("x")] * 11}, "embeds", "BASE_TYPE_MAX_LENGTH"),
        # 4 x (1 + 1749) = 7000 characters over all embeds, each within its own limits
        ({"embeds": [_embed("x" * 1749)] * 4}, "embeds", "MAX_EMBED_SIZE_EXCEEDED"),
        ({"content": "x" * 2001}, "content", "BASE_TYPE_MAX_LENGTH"),
        ({"content": 42}, "content", "BASE_TYPE_BAD_TYPE"),  # from the OpenAPI schema
        (
            {"content": "hi", "allowed_mentions": {"parse": ["users"], "users": ["1"]}},
            "allowed_mentions",
            "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
        ),
    ],
    ids=[
        "description-4097",
        "11-embeds",
        "embeds-7000",
        "content-2001",
        "content-int",
        "allowed-mentions-exclusive",
    ],
)
async def test_invalid_message_body_is_refused_and_recorded(world: World, raw, body, field, error):
    fake = world.fake

    with fake.expect_violation(code=50035) as caught:
        status, answer = await raw("POST", f"/channels/{world.channel.id}/messages", json=body)

    assert status == 400
    assert answer["code"] == 50035 and answer["message"] == "Invalid Form Body"
    assert error in json.dumps(answer["errors"][field])
    assert [v.code for v in caught] == [50035]
    assert fake.messages(world.channel) == []


async def test_embeds_just_inside_the_limits_are_accepted(world: World, raw) -> None:
    body = {"embeds": [_embed("x" * 4096)] + [_embed("y" * 900)] * 2}  # 5898 characters
    status, answer = await raw("POST", f"/channels/{world.channel.id}/messages", json=body)

    assert status == 200, answer
    assert world.fake.violations == []


async def test_discord_py_raises_for_a_refused_embed(world: World, run_bot) -> None:
    from bench.baseline_bot import BaselineBot

    bot = await run_bot(BaselineBot(sync_commands=False))
    channel = bot.get_partial_messageable(world.channel.id)

    with world.fake.expect_violation(code=50035), pytest.raises(discord.HTTPException) as exc:
        await channel.send(embed=discord.Embed(description="x" * 4097))

    assert exc.value.status == 400 and exc.value.code == 50035


async def test_channel_the_bot_cannot_write_to_is_forbidden(world: World, run_bot) -> None:
    from bench.baseline_bot import BaselineBot

    fake = world.fake
    hidden = fake.add_channel(world.guild, "staff")
    readonly = fake.add_channel(world.guild, "rules")
    fake.deny_bot(readonly, perms.SEND_MESSAGES)
    fake.set_overwrite(hidden, world.guild, deny=perms.VIEW_CHANNEL)
    gone = fake.add_channel(world.guild, "old")
    bot = await run_bot(BaselineBot(sync_commands=False))
    targets = [bot.get_partial_messageable(c.id) for c in (readonly, hidden, gone)]
    fake.delete_channel(gone)

    with pytest.raises(discord.Forbidden) as no_send:
        await targets[0].send("hello")
    with pytest.raises(discord.Forbidden) as no_view:
        await targets[1].send("hello")
    with pytest.raises(discord.NotFound) as deleted:
        await bot.http.send_message(gone.id, params=_params("hello"))

    assert (no_send.value.status, no_send.value.code) == (403, 50013)
    assert (no_view.value.status, no_view.value.code) == (403, 50001)
    assert (deleted.value.status, deleted.value.code) == (404, 10003)
    # A correct bot meets these and must cope: they are not protocol violations.
    assert fake.violations == []


async def test_admin_role_overrides_channel_denies(world: World) -> None:
    fake = world.fake
    admins = fake.add_role(world.guild, "admins", perms.ADMINISTRATOR)
    carol = fake.add_user("carol")
    fake.add_member(world.guild, carol, roles=[admins])
    fake.set_overwrite(world.channel, world.guild, deny=perms.VIEW_CHANNEL)

    assert fake.state.permissions_in(world.channel, carol.id) == perms.ALL
    assert fake.state.permissions_in(world.channel, world.alice.id) == 0


async def test_unknown_token_is_unauthorized(world: World) -> None:
    import aiohttp

    async with (
        aiohttp.ClientSession() as session,
        session.get(
            world.fake.api_base + "/users/@me", headers={"Authorization": "Bot wrong"}
        ) as resp,
    ):
        assert resp.status == 401


def _params(content: str):
    from discord.http import handle_message_parameters

    return handle_message_parameters(content=content)


def _row(*components: dict) -> dict:
    return {"type": 1, "components": list(components)}


def _button(custom_id: str) -> dict:
    return {"type": 2, "style": 1, "label": "b", "custom_id": custom_id}


def _text_input(n: int, **extra) -> dict:
    return {"type": 4, "custom_id": f"f{n}", "label": "Field", "style": 1, **extra}


_MODAL = {"title": "Tip", "custom_id": "tip"}


@pytest.mark.parametrize(
    ("kind", "callback", "error"),
    [
        (
            4,
            {
                "type": 8,
                "data": {"choices": [{"name": str(n), "value": str(n)} for n in range(26)]},
            },
            "choices",
        ),
        (
            2,
            {
                "type": 9,
                "data": {**_MODAL, "title": "x" * 46, "components": [_row(_text_input(1))]},
            },
            "title",
        ),
        (
            2,
            {"type": 9, "data": {**_MODAL, "components": [_row(_text_input(n)) for n in range(6)]}},
            "components",
        ),
        (
            2,
            {"type": 9, "data": {**_MODAL, "components": [_row(_text_input(1, max_length=4001))]}},
            "max_length",
        ),
        (
            2,
            {"type": 4, "data": {"content": "x", "components": [_row(_button("x" * 101))]}},
            "custom_id",
        ),
        (
            2,
            {
                "type": 4,
                "data": {
                    "content": "x",
                    "components": [_row(*[_button(f"b{n}") for n in range(6)])],
                },
            },
            "components",
        ),
        (2, {"type": 8, "data": {"choices": []}}, "type"),  # choices answer a command
        (
            2,
            {
                "type": 9,
                "data": {
                    **_MODAL,
                    "components": [_row(_text_input(1, max_length=1000, value="x" * 1200))],
                },
            },
            "value",
        ),
        (
            2,
            {
                "type": 9,
                "data": {
                    **_MODAL,
                    "components": [
                        {
                            "type": 18,
                            "label": "Headline",
                            "component": _text_input(1, label=None, max_length=10, value="x" * 11),
                        }
                    ],
                },
            },
            "value",
        ),
        (
            2,
            {"type": 9, "data": {**_MODAL, "components": [_row(_text_input(1, label="x" * 46))]}},
            "label",
        ),
        (
            2,
            {"type": 9, "data": {**_MODAL, "components": [_row(_text_input(1, min_length=4001))]}},
            "min_length",
        ),
        (
            2,
            {
                "type": 9,
                "data": {**_MODAL, "custom_id": "x" * 101, "components": [_row(_text_input(1))]},
            },
            "custom_id",
        ),
        (2, {"type": 9, "data": {**_MODAL, "components": []}}, "components"),
        # A modal cannot answer a modal submit.
        (5, {"type": 9, "data": {**_MODAL, "components": [_row(_text_input(1))]}}, "type"),
        # UPDATE_MESSAGE needs the message of the component that opened the modal.
        (5, {"type": 7, "data": {"content": "x"}}, "type"),
    ],
    ids=[
        "26-choices",
        "modal-title-46",
        "modal-6-inputs",
        "input-max-4001",
        "custom-id-101",
        "6-buttons-in-row",
        "wrong-callback-type",
        "prefill-over-max-length",
        "prefill-over-max-length-in-label",
        "input-label-46",
        "input-min-4001",
        "modal-custom-id-101",
        "modal-no-components",
        "modal-answers-modal-submit",
        "update-without-message",
    ],
)
async def test_invalid_interaction_callback_is_refused(world: World, raw, kind, callback, error):
    fake = world.fake
    data = {"id": "1", "name": "x", "type": 1}
    interaction = fake.emulator.interactions.create(kind, world.alice, world.channel, data)

    with fake.expect_violation(code=50035):
        status, answer = await raw(
            "POST", f"/interactions/{interaction.id}/{interaction.token}/callback", json=callback
        )

    assert status == 400 and answer["code"] == 50035
    assert error in _error_fields(answer["errors"])  # a field of the refusal, not its prose
    assert interaction.callback_type is None
    assert interaction.refused is not None  # a waiting InteractionResult returns at once


def _error_fields(errors: dict) -> set[str]:
    """Every field name in Discord's nested error body."""
    fields: set[str] = set()
    for key, value in errors.items():
        if key != "_errors":
            fields.add(key)
            if isinstance(value, dict):
                fields |= _error_fields(value)
    return fields


@pytest.mark.parametrize(
    ("command", "error"),
    [
        ({"name": "Ping", "description": "d"}, "APPLICATION_COMMAND_INVALID_NAME"),
        ({"name": "ping", "description": "d" * 101}, "description"),
        (
            {
                "name": "ping",
                "description": "d",
                "options": [
                    {
                        "type": 3,
                        "name": "o",
                        "description": "d",
                        "choices": [{"name": str(n), "value": str(n)} for n in range(26)],
                    }
                ],
            },
            "choices",
        ),
        ({"name": "Suggest as tip", "type": 3, "description": "d"}, "description"),
        (
            {
                "name": "Tips by",
                "type": 2,
                "options": [{"type": 3, "name": "o", "description": "d"}],
            },
            "options",
        ),
    ],
    ids=[
        "uppercase-name",
        "description-101",
        "26-option-choices",
        "context-menu-description",
        "context-menu-options",
    ],
)
async def test_invalid_command_sync_is_refused(world: World, raw, command, error) -> None:
    fake = world.fake

    with fake.expect_violation(code=50035):
        status, answer = await raw(
            "PUT", f"/applications/{fake.application_id}/commands", json=[command]
        )

    assert status == 400 and error in json.dumps(answer["errors"])
    assert fake.commands() == []


async def test_command_limits_count_per_type(world: World, raw) -> None:
    fake = world.fake
    path = f"/applications/{fake.application_id}/commands"
    slash = [{"name": f"c{n}", "description": "d"} for n in range(100)]
    users = [{"name": f"User {n}", "type": 2} for n in range(15)]
    messages = [{"name": f"Message {n}", "type": 3} for n in range(15)]

    status, synced = await raw("PUT", path, json=slash + users + messages)
    assert status == 200 and len(synced) == 130

    with fake.expect_violation(code=50035):
        status, answer = await raw("PUT", path, json=[*messages, {"name": "One more", "type": 3}])
    assert status == 400 and "MESSAGE" in json.dumps(answer["errors"])
    assert len(fake.commands()) == 130  # a refused overwrite changes nothing


@pytest.mark.parametrize("query", ["limit=abc", "limit=0", "limit=101", "after=x1", "before=-"])
async def test_bad_history_query_is_refused_not_crashed(world: World, raw, query: str) -> None:
    with world.fake.expect_violation(code=50035):
        status, answer = await raw("GET", f"/channels/{world.channel.id}/messages?{query}")
    assert status == 400 and answer["code"] == 50035


async def test_unknown_attachment_id_is_not_found(world: World) -> None:
    import aiohttp

    base = world.fake.api_base.removesuffix("/api/v10")
    async with aiohttp.ClientSession() as session, session.get(f"{base}/attachments/abc/x") as r:
        assert r.status == 404


@pytest.mark.parametrize(
    "frame", ["not json", "[]", '{"op": 2, "d": {"token": "TOKEN", "intents": "x"}}']
)
async def test_bad_gateway_payload_closes_with_4002(world: World, frame: str) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session, session.ws_connect(world.fake.gateway_url) as ws:
        await ws.receive_json()  # HELLO
        await ws.send_str(frame.replace("TOKEN", world.fake.token))
        closing = await ws.receive()
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert ws.close_code == 4002

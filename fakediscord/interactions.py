"""Interactions: the INTERACTION_CREATE envelope, the callback endpoint (types 4-9), the
original response (@original) and followups, held to the 3 s / ack-once rules."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import errors, limits
from .errors import DiscordError, field_error
from .messages import create_message, delete_message, edit_message, event_json
from .models import EPHEMERAL, LOADING, Channel, Json, Message, User
from .routing import Reply, Request, RouteTable, check_limits

if TYPE_CHECKING:
    from .server import Emulator

ROUTES = RouteTable()
route = ROUTES.route

PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
# Callback types Discord accepts per interaction type. A modal never answers a modal
# submit; UPDATE_MESSAGE (7) answers one only when the modal was opened from a message
# component (it edits that message). DEFERRED_UPDATE_MESSAGE (6) acknowledges any modal
# submit, silently when there is no message (discord.py's defer() on a modal sends 6).
_ALLOWED = {
    APPLICATION_COMMAND: {4, 5, 9},
    MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}
_TOKEN_LIFETIME = 15 * 60


@dataclass
class Interaction:
    id: int
    token: str
    type: int
    user: User
    channel: Channel
    payload: Json
    message: Message | None = None  # the message a component sits on
    created: float = field(default_factory=time.monotonic)
    callback_type: int | None = None
    answered_at: float | None = None  # time.monotonic() of the accepted callback
    response: Message | None = None
    followups: list[Message] = field(default_factory=list)
    modal: Json | None = None
    choices: list[Json] | None = None
    refused: DiscordError | None = None

    @property
    def guild_id(self) -> int | None:
        return self.channel.guild_id


class Interactions:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.by_id: dict[int, Interaction] = {}
        self.by_token: dict[str, Interaction] = {}

    def create(
        self, kind: int, user: User, channel: Channel, data: Json, message: Message | None = None
    ) -> Interaction:
        """Register an interaction and deliver it to the bot as INTERACTION_CREATE."""
        state = self.emu.state
        ident = state.ids.next()
        token = f"aW50ZXJhY3Rpb24{ident}:{secrets.token_urlsafe(48)}"
        payload: Json = {
            "id": str(ident),
            "application_id": str(state.application_id),
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "channel_id": str(channel.id),
            "channel": channel.to_json(),
            "app_permissions": str(state.permissions_in(channel, state.bot.id)),
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": limits.UPLOAD_BYTES,
        }
        guild = state.guilds.get(channel.guild_id) if channel.guild_id else None
        if guild is not None:
            member = guild.members.get(user.id)
            if member is None:
                raise ValueError(f"{user.username} is not a member of {guild.name}")
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                member={
                    **member.to_json(),
                    "permissions": str(state.permissions_in(channel, user.id)),
                },
                context=0,
                authorizing_integration_owners={"0": str(guild.id)},
            )
        else:
            payload.update(
                user=user.to_json(), context=1, authorizing_integration_owners={"0": str(user.id)}
            )
        if message is not None:
            payload["message"] = state.message_json(message, self.emu.base_url)
        interaction = Interaction(ident, token, kind, user, channel, payload, message)
        self.by_id[ident] = interaction
        self.by_token[token] = interaction
        self.emu.gateway.dispatch("INTERACTION_CREATE", payload, channel.guild_id)
        return interaction

    def note_refusal(self, params: dict[str, str], err: DiscordError) -> None:
        """A callback refused before reaching its handler (schema) still ends the wait."""
        interaction = self.by_token.get(params.get("interaction_token", ""))
        if interaction is not None and interaction.callback_type is None:
            interaction.refused = err

    def by_webhook(self, req: Request) -> Interaction:
        interaction = self.by_token.get(req.params["webhook_token"])
        if (
            interaction is None
            or req.id("webhook_id") != self.emu.state.application_id
            or time.monotonic() - interaction.created > _TOKEN_LIFETIME
        ):
            raise errors.error(errors.UNKNOWN_WEBHOOK, violation=True)
        if interaction.callback_type is None:
            # Followups and @original exist only once the interaction was acknowledged.
            raise errors.error(errors.UNKNOWN_WEBHOOK, violation=True)
        return interaction


def _meta(interaction: Interaction) -> Json:
    return {
        "id": str(interaction.id),
        "type": interaction.type,
        "user": interaction.user.to_json(),
        "authorizing_integration_owners": interaction.payload["authorizing_integration_owners"],
    }


def _bot_message(
    emu: Emulator, interaction: Interaction, body: Json, req: Request, extra_flags: int = 0
) -> Message:
    return create_message(
        emu,
        interaction.channel,
        emu.state.bot,
        body,
        req.files,
        path=["data"],
        webhook_id=emu.state.application_id,
        interaction=_meta(interaction),
        extra_flags=extra_flags,
    )


def _refuse(interaction: Interaction, err: DiscordError) -> DiscordError:
    interaction.refused = err
    return err


@route("POST", "/interactions/{interaction_id}/{interaction_token}/callback")
async def callback(emu: Emulator, req: Request) -> Reply | Json:
    interaction = emu.interactions.by_id.get(req.id("interaction_id"))
    if interaction is None or interaction.token != req.params["interaction_token"]:
        raise errors.error(errors.UNKNOWN_INTERACTION, violation=True)
    if interaction.callback_type is not None:
        raise _refuse(interaction, errors.error(errors.ALREADY_ACKNOWLEDGED, violation=True))
    if req.received - interaction.created > emu.ack_window:
        raise _refuse(interaction, errors.error(errors.UNKNOWN_INTERACTION, violation=True))
    body: Json = req.body or {}
    kind = int(body.get("type", 0))
    data: Json = body.get("data") or {}
    if kind not in _ALLOWED.get(interaction.type, set()):
        raise _refuse(
            interaction,
            _bad_type(f"Callback type {kind} is not valid for interaction type {interaction.type}"),
        )
    if kind == 7 and interaction.message is None:
        raise _refuse(
            interaction,
            _bad_type("UPDATE_MESSAGE needs a message: this modal was not opened from a component"),
        )
    try:
        resource = _respond(emu, interaction, kind, data, req)
    except DiscordError as err:
        raise _refuse(interaction, err) from None
    interaction.callback_type = kind
    interaction.answered_at = req.received
    if not req.flag("with_response"):
        return Reply(204)
    response = interaction.response if kind in (4, 5, 7) else None
    out: Json = {
        "interaction": {
            "id": str(interaction.id),
            "type": interaction.type,
            "response_message_id": str(response.id) if response else None,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(response and response.ephemeral),
        },
        "resource": resource,
    }
    return out


def _bad_type(message: str) -> DiscordError:
    return errors.invalid_form_body(
        field_error(["type"], "INTERACTION_RESPONSE_TYPE_INVALID", message)
    )


def _respond(emu: Emulator, interaction: Interaction, kind: int, data: Json, req: Request) -> Json:
    resource: Json = {"type": kind}
    if kind == 4:
        interaction.response = _bot_message(emu, interaction, data, req)
    elif kind == 5:
        flags = int(data.get("flags") or 0) & EPHEMERAL
        message = Message(
            id=emu.state.ids.next(),
            channel_id=interaction.channel.id,
            guild_id=interaction.guild_id,
            author=emu.state.bot,
            flags=flags | LOADING,
            webhook_id=emu.state.application_id,
            application_id=emu.state.application_id,
            type=20,
            interaction=_meta(interaction),
        )
        emu.state.store_message(message, listed=not message.ephemeral)
        if not message.ephemeral:
            emu.gateway.dispatch("MESSAGE_CREATE", event_json(emu, message), message.guild_id)
        interaction.response = message
    elif kind == 6:
        interaction.response = interaction.message  # None for a modal from a command
    elif kind == 7:
        assert interaction.message is not None
        interaction.response = edit_message(
            emu, interaction.message, data, req.files, path=["data"]
        )
    elif kind == 8:
        check_limits(limits.check_choices(data, ["data"]))
        interaction.choices = list(data.get("choices") or [])
    elif kind == 9:
        check_limits(limits.check_modal(data, ["data"]))
        interaction.modal = data
    if interaction.response is not None and kind in (4, 5, 7):
        resource["message"] = emu.state.message_json(interaction.response, emu.base_url)
    return resource


# webhooks: @original and followups --------------------------------------------------------

_WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"


def _original(emu: Emulator, req: Request) -> tuple[Interaction, Message]:
    interaction = emu.interactions.by_webhook(req)
    if interaction.response is None or interaction.response.deleted:
        raise errors.error(errors.UNKNOWN_MESSAGE)
    return interaction, interaction.response


def _followup(emu: Emulator, req: Request) -> tuple[Interaction, Message]:
    interaction = emu.interactions.by_webhook(req)
    message_id = req.id("message_id")
    for message in [*interaction.followups, interaction.response]:
        if message is not None and message.id == message_id and not message.deleted:
            return interaction, message
    raise errors.error(errors.UNKNOWN_MESSAGE)


@route("GET", _WEBHOOK + "/messages/@original")
async def get_original(emu: Emulator, req: Request) -> Json:
    return emu.state.message_json(_original(emu, req)[1], emu.base_url)


@route("GET", _WEBHOOK + "/messages/{message_id}")
async def get_followup(emu: Emulator, req: Request) -> Json:
    return emu.state.message_json(_followup(emu, req)[1], emu.base_url)


@route("PATCH", _WEBHOOK + "/messages/@original")
async def edit_original(emu: Emulator, req: Request) -> Json:
    _, message = _original(emu, req)
    edit_message(emu, message, req.body or {}, req.files)
    return emu.state.message_json(message, emu.base_url)


@route("PATCH", _WEBHOOK + "/messages/{message_id}")
async def edit_followup(emu: Emulator, req: Request) -> Json:
    _, message = _followup(emu, req)
    edit_message(emu, message, req.body or {}, req.files)
    return emu.state.message_json(message, emu.base_url)


@route("DELETE", _WEBHOOK + "/messages/@original")
async def delete_original(emu: Emulator, req: Request) -> Reply:
    delete_message(emu, _original(emu, req)[1])
    return Reply(204)


@route("DELETE", _WEBHOOK + "/messages/{message_id}")
async def delete_followup(emu: Emulator, req: Request) -> Reply:
    delete_message(emu, _followup(emu, req)[1])
    return Reply(204)


@route("POST", _WEBHOOK)
async def send_followup(emu: Emulator, req: Request) -> Reply | Json:
    interaction = emu.interactions.by_webhook(req)
    body: Json = req.body or {}
    original = interaction.response
    if interaction.callback_type == 5 and original is not None and original.flags & LOADING:
        # Discord: the first followup after a "thinking" defer edits that message instead.
        message = edit_message(emu, original, body, req.files)
    else:
        message = create_message(
            emu,
            interaction.channel,
            emu.state.bot,
            body,
            req.files,
            webhook_id=emu.state.application_id,
            interaction=_meta(interaction),
        )
        interaction.followups.append(message)
    if not req.flag("wait"):
        return Reply(204)
    return emu.state.message_json(message, emu.base_url)

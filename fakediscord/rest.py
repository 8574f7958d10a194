"""REST routes for login, users, guilds, channels, messages, threads and DMs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import errors
from . import permissions as perms
from .errors import field_error
from .messages import create_message, delete_message, edit_message
from .models import Channel, ChannelType, Json
from .routing import Reply, Request, RouteTable, check_limits

if TYPE_CHECKING:
    from .server import Emulator

ROUTES = RouteTable()
route = ROUTES.route


# login -------------------------------------------------------------------------------


@route("GET", "/users/@me")
async def get_me(emu: Emulator, req: Request) -> Json:
    data = emu.state.bot.to_json()
    data.update(verified=True, mfa_enabled=False, locale="en-US")
    return data


@route("GET", "/gateway")
async def get_gateway(emu: Emulator, req: Request) -> Json:
    return {"url": emu.gateway_url}


@route("GET", "/gateway/bot")
async def get_gateway_bot(emu: Emulator, req: Request) -> Json:
    return {
        "url": emu.gateway_url,
        "shards": emu.gateway.recommended_shards,
        "session_start_limit": {
            "total": 1000,
            "remaining": 999,
            "reset_after": 14_400_000,
            "max_concurrency": 1,
        },
    }


@route("GET", "/oauth2/applications/@me")
@route("GET", "/applications/@me")
async def get_application(emu: Emulator, req: Request) -> Json:
    state = emu.state
    return {
        "id": str(state.application_id),
        "name": state.bot.username,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 0,
        "owner": state.owner.to_json(),
        "team": None,
        "bot": state.bot.to_json(),
        "approximate_guild_count": len(state.guilds),
        "redirect_uris": [],
        "interactions_endpoint_url": None,
    }


@route("GET", "/users/{user_id}")
async def get_user(emu: Emulator, req: Request) -> Json:
    user = emu.state.users.get(req.id("user_id"))
    if user is None:
        raise errors.error(errors.UNKNOWN_USER)
    return user.to_json()


@route("GET", "/users/@me/guilds")
async def get_my_guilds(emu: Emulator, req: Request) -> list[Json]:
    return [
        {
            "id": str(g.id),
            "name": g.name,
            "icon": None,
            "owner": False,
            "permissions": str(emu.state.guild_permissions(g, emu.state.bot.id)),
            "features": [],
        }
        for g in emu.state.guilds.values()
    ]


# guilds --------------------------------------------------------------------------------


@route("GET", "/guilds/{guild_id}")
async def get_guild(emu: Emulator, req: Request) -> Json:
    return emu.state.guild(req.id("guild_id")).to_json()


@route("GET", "/guilds/{guild_id}/channels")
async def get_guild_channels(emu: Emulator, req: Request) -> list[Json]:
    guild = emu.state.guild(req.id("guild_id"))
    channels = (emu.state.channels[c] for c in guild.channel_ids)
    return [c.to_json() for c in channels if not c.deleted]


@route("GET", "/guilds/{guild_id}/roles")
async def get_roles(emu: Emulator, req: Request) -> list[Json]:
    return [r.to_json() for r in emu.state.guild(req.id("guild_id")).roles.values()]


@route("GET", "/guilds/{guild_id}/members/{user_id}")
async def get_member(emu: Emulator, req: Request) -> Json:
    member = emu.state.guild(req.id("guild_id")).members.get(req.id("user_id"))
    if member is None:
        raise errors.error(errors.UNKNOWN_MEMBER)
    return member.to_json()


# channels ------------------------------------------------------------------------------


@route("GET", "/channels/{channel_id}")
async def get_channel(emu: Emulator, req: Request) -> Json:
    channel = emu.state.channel(req.id("channel_id"))
    if channel.guild_id is not None:
        emu.state.require(channel, emu.state.bot.id, perms.VIEW_CHANNEL)
    return channel.to_json()


@route("DELETE", "/channels/{channel_id}")
async def remove_channel(emu: Emulator, req: Request) -> Json:
    state = emu.state
    channel = state.channel(req.id("channel_id"))
    if channel.guild_id is None:
        return channel.to_json()  # closing a DM: nothing the emulator keeps changes
    needed = perms.MANAGE_THREADS if channel.type.is_thread else perms.MANAGE_CHANNELS
    state.require(channel, state.bot.id, needed)
    delete_channel(emu, channel)
    return channel.to_json()


def delete_channel(emu: Emulator, channel: Channel) -> None:
    emu.state.delete_channel(channel)
    event = "THREAD_DELETE" if channel.type.is_thread else "CHANNEL_DELETE"
    emu.gateway.dispatch(event, channel.to_json(), channel.guild_id)


@route("POST", "/users/@me/channels")
async def open_dm(emu: Emulator, req: Request) -> Json:
    body = req.body or {}
    user = emu.state.users.get(int(body.get("recipient_id", 0)))
    if user is None:
        raise errors.error(errors.UNKNOWN_USER)
    return emu.state.dm_channel(user).to_json()


@route("GET", "/channels/{channel_id}/messages")
async def list_messages(emu: Emulator, req: Request) -> list[Json]:
    state = emu.state
    channel = state.channel(req.id("channel_id"))
    state.require(channel, state.bot.id, perms.VIEW_CHANNEL | perms.READ_MESSAGE_HISTORY)
    after = req.int_query("after", 0)
    before = req.int_query("before", 2**64)
    limit = req.int_query("limit", 50, low=1, high=100)
    found = [m for m in state.channel_messages_of(channel) if after < m.id < before]
    newest_first = sorted(found, key=lambda m: m.id, reverse=True)
    if "after" in req.query:  # Discord pages forward from ``after``: the oldest ones
        newest_first = newest_first[-limit:]
    return [state.message_json(m, emu.base_url) for m in newest_first[:limit]]


@route("GET", "/channels/{channel_id}/messages/{message_id}")
async def get_message(emu: Emulator, req: Request) -> Json:
    state = emu.state
    channel = state.channel(req.id("channel_id"))
    state.require(channel, state.bot.id, perms.VIEW_CHANNEL | perms.READ_MESSAGE_HISTORY)
    return state.message_json(state.message(channel.id, req.id("message_id")), emu.base_url)


@route("POST", "/channels/{channel_id}/messages")
async def post_message(emu: Emulator, req: Request) -> Json:
    state = emu.state
    body: dict[str, Any] = req.body or {}
    channel = state.channel(req.id("channel_id"))
    bot = state.bot
    if channel.type == ChannelType.DM:
        if channel.recipients and channel.recipients[0].dm_closed:
            raise errors.error(errors.CANNOT_DM)
    else:
        needed = state.send_permission(channel)
        if req.files:
            needed |= perms.ATTACH_FILES
        state.require(channel, bot.id, needed)
    nonce = body.get("nonce")
    if isinstance(nonce, str) and len(nonce) > 25:
        check_limits(
            field_error(["nonce"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        )
    if nonce is not None and body.get("enforce_nonce"):
        first = state.find_nonce(bot, channel, nonce)
        if first is not None:
            return state.message_json(first, emu.base_url)
    message = create_message(emu, channel, bot, body, req.files)
    if nonce is not None and body.get("enforce_nonce"):
        state.remember_nonce(bot, channel, nonce, message)
    return state.message_json(message, emu.base_url)


@route("PATCH", "/channels/{channel_id}/messages/{message_id}")
async def patch_message(emu: Emulator, req: Request) -> Json:
    state = emu.state
    channel = state.channel(req.id("channel_id"))
    message = state.message(channel.id, req.id("message_id"))
    if message.author.id != state.bot.id:
        raise errors.error(errors.CANNOT_EDIT_OTHERS)
    edit_message(emu, message, req.body or {}, req.files)
    return state.message_json(message, emu.base_url)


@route("DELETE", "/channels/{channel_id}/messages/{message_id}")
async def remove_message(emu: Emulator, req: Request) -> Reply:
    state = emu.state
    channel = state.channel(req.id("channel_id"))
    message = state.message(channel.id, req.id("message_id"))
    if message.author.id != state.bot.id:
        state.require(channel, state.bot.id, perms.MANAGE_MESSAGES)
    delete_message(emu, message)
    return Reply(204)


# threads -------------------------------------------------------------------------------


@route("POST", "/channels/{channel_id}/messages/{message_id}/threads")
async def thread_from_message(emu: Emulator, req: Request) -> Json:
    state = emu.state
    channel = state.channel(req.id("channel_id"))
    message = state.message(channel.id, req.id("message_id"))
    state.require(channel, state.bot.id, perms.CREATE_PUBLIC_THREADS | perms.READ_MESSAGE_HISTORY)
    if message.thread_id is not None:
        raise errors.DiscordError(400, 160004, "A thread has already been created for this message")
    body = req.body or {}
    _check_thread_name(body)
    # Discord gives a thread started from a message the message's own id.
    thread = state.add_thread(
        channel,
        body["name"],
        owner=state.bot,
        thread_id=message.id,
        auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
    )
    message.thread_id = thread.id
    return _announce_thread(emu, thread.id)


@route("POST", "/channels/{channel_id}/threads")
async def thread_without_message(emu: Emulator, req: Request) -> Json:
    state = emu.state
    channel = state.channel(req.id("channel_id"))
    body = req.body or {}
    kind = ChannelType(int(body.get("type") or ChannelType.PRIVATE_THREAD))
    needed = (
        perms.CREATE_PRIVATE_THREADS
        if kind == ChannelType.PRIVATE_THREAD
        else perms.CREATE_PUBLIC_THREADS
    )
    state.require(channel, state.bot.id, needed)
    _check_thread_name(body)
    thread = state.add_thread(
        channel,
        body["name"],
        owner=state.bot,
        type=kind,
        auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
    )
    return _announce_thread(emu, thread.id)


@route("PUT", "/channels/{channel_id}/thread-members/@me")
async def join_thread(emu: Emulator, req: Request) -> Reply:
    emu.state.channel(req.id("channel_id"))
    return Reply(204)


def _check_thread_name(body: Json) -> None:
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        check_limits(
            field_error(["name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        )


def _announce_thread(emu: Emulator, thread_id: int) -> Json:
    thread = emu.state.channels[thread_id]
    data = thread.to_json()
    emu.gateway.dispatch("THREAD_CREATE", {**data, "newly_created": True}, thread.guild_id)
    return data

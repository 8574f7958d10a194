"""Application command routes: list, bulk overwrite, create, edit, delete (global/guild)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import errors, limits
from .errors import merge_errors
from .models import Json
from .routing import Reply, Request, RouteTable, check_limits
from .state import Command

if TYPE_CHECKING:
    from .server import Emulator

ROUTES = RouteTable()
route = ROUTES.route
_GLOBAL = "/applications/{application_id}/commands"
_GUILD = "/applications/{application_id}/guilds/{guild_id}/commands"


def _scope(emu: Emulator, req: Request) -> int | None:
    if req.id("application_id") != emu.state.application_id:
        raise errors.error(errors.MISSING_ACCESS)
    if "guild_id" not in req.params:
        return None
    guild = emu.state.guilds.get(req.id("guild_id"))
    if guild is None or emu.state.bot.id not in guild.members:
        raise errors.error(errors.MISSING_ACCESS)
    return guild.id


def _upsert(emu: Emulator, guild_id: int | None, data: Json) -> Command:
    """Same name and type keeps the command's id, as Discord does; a change bumps version."""
    state = emu.state
    key = (data["name"], data.get("type") or 1)
    for command in state.commands_for(guild_id):
        if (command.name, command.type) == key:
            if command.data != data:
                command.data, command.version = data, state.ids.next()
            return command
    command = Command(state.ids.next(), state.application_id, guild_id, data, state.ids.next())
    state.commands[command.id] = command
    return command


@route("GET", _GLOBAL)
@route("GET", _GUILD)
async def list_commands(emu: Emulator, req: Request) -> list[Json]:
    return [c.to_json() for c in emu.state.commands_for(_scope(emu, req))]


@route("PUT", _GLOBAL)
@route("PUT", _GUILD)
async def bulk_overwrite(emu: Emulator, req: Request) -> list[Json]:
    guild_id = _scope(emu, req)
    body: list[Json] = req.body or []
    errs: dict[str, Any] = {}
    seen: set[tuple[str, int]] = set()
    for i, data in enumerate(body):
        merge_errors(errs, limits.check_command(data, [i]))
        key = (data.get("name", ""), data.get("type") or 1)
        if key in seen:
            merge_errors(
                errs,
                errors.field_error(
                    [i, "name"],
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique: {key[0]}",
                ),
            )
        seen.add(key)
    merge_errors(errs, limits.check_command_counts(body, []))
    check_limits(errs)
    kept = [_upsert(emu, guild_id, data) for data in body]
    kept_ids = {c.id for c in kept}
    for command in emu.state.commands_for(guild_id):
        if command.id not in kept_ids:
            del emu.state.commands[command.id]
    emu.gateway.command_syncs += 1
    return [c.to_json() for c in kept]


@route("POST", _GLOBAL)
@route("POST", _GUILD)
async def create_command(emu: Emulator, req: Request) -> Reply:
    guild_id = _scope(emu, req)
    check_limits(limits.check_command(req.body or {}, []))
    command = _upsert(emu, guild_id, req.body or {})
    return Reply(201, command.to_json())


def _command(emu: Emulator, req: Request) -> Command:
    guild_id = _scope(emu, req)
    command = emu.state.commands.get(req.id("command_id"))
    if command is None or command.guild_id != guild_id:
        raise errors.error(errors.UNKNOWN_COMMAND)
    return command


@route("GET", _GLOBAL + "/{command_id}")
@route("GET", _GUILD + "/{command_id}")
async def get_command(emu: Emulator, req: Request) -> Json:
    return _command(emu, req).to_json()


@route("PATCH", _GLOBAL + "/{command_id}")
@route("PATCH", _GUILD + "/{command_id}")
async def edit_command(emu: Emulator, req: Request) -> Json:
    command = _command(emu, req)
    data = {**command.data, **(req.body or {})}
    check_limits(limits.check_command(data, []))
    command.data, command.version = data, emu.state.ids.next()
    return command.to_json()


@route("DELETE", _GLOBAL + "/{command_id}")
@route("DELETE", _GUILD + "/{command_id}")
async def delete_command(emu: Emulator, req: Request) -> Reply:
    del emu.state.commands[_command(emu, req).id]
    return Reply(204)

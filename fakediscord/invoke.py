"""What a Discord client would send when a user runs a command, types into an
autocompleted option, clicks a button, picks from a select or submits a modal.

Like the real client, these refuse (ValueError) what a user could not do: unknown options,
missing required ones, values outside the choices, components that are not on the message.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .models import Attachment, Channel, Json, Member, Message, Role, User
from .state import Command, State

USER_COMMAND, MESSAGE_COMMAND = 2, 3  # application command types of context menus
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
)


@dataclass
class File:
    """An upload for an ATTACHMENT option."""

    filename: str
    data: bytes
    content_type: str | None = None


def command_data(
    state: State,
    command: Command,
    path: list[str],
    options: dict[str, Any],
    *,
    guild_id: int | None,
    focused: str | None = None,
) -> Json:
    resolved: dict[str, dict[str, Json]] = {}
    defs: list[Json] = command.data.get("options") or []
    top: list[Json] = []
    target = top
    for name in path:
        sub = _find(defs, name, f"/{command.name}")
        if sub.get("type") not in (SUB_COMMAND, SUB_COMMAND_GROUP):
            raise ValueError(f"{name!r} is an option, not a subcommand of /{command.name}")
        node: Json = {"name": name, "type": sub["type"], "options": []}
        target.append(node)
        target = node["options"]
        defs = sub.get("options") or []
    if any(d.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for d in defs):
        names = [d["name"] for d in defs]
        raise ValueError(f"/{command.name} {' '.join(path)} needs a subcommand: {names}")
    for name, value in options.items():
        spec = _find(defs, name, f"/{command.name} {' '.join(path)}")
        target.append(_option(state, spec, value, resolved, guild_id, focused == name))
    if focused is None:
        missing = [d["name"] for d in defs if d.get("required") and d["name"] not in options]
        if missing:
            raise ValueError(f"/{command.name}: required options missing: {missing}")
    data: Json = {"id": str(command.id), "name": command.name, "type": 1, "options": top}
    if resolved:
        data["resolved"] = resolved
    if command.guild_id is not None:
        data["guild_id"] = str(command.guild_id)
    return data


def context_menu_data(
    state: State, command: Command, target: Message | User, *, guild_id: int | None
) -> Json:
    """What Discord sends for a USER (2) or MESSAGE (3) command: the target's id, and the
    target itself under ``resolved`` (a message as stored, with its content)."""
    resolved: dict[str, dict[str, Json]] = {}
    if isinstance(target, Message):
        resolved["messages"] = {str(target.id): state.message_json(target, state.base_url)}
        target_id = target.id
    else:
        target_id = _resolve(state, target, resolved, guild_id)
    data: Json = {
        "id": str(command.id),
        "name": command.name,
        "type": command.type,
        "target_id": str(target_id),
        "resolved": resolved,
    }
    if command.guild_id is not None:
        data["guild_id"] = str(command.guild_id)
    return data


def _find(defs: list[Json], name: str, where: str) -> Json:
    for d in defs:
        if d.get("name") == name:
            return d
    raise ValueError(f"{where} has no option {name!r}; it has {[d.get('name') for d in defs]}")


def _option(
    state: State,
    spec: Json,
    value: Any,
    resolved: dict[str, dict[str, Json]],
    guild_id: int | None,
    focused: bool,
) -> Json:
    kind = spec["type"]
    out: Json = {"name": spec["name"], "type": kind}
    if focused:
        # While typing, Discord sends the partial input as a string, unvalidated.
        out.update(value=str(value), focused=True)
        return out
    if kind in (STRING, INTEGER, NUMBER, BOOLEAN):
        value = {STRING: str, INTEGER: int, NUMBER: float, BOOLEAN: bool}[kind](value)
        choices = spec.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise ValueError(f"{value!r} is not a choice of option {spec['name']!r}")
        low, high = spec.get("min_value"), spec.get("max_value")
        if kind in (INTEGER, NUMBER) and (
            (low is not None and value < low) or (high is not None and value > high)
        ):
            raise ValueError(f"{value!r} is outside {low}..{high} for option {spec['name']!r}")
        if kind == STRING and not (
            spec.get("min_length", 0) <= len(value) <= spec.get("max_length", 6000)
        ):
            raise ValueError(f"{value!r} has the wrong length for option {spec['name']!r}")
        out["value"] = value
        return out
    out["value"] = str(_resolve(state, value, resolved, guild_id))
    return out


def _resolve(
    state: State, value: Any, resolved: dict[str, dict[str, Json]], guild_id: int | None
) -> int:
    """Fill ``resolved`` like Discord does for user/member/role/channel/attachment values."""
    if isinstance(value, Member):
        value = value.user
    if isinstance(value, User):
        resolved.setdefault("users", {})[str(value.id)] = value.to_json()
        guild = state.guilds.get(guild_id) if guild_id else None
        member = guild.members.get(value.id) if guild else None
        if member is not None:
            resolved.setdefault("members", {})[str(value.id)] = {
                **member.to_json(with_user=False),
                "permissions": str(state.guild_permissions(guild, value.id)) if guild else "0",
            }
        return value.id
    if isinstance(value, Role):
        resolved.setdefault("roles", {})[str(value.id)] = value.to_json()
        return value.id
    if isinstance(value, Channel):
        data = value.to_json()
        data["permissions"] = str(state.permissions_in(value, state.bot.id))
        resolved.setdefault("channels", {})[str(value.id)] = data
        return value.id
    if isinstance(value, File):
        attachment = Attachment(state.ids.next(), value.filename, value.data, value.content_type)
        state.attachments[attachment.id] = attachment
        resolved.setdefault("attachments", {})[str(attachment.id)] = attachment.to_json(
            state.base_url
        )
        return attachment.id
    raise TypeError(f"cannot use {value!r} as an option value")


def iter_components(components: list[Json]) -> Iterator[Json]:
    """Every interactive component of a message or modal, however nested."""
    for comp in components:
        yield comp
        yield from iter_components(comp.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(comp.get(key), dict):
                yield from iter_components([comp[key]])


def component_data(
    state: State, message: Message, custom_id: str, values: list[Any] | None
) -> Json:
    for comp in iter_components(message.components):
        if comp.get("custom_id") == custom_id:
            break
    else:
        ids = [
            c.get("custom_id") for c in iter_components(message.components) if c.get("custom_id")
        ]
        raise ValueError(f"message {message.id} has no component {custom_id!r}; it has {ids}")
    if comp.get("disabled"):
        raise ValueError(f"component {custom_id!r} is disabled")
    kind = comp["type"]
    data: Json = {"custom_id": custom_id, "component_type": kind}
    if kind == 2:
        if values is not None:
            raise ValueError(f"{custom_id!r} is a button; use click()")
        return data
    if values is None:
        raise ValueError(f"{custom_id!r} is a select; use select()")
    low, high = comp.get("min_values", 1), comp.get("max_values", 1)
    if not low <= len(values) <= high:
        raise ValueError(f"select {custom_id!r} takes {low}..{high} values, got {len(values)}")
    if kind == 3:
        allowed = [o["value"] for o in comp.get("options") or []]
        bad = [v for v in values if v not in allowed]
        if bad:
            raise ValueError(f"{bad} are not options of select {custom_id!r}")
        data["values"] = [str(v) for v in values]
    else:
        resolved: dict[str, dict[str, Json]] = {}
        data["values"] = [str(_resolve(state, v, resolved, message.guild_id)) for v in values]
        data["resolved"] = resolved
    return data


def modal_data(modal: Json, values: dict[str, str]) -> Json:
    """The MODAL_SUBMIT payload, mirroring the modal's layout (action rows or labels)."""
    inputs = {
        c["custom_id"]: c
        for c in iter_components(modal.get("components") or [])
        if c.get("type") == 4
    }
    unknown = set(values) - set(inputs)
    if unknown:
        raise ValueError(
            f"modal {modal.get('custom_id')!r} has no inputs {sorted(unknown)}; "
            f"it has {sorted(inputs)}"
        )

    def submitted(comp: Json) -> Json:
        value = values.get(comp["custom_id"], comp.get("value") or "")
        if comp.get("required", True) and not value:
            raise ValueError(f"modal input {comp['custom_id']!r} is required")
        if value and not comp.get("min_length", 0) <= len(value) <= comp.get("max_length", 4000):
            raise ValueError(
                f"modal input {comp['custom_id']!r}: length {len(value)} is outside "
                f"{comp.get('min_length', 0)}..{comp.get('max_length', 4000)}"
            )
        out: Json = {"type": 4, "custom_id": comp["custom_id"], "value": value}
        if "id" in comp:
            out["id"] = comp["id"]
        return out

    rows: list[Json] = []
    for comp in modal.get("components") or []:
        if comp.get("type") == 1:
            rows.append(
                {
                    "type": 1,
                    "components": [submitted(c) for c in comp["components"] if c.get("type") == 4],
                }
            )
        elif comp.get("type") == 18 and comp.get("component", {}).get("type") == 4:
            rows.append(
                {"type": 18, "id": comp.get("id"), "component": submitted(comp["component"])}
            )
    return {"custom_id": modal["custom_id"], "components": rows}

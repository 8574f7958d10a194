"""Discord's documented limits that the OpenAPI spec does not carry (or carries looser).

Each checker returns Discord-shaped ``errors`` (possibly empty)."""

from __future__ import annotations

import re
from typing import Any

from .errors import field_error, merge_errors

Path = list[str | int]
Errors = dict[str, Any]

CONTENT = 2000
EMBEDS = 10
EMBED_TOTAL = 6000
EMBED_FIELDS = 25
ACTION_ROWS = 5
ROW_BUTTONS = 5
SELECT_OPTIONS = 25
CHOICES = 25
MODAL_INPUTS = 5
# Per file, for a bot in a server without boosts (and in DMs): Discord's 413 / 40005 above it.
UPLOAD_BYTES = 10 * 1024 * 1024
# Commands an application may have per scope (global, or one guild), by command type.
COMMANDS_PER_TYPE = {1: 100, 2: 15, 3: 15, 4: 1}
_TYPE_NAMES = {1: "CHAT_INPUT", 2: "USER", 3: "MESSAGE", 4: "PRIMARY_ENTRY_POINT"}

_COMMAND_NAME = re.compile(r"^[-_'\w\u0900-\u097f\u0e00-\u0e7f]{1,32}$")


def _too_long(errs: Errors, path: Path, value: Any, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        merge_errors(
            errs, field_error(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
        )


def _length_between(errs: Errors, path: Path, value: Any, low: int, high: int) -> None:
    if isinstance(value, str) and not low <= len(value) <= high:
        merge_errors(
            errs,
            field_error(
                path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length."
            ),
        )


def _too_many(errs: Errors, path: Path, items: Any, limit: int) -> None:
    if isinstance(items, list) and len(items) > limit:
        merge_errors(
            errs, field_error(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
        )


def check_message(body: dict[str, Any], path: Path | None = None) -> Errors:
    """Content, embeds, components and allowed_mentions of a message-like body."""
    path = path or []
    errs: Errors = {}
    _too_long(errs, [*path, "content"], body.get("content"), CONTENT)
    embeds = body.get("embeds") or []
    _too_many(errs, [*path, "embeds"], embeds, EMBEDS)
    total = 0
    for i, embed in enumerate(embeds if isinstance(embeds, list) else []):
        if isinstance(embed, dict):
            total += _check_embed(errs, [*path, "embeds", i], embed)
    if total > EMBED_TOTAL:
        merge_errors(
            errs,
            field_error(
                [*path, "embeds"],
                "MAX_EMBED_SIZE_EXCEEDED",
                f"Embed size exceeds maximum size of {EMBED_TOTAL}",
            ),
        )
    components = body.get("components")
    if isinstance(components, list) and not (int(body.get("flags") or 0) & (1 << 15)):
        _check_action_rows(errs, [*path, "components"], components, modal=False)
    mentions = body.get("allowed_mentions")
    if isinstance(mentions, dict):
        parse = mentions.get("parse") or []
        for kind in ("users", "roles"):
            if kind in parse and mentions.get(kind):
                merge_errors(
                    errs,
                    field_error(
                        [*path, "allowed_mentions"],
                        "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                        f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                    ),
                )
            _too_many(errs, [*path, "allowed_mentions", kind], mentions.get(kind), 100)
    return errs


def _check_embed(errs: Errors, path: Path, embed: dict[str, Any]) -> int:
    """Checks one embed; returns the characters it counts toward the 6000 total."""
    counted = 0

    def text(value: Any, sub: Path, limit: int) -> None:
        nonlocal counted
        if isinstance(value, str):
            counted += len(value)
            _too_long(errs, [*path, *sub], value, limit)

    text(embed.get("title"), ["title"], 256)
    text(embed.get("description"), ["description"], 4096)
    footer, author = embed.get("footer"), embed.get("author")
    if isinstance(footer, dict):
        text(footer.get("text"), ["footer", "text"], 2048)
    if isinstance(author, dict):
        text(author.get("name"), ["author", "name"], 256)
    fields = embed.get("fields") or []
    _too_many(errs, [*path, "fields"], fields, EMBED_FIELDS)
    for i, item in enumerate(fields if isinstance(fields, list) else []):
        if isinstance(item, dict):
            text(item.get("name"), ["fields", i, "name"], 256)
            text(item.get("value"), ["fields", i, "value"], 1024)
    return counted


def _check_action_rows(errs: Errors, path: Path, rows: list[Any], *, modal: bool) -> None:
    limit = MODAL_INPUTS if modal else ACTION_ROWS
    _too_many(errs, path, rows, limit)
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            continue
        if row.get("type") == 18:  # modal Label wrapping one component
            _length_between(errs, [*path, i, "label"], row.get("label"), 1, 45)
            inner = row.get("component")
            if isinstance(inner, dict):
                _check_component(errs, [*path, i, "component"], inner)
            continue
        children = row.get("components") or []
        buttons = [c for c in children if isinstance(c, dict) and c.get("type") == 2]
        _too_many(errs, [*path, i, "components"], buttons, ROW_BUTTONS)
        if len(children) > 1 and len(buttons) != len(children):
            merge_errors(
                errs,
                field_error(
                    [*path, i, "components"],
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "The specified component exceeds the maximum width",
                ),
            )
        for j, child in enumerate(children):
            if isinstance(child, dict):
                _check_component(errs, [*path, i, "components", j], child)


def _check_component(errs: Errors, path: Path, comp: dict[str, Any]) -> None:
    kind = comp.get("type")
    if "custom_id" in comp:
        _length_between(errs, [*path, "custom_id"], comp["custom_id"], 1, 100)
    if kind == 2:
        _too_long(errs, [*path, "label"], comp.get("label"), 80)
    elif kind in (3, 5, 6, 7, 8):
        _too_long(errs, [*path, "placeholder"], comp.get("placeholder"), 150)
        options = comp.get("options") or []
        _too_many(errs, [*path, "options"], options, SELECT_OPTIONS)
        for k, opt in enumerate(options if isinstance(options, list) else []):
            if isinstance(opt, dict):
                for key in ("label", "value", "description"):
                    _too_long(errs, [*path, "options", k, key], opt.get(key), 100)
        for key in ("min_values", "max_values"):
            value = comp.get(key)
            if isinstance(value, int) and not 0 <= value <= 25:
                merge_errors(
                    errs, field_error([*path, key], "NUMBER_TYPE_MAX", "Must be between 0 and 25.")
                )
    elif kind == 4:
        _too_long(errs, [*path, "label"], comp.get("label"), 45)
        _too_long(errs, [*path, "placeholder"], comp.get("placeholder"), 100)
        for key in ("min_length", "max_length"):
            value = comp.get(key)
            if isinstance(value, int) and not (0 if key == "min_length" else 1) <= value <= 4000:
                merge_errors(
                    errs,
                    field_error([*path, key], "NUMBER_TYPE_MAX", "Must be between 0 and 4000."),
                )
        # A prefilled value must fit the input it fills, not only the 4000 ceiling.
        high = comp.get("max_length")
        high = high if isinstance(high, int) and 1 <= high <= 4000 else 4000
        _too_long(errs, [*path, "value"], comp.get("value"), high)


def check_modal(data: dict[str, Any], path: Path) -> Errors:
    errs: Errors = {}
    _length_between(errs, [*path, "title"], data.get("title"), 1, 45)
    _length_between(errs, [*path, "custom_id"], data.get("custom_id"), 1, 100)
    components = data.get("components")
    if isinstance(components, list):
        if not components:
            merge_errors(
                errs,
                field_error(
                    [*path, "components"], "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."
                ),
            )
        _check_action_rows(errs, [*path, "components"], components, modal=True)
    return errs


def check_choices(data: dict[str, Any], path: Path) -> Errors:
    errs: Errors = {}
    choices = data.get("choices") or []
    _too_many(errs, [*path, "choices"], choices, CHOICES)
    for i, choice in enumerate(choices if isinstance(choices, list) else []):
        if isinstance(choice, dict):
            _length_between(errs, [*path, "choices", i, "name"], choice.get("name"), 1, 100)
            _length_between(errs, [*path, "choices", i, "value"], choice.get("value"), 1, 100)
    return errs


def check_command(cmd: dict[str, Any], path: Path) -> Errors:
    """Application command name/description/options limits. USER and MESSAGE commands
    (context menus) take any-case names with spaces, and neither a description nor options."""
    errs: Errors = {}
    name = cmd.get("name")
    kind = cmd.get("type") or 1
    is_chat_input = kind == 1
    if (
        isinstance(name, str)
        and is_chat_input
        and (not _COMMAND_NAME.match(name) or name != name.lower())
    ):
        merge_errors(
            errs,
            field_error(
                [*path, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
            ),
        )
    _length_between(errs, [*path, "name"], name, 1, 32)
    if is_chat_input:
        _length_between(errs, [*path, "description"], cmd.get("description"), 1, 100)
    elif kind in (2, 3):
        for key in ("description", "options"):
            if cmd.get(key):
                merge_errors(
                    errs,
                    field_error(
                        [*path, key],
                        "BASE_TYPE_INVALID",
                        f"Context menu commands cannot have {key}.",
                    ),
                )
    options = cmd.get("options") or []
    _too_many(errs, [*path, "options"], options, 25)
    for i, opt in enumerate(options if isinstance(options, list) else []):
        if isinstance(opt, dict):
            merge_errors(errs, check_command({**opt, "type": 1}, [*path, "options", i]))
            errs_choices = check_choices(opt, [*path, "options", i])
            merge_errors(errs, errs_choices)
    return errs


def check_command_counts(commands: list[Any], path: Path) -> Errors:
    """One scope's commands, counted per type: 100 CHAT_INPUT, 15 USER, 15 MESSAGE."""
    errs: Errors = {}
    counts: dict[int, int] = {}
    for cmd in commands:
        if isinstance(cmd, dict):
            kind = cmd.get("type") or 1
            counts[kind] = counts.get(kind, 0) + 1
    for kind, count in sorted(counts.items()):
        limit = COMMANDS_PER_TYPE.get(kind)
        if limit is not None and count > limit:
            merge_errors(
                errs,
                field_error(
                    path,
                    "BASE_TYPE_MAX_LENGTH",
                    f"Must be {limit} or fewer {_TYPE_NAMES[kind]} commands.",
                ),
            )
    return errs

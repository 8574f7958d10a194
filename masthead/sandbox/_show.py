"""Messages and forms as terminal text: embeds as a bar of lines, mentions and timestamps
as names and times, buttons and menus numbered for `click` and `pick`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fakediscord import Message
from fakediscord.invoke import iter_components

Json = dict[str, Any]
BUTTON, TEXT_INPUT, LABEL, TEXT_DISPLAY = 2, 4, 18, 10
SELECTS = {3: "", 5: "members", 6: "roles", 7: "members or roles", 8: "channels"}
LINK_STYLE = 5
PREVIEW_LINES = 8

_MENTION = re.compile(r"<(?P<kind>@!?|@&|#)(?P<id>\d+)>")
_TIMESTAMP = re.compile(r"<t:(?P<seconds>-?\d+)(?::(?P<style>[tTdDfFR]))?>")
# Discord's markdown escapes (`\*`, `\_` …) mean nothing in a terminal.
_ESCAPE = re.compile(r"\\([^\w\s])")


@dataclass
class Names:
    """How ids read: `<@123>` → `@reader`, `<#456>` → `#news`."""

    user: Callable[[int], str | None]
    channel: Callable[[int], str | None]
    role: Callable[[int], str | None]

    def text(self, raw: str, now: datetime | None = None) -> str:
        def mention(match: re.Match[str]) -> str:
            ident = int(match["id"])
            kind = match["kind"]
            if kind == "#":
                name = self.channel(ident)
                return f"#{name}" if name else match[0]
            name = self.role(ident) if kind == "@&" else self.user(ident)
            return f"@{name}" if name else match[0]

        def timestamp(match: re.Match[str]) -> str:
            return _time(int(match["seconds"]), match["style"], now or datetime.now(UTC))

        text = _MENTION.sub(mention, _TIMESTAMP.sub(timestamp, raw))
        return _ESCAPE.sub(r"\1", text.replace("\u200b", "").replace("**", ""))


def _time(seconds: int, style: str | None, now: datetime) -> str:
    when = datetime.fromtimestamp(seconds, UTC)
    if style != "R":
        return when.strftime("%Y-%m-%d %H:%M UTC")
    delta = int((when - now).total_seconds())
    amount = abs(delta)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if amount >= size:
            count = amount // size
            phrase = f"{count} {unit}{'s' if count != 1 else ''}"
            break
    else:
        return "in a moment" if delta > 1 else "just now"
    return f"in {phrase}" if delta >= 0 else f"{phrase} ago"


def controls(message: Message) -> list[Json]:
    """The buttons and menus a user can act on, in the order they are numbered."""
    return [
        c
        for c in iter_components(message.components)
        if (c.get("type") == BUTTON and c.get("style") != LINK_STYLE) or c.get("type") in SELECTS
    ]


def control_label(control: Json) -> str:
    return str(control.get("label") or control.get("placeholder") or control.get("custom_id"))


def pick_count(control: Json) -> str:
    low, high = control.get("min_values", 1), control.get("max_values", 1)
    if low == high:
        return f"pick {low}"
    return f"pick {low} to {high}"


def describe(message: Message | None, names: Names) -> str:
    """A message as text: content, embeds, attachments, then numbered buttons and menus."""
    if message is None:
        return "(no answer)"
    lines: list[str] = names.text(message.content).splitlines() if message.content else []
    for embed in message.embeds:
        lines += _embed(embed, names)
    for attachment in message.attachments:
        lines.append(f"📎 {attachment.filename} ({len(attachment.data):,} bytes)")
        if attachment.filename.endswith(".html"):
            # Markup is noise in a terminal; the same page is one CLI command away.
            lines.append("  │ (a web page: `python bot.py preview PATH --html FILE` writes it)")
        else:
            lines += [f"  │ {line}" for line in _preview(attachment.data)]
    number = 0
    for component in iter_components(message.components):
        kind = component.get("type")
        if kind == TEXT_DISPLAY:
            lines += names.text(str(component.get("content") or "")).splitlines()
        elif kind == BUTTON and component.get("style") == LINK_STYLE:
            lines.append(f"↗ {component.get('label') or 'link'}: {component.get('url')}")
        elif kind == BUTTON or kind in SELECTS:
            number += 1
            lines += _control(number, component)
    return "\n".join(lines) or "(an empty message)"


def _embed(embed: Json, names: Names) -> list[str]:
    lines: list[str] = []
    if embed.get("author", {}).get("name"):
        lines.append(f"┃ {names.text(embed['author']['name'])}")
    if embed.get("title"):
        lines.append(f"┃ {names.text(embed['title'])}")
    if embed.get("url"):
        lines.append(f"┃ {embed['url']}")
    lines += [f"┃ {line}" for line in names.text(str(embed.get("description") or "")).splitlines()]
    for field in embed.get("fields", []):
        lines.append(f"┃ — {names.text(field['name'])}")
        lines += [f"┃   {line}" for line in names.text(field["value"]).splitlines()]
    if embed.get("footer"):
        lines.append(f"┃ ({names.text(embed['footer']['text'])})")
    return lines


def _control(number: int, control: Json) -> list[str]:
    label = control_label(control)
    disabled = " (disabled)" if control.get("disabled") else ""
    kind = control.get("type")
    if kind == BUTTON:
        return [f"[{number}] {label}{disabled}"]
    what = SELECTS[int(kind or 0)]
    head = f"[{number}] {label} — menu{' of ' + what if what else ''}, {pick_count(control)}"
    lines = [head + disabled]
    for n, option in enumerate(control.get("options") or [], start=1):
        about = f" — {option['description']}" if option.get("description") else ""
        chosen = " (chosen)" if option.get("default") else ""
        lines.append(f"    {n}. {option['label']}{about}{chosen}")
    return lines


def _preview(data: bytes) -> list[str]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return []
    lines = text.splitlines()
    shown = [line[:200] for line in lines[:PREVIEW_LINES]]
    if len(lines) > PREVIEW_LINES:
        shown.append(f"… {len(lines) - PREVIEW_LINES} more line(s)")
    return shown


@dataclass
class FormField:
    """One text input of a modal."""

    custom_id: str
    label: str
    required: bool
    min_length: int
    max_length: int
    value: str
    placeholder: str
    paragraph: bool

    def limits(self) -> str:
        low = max(self.min_length, 1 if self.required else 0)
        if low > 1:
            return f"{low}–{self.max_length} characters"
        return f"at most {self.max_length} characters"

    def problem(self, value: str) -> str | None:
        """What Discord's client would say before sending this value, if anything."""
        if not value:
            return f"required ({self.limits()})" if self.required else None
        if not self.min_length <= len(value) <= self.max_length:
            return f"enter {self.limits()} (this is {len(value)})"
        return None


def form_fields(modal: Json) -> list[FormField]:
    """A modal's text inputs, in action rows (type 1) or labels (type 18)."""
    fields: list[FormField] = []
    for component in modal.get("components") or []:
        inputs = [c for c in iter_components([component]) if c.get("type") == TEXT_INPUT]
        for text_input in inputs:
            label = text_input.get("label") or component.get("label") or text_input["custom_id"]
            fields.append(
                FormField(
                    custom_id=text_input["custom_id"],
                    label=str(label),
                    required=bool(text_input.get("required", True)),
                    min_length=int(text_input.get("min_length") or 0),
                    max_length=int(text_input.get("max_length") or 4000),
                    value=str(text_input.get("value") or ""),
                    placeholder=str(text_input.get("placeholder") or ""),
                    paragraph=text_input.get("style") == 2,
                )
            )
    return fields


def describe_form(modal: Json) -> str:
    lines = [f"Form: {modal.get('title')}"]
    for field in form_fields(modal):
        need = "required" if field.required else "optional"
        prefilled = f' [prefilled: "{field.value}"]' if field.value else ""
        lines.append(f"  {field.custom_id}: {field.label} ({need}, {field.limits()}){prefilled}")
    return "\n".join(lines)

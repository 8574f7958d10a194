"""Filling in a form (a modal) the bot opened: from `field:value` options on the line that
opened it, and, at the terminal, by asking for each remaining field in turn."""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable
from typing import Any

from masthead.sandbox._line import SandboxError
from masthead.sandbox._show import FormField, form_fields

Ask = Callable[[str], Awaitable[str | None]]
Show = Callable[[str], None]
CLEAR = "-"


async def fill_form(
    modal: dict[str, Any], given: dict[str, str], ask: Ask | None, show: Show
) -> dict[str, str]:
    """The values to submit, checked the way Discord's client checks them before sending.

    Without `ask` (a script) every field comes from `given` or keeps its prefilled value,
    and a missing required field is an error naming it. With `ask`, the fields not given
    are asked for one by one; a bad answer is explained and asked again.
    """
    title = str(modal.get("title") or "form")
    fields = form_fields(modal)
    ids = [f.custom_id for f in fields]
    unknown = [name for name in given if name not in ids]
    if unknown:
        close = difflib.get_close_matches(unknown[0], ids, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise SandboxError(
            f"the form “{title}” has no field {unknown[0]!r}{hint}; its fields: {', '.join(ids)}"
        )
    if ask is None:
        return _from_line(title, fields, given)
    values: dict[str, str] = {}
    told = False
    for field in fields:
        value = given.get(field.custom_id)
        problem = field.problem(value) if value is not None else None
        if value is not None and problem is None:
            values[field.custom_id] = value
            continue
        if not told:
            show(
                f"The bot opened a form, “{title}”. Enter keeps the [value] shown, "
                f"{CLEAR} empties it; end of input closes the form without sending."
            )
            told = True
        if problem:
            show(f"  {field.custom_id}: {problem}")
        values[field.custom_id] = await _ask_field(field, ask, show)
    return values


def _from_line(title: str, fields: list[FormField], given: dict[str, str]) -> dict[str, str]:
    values = {f.custom_id: given.get(f.custom_id, f.value) for f in fields}
    problems = [
        f"{f.custom_id}: {problem}"
        for f in fields
        if (problem := f.problem(values[f.custom_id])) is not None
    ]
    if problems:
        example = fields[0].custom_id
        raise SandboxError(
            f"the form “{title}” was not sent: {'; '.join(problems)} "
            f'(give fields on the line that opens it, like {example}:"…")'
        )
    return values


async def _ask_field(field: FormField, ask: Ask, show: Show) -> str:
    need = "required" if field.required else "optional"
    about = field.limits() if need in field.label.lower() else f"{need}, {field.limits()}"
    if field.placeholder:
        about += f"; {field.placeholder}"
    prefilled = f" [{_short(field.value)}]" if field.value else ""
    prompt = f"  {field.label} ({about}){prefilled}: "
    while True:
        answer = await ask(prompt)
        if answer is None:
            raise SandboxError(f"the form was closed without sending ({field.label} unanswered)")
        value = field.value if answer == "" else "" if answer == CLEAR else answer
        problem = field.problem(value)
        if problem is None:
            return value
        show(f"  {field.custom_id}: {problem}")


def _short(value: str, limit: int = 80) -> str:
    """A prefilled value on one line of the prompt."""
    flat = " ⏎ ".join(value.splitlines())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"

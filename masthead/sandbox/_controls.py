"""What `click N` presses and what `pick …` chooses among a message's numbered buttons and
menus, refusing what Discord's client would not let a user do."""

from __future__ import annotations

from typing import Any

from masthead.sandbox._line import SandboxError
from masthead.sandbox._options import CHANNEL, MENTIONABLE, ROLE, USER, Directory, convert
from masthead.sandbox._show import SELECTS, control_label, pick_count

Json = dict[str, Any]
STRING_SELECT = 3
# What an entity select's values are, as the option type that takes the same values.
SELECT_VALUES = {5: USER, 6: ROLE, 7: MENTIONABLE, 8: CHANNEL}


def choose_button(found: list[Json], args: list[str], what: str) -> tuple[Json, str]:
    """`click 2` → the second control, which must be an enabled button; and its label."""
    if not found:
        raise SandboxError(f"{what} has no buttons")
    if not args:
        if len(found) > 1:
            raise SandboxError(f"which one? {_listing(found)}")
        args = ["1"]
    if len(args) > 1:
        raise SandboxError("click takes one button number, then on N for a listed message")
    index = _number(args[0], found, "button")
    control = found[index]
    label = f"[{index + 1}] {control_label(control)}"
    if control.get("type") in SELECTS:
        raise SandboxError(f"{label} is a menu: pick from it, like pick 1")
    if control.get("disabled"):
        raise SandboxError(f"{label} is disabled")
    return control, label


def choose_picks(
    found: list[Json], args: list[str], what: str, directory: Directory
) -> tuple[Json, str, list[Any]]:
    """`pick 1 3` → options 1 and 3 of the message's menu (`pick 2.1`: of menu [2]); the
    menu, its label and the values to send."""
    menus = [n for n, c in enumerate(found) if c.get("type") in SELECTS]
    if not menus:
        raise SandboxError(f"{what} has no menu to pick from")
    if not args:
        raise SandboxError(f"pick what? {pick_count(found[menus[0]])}, like pick 1")
    chosen: int | None = None
    picks: list[str] = []
    for arg in args:
        menu, dot, value = arg.partition(".")
        if dot and menu.isdigit():
            index = _number(menu, found, "menu")
            if chosen not in (None, index):
                raise SandboxError("pick from one menu at a time")
            chosen, arg = index, value
        picks.append(arg)
    if chosen is None:
        if len(menus) > 1:
            numbers = ", ".join(f"[{n + 1}]" for n in menus)
            raise SandboxError(f"there are menus {numbers}: say which, like pick {menus[0] + 1}.1")
        chosen = menus[0]
    control = found[chosen]
    label = f"[{chosen + 1}] {control_label(control)}"
    if control.get("type") not in SELECTS:
        raise SandboxError(f"{label} is a button: click it")
    if control.get("disabled"):
        raise SandboxError(f"{label} is disabled")
    values = [_value(control, label, p, directory) for p in picks]
    low, high = control.get("min_values", 1), control.get("max_values", 1)
    if not low <= len(values) <= high:
        raise SandboxError(f"{label}: {pick_count(control)} (this is {len(values)})")
    return control, label, values


def _value(control: Json, label: str, text: str, directory: Directory) -> Any:
    """An option by number or label; a member, role or channel by name."""
    kind = int(control.get("type") or 0)
    if kind == STRING_SELECT:
        options = control.get("options") or []
        if text.isdigit() and 1 <= int(text) <= len(options):
            return options[int(text) - 1]["value"]
        for option in options:
            if text.lower() in (str(option["label"]).lower(), str(option["value"]).lower()):
                return option["value"]
        raise SandboxError(f"{label} has options 1 to {len(options)}; {text!r} is not one")
    spec: Json = {"name": label, "type": SELECT_VALUES[kind]}
    if "channel_types" in control:
        spec["channel_types"] = control["channel_types"]
    return convert(spec, text, directory)


def _listing(found: list[Json]) -> str:
    return ", ".join(f"[{n}] {control_label(c)}" for n, c in enumerate(found, 1))


def _number(text: str, found: list[Json], what: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= len(found):
        raise SandboxError(f"no {what} {text} there: {_listing(found)}")
    return int(text) - 1

"""`help`: the commands the bot registered, each with its options and an example, and the
sandbox's own verbs."""

from __future__ import annotations

from typing import Any

from masthead.sandbox._options import (
    Found,
    description,
    example,
    example_option,
    expects,
    runnable,
    usage,
)

Json = dict[str, Any]
VERBS = (
    "help",
    "click",
    "pick",
    "news",
    "review",
    "#channel",
    "dms",
    "as",
    "in",
    "say",
    "complete",
    "quit",
)
SANDBOX_HELP = """\
The sandbox:
  click N [on M]             press button N of the last answer (or of message M of the last listing)
  pick N… [on M]             choose options of the menu there (pick 2.1 for menu [2], option 1)
  news | review | #channel   read a channel and its threads; messages are numbered for … on M
  dms [@member]              the bot's direct messages to you (or to that member)
  as reader|moderator|editor act as another member (now: @{who})
  in #channel                run commands in that channel (they start in #general)
  say TEXT                   post a chat message there, for the message menus to act on
  complete /command option:TEXT   what the bot suggests while that option is typed
  help [/command]            this, or one command in detail
  quit                       leave (a script ends by itself)

Values may hold spaces (query:DRAM chips) or be quoted (query:"DRAM chips").
When the bot opens a form you are asked for each field; in a script, give the fields on the
line that opens it: /tip headline:"Shanghai opens a vertical farm" link:https://example.com"""


def menu_verb(name: str) -> str:
    """`Suggest as tip` → `suggest`: how a context menu is typed."""
    return name.split()[0].lower()


def full_help(commands: list[Json], examples: dict[str, str], who: str) -> str:
    lines = ["Slash commands (as the bot registered them):"]
    for found in runnable(commands):
        lines.append(f"  {usage(found)}")
        lines.append(f"      {description(found)}")
        lines.append(f"      e.g. {example(found, examples)}")
    menus = [c for c in commands if c.get("type") in (2, 3)]
    if menus:
        lines.append("Menus (right-click → Apps in Discord):")
    for menu in sorted(menus, key=lambda c: c["name"]):
        verb = menu_verb(menu["name"])
        if menu["type"] == 3:
            lines.append(f"  {verb} M      “{menu['name']}” on message M of the last listing")
            lines.append(f"      e.g. news, then {verb} 2")
        else:
            lines.append(f"  {verb} @member      “{menu['name']}” on a member")
            lines.append(f"      e.g. {verb} @reader")
    lines.append("")
    lines.append(SANDBOX_HELP.format(who=who))
    return "\n".join(lines)


def command_help(found: Found, examples: dict[str, str]) -> str:
    lines = [usage(found), f"  {description(found)}"]
    for spec in found.options:
        need = "required" if spec.get("required") else "optional"
        about = f"{spec.get('description')}; " if spec.get("description") else ""
        suggested = "; the bot suggests values (complete)" if spec.get("autocomplete") else ""
        lines.append(f"  {spec['name']} ({need}): {about}{expects(spec)}{suggested}")
        lines.append(f"      e.g. {example_option(spec, examples.get(spec['name']))}")
    lines.append(f"  e.g. {example(found, examples)}")
    return "\n".join(lines)


__all__ = ["VERBS", "command_help", "full_help", "menu_verb", "runnable"]

"""The registered commands match the command table (docs/commands.md), as Discord stores
them.
"""

from __future__ import annotations

from typing import Any

from fakediscord import FakeDiscord
from masthead.bot import Masthead

SUB_COMMAND = 1
STRING, INTEGER, BOOLEAN, CHANNEL, ROLE, ATTACHMENT = 3, 4, 5, 7, 8, 11

# command path → [(option, type, required)], in the order Discord shows them.
SPEC: dict[str, list[tuple[str, int, bool]]] = {
    "latest": [("public", BOOLEAN, False)],
    "item": [("number", INTEGER, True), ("issue", STRING, False), ("public", BOOLEAN, False)],
    "search": [("query", STRING, True), ("issue", STRING, False)],
    "setup announce": [
        ("channel", CHANNEL, True),
        ("ping_role", ROLE, False),
        ("backfill", BOOLEAN, False),
    ],
    "setup review": [("channel", CHANNEL, True)],
    "setup moderators": [("role", ROLE, True)],
    "setup show": [],
    "setup feed": [("url", STRING, True)],
    "issue import": [("file", ATTACHMENT, True)],
    "issue publish": [("issue", STRING, True), ("at", STRING, False)],
    "issue schedule": [],
    "issue status": [("issue", STRING, False)],
    "issue fetch": [("url", STRING, True)],
    "tip": [("anonymous", BOOLEAN, False)],
    "mytips": [],
    "review": [],
    "tips export": [("status", STRING, False), ("format", STRING, False), ("scope", STRING, False)],
    "feedback": [("issue", STRING, False)],
}
MESSAGE_COMMANDS = ["Suggest as tip"]
SLASH, MESSAGE = 1, 3


def flatten(commands: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Command path ("setup announce") → its options, for commands and subcommands."""
    flat: dict[str, list[dict[str, Any]]] = {}
    for command in commands:
        if command.get("type", SLASH) != SLASH:
            continue
        options = command.get("options") or []
        subs = [o for o in options if o["type"] == SUB_COMMAND]
        if not subs:
            flat[command["name"]] = options
        for sub in subs:
            flat[f"{command['name']} {sub['name']}"] = sub.get("options") or []
    return flat


async def test_commands_and_options_match_the_spec(
    fake_discord: FakeDiscord, masthead: Masthead
) -> None:
    registered = flatten(fake_discord.commands())
    assert sorted(registered) == sorted(SPEC)
    menus = [c["name"] for c in fake_discord.commands() if c.get("type") == MESSAGE]
    assert menus == MESSAGE_COMMANDS
    for path, expected in SPEC.items():
        got = [(o["name"], o["type"], bool(o.get("required"))) for o in registered[path]]
        assert got == expected, path


async def test_every_command_and_option_has_a_description(
    fake_discord: FakeDiscord, masthead: Masthead
) -> None:
    for command in fake_discord.commands():
        if command.get("type", SLASH) == SLASH:
            assert command["description"], command["name"]
    for path, options in flatten(fake_discord.commands()).items():
        for option in options:
            assert option["description"] and option["description"] != "…", (path, option)


async def test_option_limits_and_autocomplete_are_registered(
    fake_discord: FakeDiscord, masthead: Masthead
) -> None:
    registered = {
        path: {o["name"]: o for o in options}
        for path, options in flatten(fake_discord.commands()).items()
    }
    number = registered["item"]["number"]
    assert (number["min_value"], number["max_value"]) == (1, 99)
    assert registered["search"]["query"]["max_length"] == 200
    assert registered["issue fetch"]["url"]["max_length"] == 2048
    assert registered["setup feed"]["url"]["max_length"] == 2048
    assert registered["item"]["issue"]["autocomplete"] is True
    assert registered["issue publish"]["issue"]["autocomplete"] is True
    assert registered["issue status"]["issue"]["autocomplete"] is True
    assert registered["search"]["issue"]["autocomplete"] is True
    assert registered["feedback"]["issue"]["autocomplete"] is True

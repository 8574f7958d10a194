"""Slash commands as the bot registered them: finding one from typed words, reading option
values the way Discord's client does (refusing what it would refuse, and saying what it
expects), and usage lines for `help`."""

from __future__ import annotations

import difflib
import math
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fakediscord import Channel, ChannelType, File, Guild, Role, User
from fakediscord.limits import UPLOAD_BYTES
from fakediscord.state import State
from masthead.sandbox._line import SandboxError

Json = dict[str, Any]
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)
# Discord's client bounds for numbers without min_value/max_value.
NUMBER_LIMIT = 2**53
STRING_MAX = 6000
CHANNEL_KINDS = {
    ChannelType.TEXT: "text",
    ChannelType.VOICE: "voice",
    ChannelType.CATEGORY: "category",
    ChannelType.NEWS: "announcement",
    ChannelType.NEWS_THREAD: "thread",
    ChannelType.PUBLIC_THREAD: "thread",
    ChannelType.PRIVATE_THREAD: "thread",
    ChannelType.FORUM: "forum",
}
_INTEGER = re.compile(r"[+-]?\d+")
_MENTION_ID = re.compile(r"<[@#][!&]?(\d+)>")


@dataclass
class Directory:
    """The sandbox server's channels, roles and members, by the names typed for them."""

    state: State
    guild: Guild
    people: dict[str, User]

    def channels(self) -> list[Channel]:
        """The server's channels (not their threads), in order."""
        found = [self.state.channels[i] for i in self.guild.channel_ids]
        return [c for c in found if not c.deleted]

    def channel_names(self) -> str:
        return ", ".join(f"#{c.name}" for c in self.channels())

    def channel(self, text: str) -> Channel | None:
        """A channel, or a thread, by `#name`, `name` or `<#id>`."""
        wanted = _id_of(text) or text.lstrip("#").lower()
        threads = [t for c in self.channels() for t in self.state.threads_of(c)]
        for channel in [*self.channels(), *threads]:
            if wanted in (channel.id, (channel.name or "").lower()):
                return channel
        return None

    def role(self, text: str) -> Role | None:
        wanted = _id_of(text) or text.lstrip("@").lower()
        for role in self.guild.roles.values():
            if wanted in (role.id, role.name.lstrip("@").lower()):
                return role
        return None

    def member(self, text: str) -> User | None:
        wanted = _id_of(text) or text.lstrip("@").lower()
        if isinstance(wanted, str) and wanted in self.people:
            return self.people[wanted]
        for member in self.guild.members.values():
            if wanted in (member.user.id, member.user.username.lower()):
                return member.user
        return None

    def user_name(self, user_id: int) -> str | None:
        for name, user in self.people.items():
            if user.id == user_id:
                return name
        other = self.state.users.get(user_id)
        return other.username if other else None


def _id_of(text: str) -> int | None:
    match = _MENTION_ID.fullmatch(text.strip())
    return int(match[1]) if match else None


@dataclass
class Found:
    """A command and subcommand path that runs, and the options it takes."""

    command: Json
    path: list[str]
    options: list[Json]

    @property
    def title(self) -> str:
        return " ".join([f"/{self.command['name']}", *self.path])

    def option(self, name: str) -> Json | None:
        return next((o for o in self.options if o["name"] == name), None)

    def option_names(self) -> str:
        return ", ".join(o["name"] for o in self.options) or "none"

    def unknown_option(self, name: str) -> str:
        close = difflib.get_close_matches(name, [o["name"] for o in self.options], n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return f"{self.title} has no option {name!r}{hint}; its options: {self.option_names()}"


def find_command(commands: list[Json], words: list[str]) -> Found:
    """`["/setup", "announce"]` → /setup's announce subcommand; an unknown name, a missing
    subcommand or a stray word is refused, listing what would do."""
    name = words[0].lstrip("/").lower()
    slash = sorted((c for c in commands if c.get("type", 1) == 1), key=lambda c: c["name"])
    command = next((c for c in slash if c["name"] == name), None)
    if command is None:
        known = [c["name"] for c in slash]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean /{close[0]}?)" if close else ""
        listed = ", ".join(f"/{c}" for c in known)
        raise SandboxError(f"no command /{name}{hint}; the bot has {listed}")
    found = Found(command, [], list(command.get("options") or []))
    rest = list(words[1:])
    while _subcommands(found.options):
        subs = _subcommands(found.options)
        listed = ", ".join(s["name"] for s in subs)
        if not rest:
            raise SandboxError(f"{found.title} needs a subcommand: {listed}")
        word = rest.pop(0)
        sub = next((s for s in subs if s["name"] == word.lower()), None)
        if sub is None:
            raise SandboxError(f"{found.title} has no subcommand {word!r}; it has {listed}")
        found = Found(command, [*found.path, sub["name"]], list(sub.get("options") or []))
    if rest:
        example = f", like {example_option(found.options[0])}" if found.options else ""
        raise SandboxError(
            f"{found.title}: {rest[0]!r} is not an option; give options as name:value{example}"
        )
    return found


def _subcommands(options: list[Json]) -> list[Json]:
    return [o for o in options if o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)]


def expects(spec: Json) -> str:
    """What an option takes, as Discord's client would ask for it."""
    kind = spec.get("type")
    if spec.get("choices"):
        return "choose one of " + ", ".join(str(c["name"]) for c in spec["choices"])
    if kind == STRING:
        low = max(int(spec.get("min_length") or 0), 1)
        high = int(spec.get("max_length") or STRING_MAX)
        if low > 1:
            return f"enter text of {low} to {high} characters"
        return f"enter text of at most {high} characters"
    if kind in (INTEGER, NUMBER):
        what = "a whole number" if kind == INTEGER else "a number"
        least, most = spec.get("min_value"), spec.get("max_value")
        if least is not None and most is not None:
            return f"enter {what} from {_num(least)} to {_num(most)}"
        if least is not None:
            return f"enter {what} of at least {_num(least)}"
        if most is not None:
            return f"enter {what} of at most {_num(most)}"
        return f"enter {what}"
    if kind == BOOLEAN:
        return "choose true or false"
    if kind == CHANNEL:
        return f"pick a {_channel_kinds(spec) or 'text'} channel, like #news"
    return {
        USER: "pick a member, like @reader",
        ROLE: "pick a role, like @Mods",
        MENTIONABLE: "pick a member or a role, like @reader or @Mods",
        ATTACHMENT: "attach a file by its path, like file:issue.txt",
    }.get(int(kind or 0), "enter a value")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _channel_kinds(spec: Json) -> str:
    allowed = spec.get("channel_types") or []
    names = list(dict.fromkeys(CHANNEL_KINDS[t] for t in CHANNEL_KINDS if t in allowed))
    return " or ".join(names)


def convert(spec: Json, raw: str, directory: Directory) -> Any:
    """The typed text `raw` as the value Discord's client would send for option `spec`."""
    name, kind = spec["name"], spec.get("type")
    wrong = SandboxError(f"{name}: {expects(spec)}")
    if spec.get("choices"):
        for choice in spec["choices"]:
            if raw.lower() in (str(choice["name"]).lower(), str(choice["value"]).lower()):
                return choice["value"]
        raise wrong
    if kind == STRING:
        low = max(int(spec.get("min_length") or 0), 1)
        if not low <= len(raw) <= int(spec.get("max_length") or STRING_MAX):
            raise SandboxError(f"{name}: {expects(spec)} (this is {len(raw)})")
        return raw
    if kind in (INTEGER, NUMBER):
        return _number(spec, raw, wrong)
    if kind == BOOLEAN:
        if raw.lower() not in ("true", "false"):
            raise wrong
        return raw.lower() == "true"
    if kind == CHANNEL:
        return _channel(spec, raw, directory)
    if kind in (USER, ROLE, MENTIONABLE):
        found: User | Role | None = None
        if kind in (USER, MENTIONABLE):
            found = directory.member(raw)
        if found is None and kind in (ROLE, MENTIONABLE):
            found = directory.role(raw)
        if found is None:
            raise SandboxError(f"{name}: {_nobody(kind, raw, directory)}")
        return found
    if kind == ATTACHMENT:
        return _file(name, raw)
    raise wrong


def _number(spec: Json, raw: str, wrong: SandboxError) -> int | float:
    value: int | float
    if spec.get("type") == INTEGER:
        if not _INTEGER.fullmatch(raw.strip()):
            raise wrong
        value = int(raw)
    else:
        try:
            value = float(raw)
        except ValueError:
            raise wrong from None
        if not math.isfinite(value):
            raise wrong
    low = spec.get("min_value", -NUMBER_LIMIT)
    high = spec.get("max_value", NUMBER_LIMIT)
    if not low <= value <= high:
        raise wrong
    return value


def _channel(spec: Json, raw: str, directory: Directory) -> Channel:
    channel = directory.channel(raw)
    if channel is None:
        shown = raw if raw.startswith("#") else f"#{raw}"
        raise SandboxError(
            f"{spec['name']}: no channel named {shown} here (channels: {directory.channel_names()})"
        )
    allowed = spec.get("channel_types")
    if allowed and channel.type not in allowed:
        kind = CHANNEL_KINDS.get(channel.type, "other")
        raise SandboxError(f"{spec['name']}: #{channel.name} is a {kind} channel; {expects(spec)}")
    return channel


def _nobody(kind: Any, raw: str, directory: Directory) -> str:
    members = ", ".join(f"@{n}" for n in directory.people)
    roles = ", ".join(
        f"@{r.name.lstrip('@')}" for r in directory.guild.roles.values() if not r.managed
    )
    shown = raw if raw.startswith("@") else f"@{raw}"
    if kind == USER:
        return f"no member named {shown} here (members: {members})"
    if kind == ROLE:
        return f"no role named {shown} here (roles: {roles})"
    return f"no member or role named {shown} here (members: {members}; roles: {roles})"


def _file(name: str, raw: str) -> File:
    path = Path(raw).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SandboxError(f"{name}: cannot read {raw} ({exc.strerror or exc})") from None
    if len(data) > UPLOAD_BYTES:
        limit = UPLOAD_BYTES // 2**20
        raise SandboxError(f"{name}: {raw} is over Discord's upload limit here ({limit} MB)")
    return File(path.name, data, mimetypes.guess_type(path.name)[0])


def example_option(spec: Json, suggestion: str | None = None) -> str:
    """`number:1`, `channel:#news`, `query:"some words"`: a value the option accepts."""
    kind = spec.get("type")
    if spec.get("choices"):
        value = str(spec["choices"][0]["name"])
    elif suggestion:
        value = suggestion
    elif kind == STRING and "http" in f"{spec['name']} {spec.get('description')}".lower():
        value = "https://example.com/newsletter"
    elif kind in (INTEGER, NUMBER):
        value = _num(spec.get("min_value", 1))
    else:
        value = {
            BOOLEAN: "true",
            USER: "@reader",
            CHANNEL: "#news",
            ROLE: "@Mods",
            MENTIONABLE: "@reader",
            ATTACHMENT: "issue.txt",
        }.get(int(kind or 0), "some words")
    return f'{spec["name"]}:"{value}"' if " " in value else f"{spec['name']}:{value}"


def placeholder(spec: Json) -> str:
    kind = spec.get("type")
    if spec.get("choices"):
        return "|".join(str(c["name"]) for c in spec["choices"])
    if kind in (INTEGER, NUMBER) and "min_value" in spec and "max_value" in spec:
        return f"{_num(spec['min_value'])}–{_num(spec['max_value'])}"
    return {
        STRING: "text",
        INTEGER: "number",
        NUMBER: "number",
        BOOLEAN: "true|false",
        USER: "@member",
        CHANNEL: "#channel",
        ROLE: "@role",
        MENTIONABLE: "@member|@role",
        ATTACHMENT: "path",
    }.get(int(kind or 0), "value")


def runnable(commands: list[Json]) -> list[Found]:
    """Every command and subcommand a user can run, in name order."""
    out: list[Found] = []

    def walk(found: Found) -> None:
        subs = _subcommands(found.options)
        if not subs:
            out.append(found)
        for sub in subs:
            walk(Found(found.command, [*found.path, sub["name"]], list(sub.get("options") or [])))

    for command in sorted(commands, key=lambda c: c["name"]):
        if command.get("type", 1) == 1:
            walk(Found(command, [], list(command.get("options") or [])))
    return out


def description(found: Found) -> str:
    node: Json = found.command
    for name in found.path:
        node = next(o for o in node.get("options") or [] if o["name"] == name)
    return str(node.get("description") or "")


def usage(found: Found) -> str:
    """`/item number:1–25 [issue:text] [public:true|false]`"""
    parts = [found.title]
    for spec in found.options:
        shown = f"{spec['name']}:{placeholder(spec)}"
        parts.append(shown if spec.get("required") else f"[{shown}]")
    return " ".join(parts)


def example(found: Found, suggestions: dict[str, str]) -> str:
    """The command with its required options (or its first one), filled in."""
    specs = [o for o in found.options if o.get("required")] or found.options[:1]
    values = [example_option(s, suggestions.get(s["name"])) for s in specs]
    return " ".join([found.title, *values])

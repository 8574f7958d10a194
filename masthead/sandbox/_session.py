"""One sandbox session: a server with three members, the verbs typed at it, and the bot's
answers as text. Every slash command, menu and form the bot registered or sent works
here, found from what it registered, never from a list kept in this module."""

from __future__ import annotations

import asyncio
import difflib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fakediscord import Channel, ChannelType, FakeDiscord, InteractionResult, Message, User
from fakediscord import permissions as perms
from masthead.sandbox import _help
from masthead.sandbox._controls import choose_button, choose_picks
from masthead.sandbox._forms import Ask, Show, fill_form
from masthead.sandbox._line import SandboxError, Words, is_comment, split_line
from masthead.sandbox._options import Directory, convert, expects, find_command
from masthead.sandbox._show import Names, controls, describe

log = logging.getLogger(__name__)

Json = dict[str, Any]
ABOUT = {
    "reader": "a member with no special permissions",
    "moderator": "a member with the @Mods role (Manage Server)",
    "editor": "the application's owner, who also owns the server: editor and moderator",
}
MESSAGE_MENU, USER_MENU = 3, 2
# The bot counts as done once Discord has heard nothing from it for this long: its
# answer's followups, review cards and DMs come within milliseconds of the answer.
QUIET_SECONDS = 0.15
SETTLE_LIMIT_SECONDS = 3.0


@dataclass
class Reply:
    """What a line gave: the text to show, and why the line failed, if it did."""

    text: str = ""
    error: str | None = None


class Sandbox:
    def __init__(
        self, fake: FakeDiscord, *, user: str = "editor", ask: Ask | None = None, show: Show
    ) -> None:
        self.fake = fake
        self.ask = ask
        self.show = show
        editor = fake.owner
        self.guild = fake.add_guild("Masthead sandbox", owner=editor)
        self.general = fake.add_channel(self.guild, "general")
        self.news = fake.add_channel(self.guild, "news")
        self.review = fake.add_channel(self.guild, "review")
        self.mods = fake.add_role(self.guild, "Mods", perms.MANAGE_GUILD)
        reader, moderator = fake.add_user("reader"), fake.add_user("moderator")
        fake.add_member(self.guild, reader)
        fake.add_member(self.guild, moderator, [self.mods])
        self.people = {"reader": reader, "moderator": moderator, "editor": editor}
        self.directory = Directory(fake.state, self.guild, self.people)
        self.names = Names(user=self._user_name, channel=self._channel_name, role=self._role_name)
        self.who = user
        self.channel = self.general
        self.last: Message | None = None  # what click and pick act on by default
        self.listed: list[Message] = []  # the last listing, numbered from 1
        self.errors: dict[int, str] = {}  # interaction id → the error the bot answered
        self._violations = 0
        self._examples: dict[str, str] | None = None
        self.published = ""  # the title, once posted

    @property
    def user(self) -> User:
        return self.people[self.who]

    # reading lines -----------------------------------------------------------------------

    async def run_line(self, line: str) -> Reply:
        """Run one typed line; a line that cannot run gives one line of error."""
        try:
            return await self._run(line.strip())
        except SandboxError as exc:
            return Reply(error=str(exc))
        except Exception as exc:  # a bug here or in the emulator: the session goes on
            log.exception("the sandbox failed on %r", line)
            return Reply(error=f"the sandbox failed on this line ({type(exc).__name__}: {exc})")

    async def _run(self, line: str) -> Reply:
        if not line or is_comment(line):
            return Reply()
        verb, _, rest = line.partition(" ")
        if verb.lower() == "say":
            return await self.say(rest.strip())
        words = split_line(line)
        if not words.words:
            raise SandboxError("start with a command, like /item number:3 (type help)")
        first = words.words[0]
        if first.startswith("/"):
            return await self.slash(words)
        if first.startswith("#") and len(words.words) == 1 and not words.options:
            return await self.read_channel(first)
        verbs: dict[str, Callable[[Words], Awaitable[Reply]]] = {
            "help": self.help,
            "?": self.help,
            "click": self.click,
            "pick": self.pick,
            "news": lambda w: self.read(self.news, w),
            "review": lambda w: self.read(self.review, w),
            "dms": self.dms,
            "as": self.act_as,
            "in": self.move,
            "complete": self.complete,
        }
        handler = verbs.get(first.lower())
        if handler is not None:
            return await handler(words)
        menu = self._menu(words.words)
        if menu is not None:
            command, args = menu
            return await self.run_menu(command, args, words.options)
        close = difflib.get_close_matches(first.lower(), [*verbs, "say"], n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise SandboxError(
            f"unknown command {first!r}: {hint}slash commands start with / (like /latest); "
            f"the sandbox's own: {', '.join(_help.VERBS)}"
        )

    # slash commands and context menus ------------------------------------------------------

    def registered(self) -> list[Json]:
        """The commands the bot registered, as Discord stores them: global ones, and this
        server's, which shadow a global one of the same name and type."""
        commands = {(c["name"], c.get("type", 1)): c for c in self.fake.commands()}
        commands |= {(c["name"], c.get("type", 1)): c for c in self.fake.commands(self.guild)}
        return list(commands.values())

    async def slash(self, words: Words) -> Reply:
        found = find_command(self.registered(), words.words)
        values: dict[str, Any] = {}
        fields: dict[str, str] = {}
        for name, raw in words.options.items():
            spec = found.option(name)
            if spec is not None:
                values[name] = convert(spec, raw, self.directory)
            elif difflib.get_close_matches(name, [o["name"] for o in found.options], n=1):
                raise SandboxError(found.unknown_option(name))  # a typo, not a form field
            else:
                fields[name] = raw  # a field of the form the command may open
        for spec in found.options:
            if spec.get("required") and spec["name"] not in values:
                raise SandboxError(f"{found.title}: {spec['name']} is required: {expects(spec)}")
        names = [found.command["name"], *found.path]
        unused = found.unknown_option(next(iter(fields))) if fields else ""
        return await self._interact(
            lambda: self.fake.run_command(self.guild, self.channel, self.user, *names, **values),
            fields,
            unused,
        )

    def menus(self) -> list[Json]:
        return [c for c in self.registered() if c.get("type") in (MESSAGE_MENU, USER_MENU)]

    def _menu(self, words: list[str]) -> tuple[Json, list[str]] | None:
        """`suggest 3` or `"Suggest as tip" 3`: a context menu by its name or first word."""
        for command in self.menus():
            name = command["name"].lower()
            size = len(name.split())
            if " ".join(words[:size]).lower() == name:
                return command, words[size:]
            if words[0].lower() in (name, name.split()[0]):
                return command, words[1:]
        return None

    async def run_menu(self, command: Json, args: list[str], fields: dict[str, str]) -> Reply:
        name = command["name"]
        verb = _help.menu_verb(name)
        unused = f"“{name}” takes no options; form fields it opens: {', '.join(fields)}"
        if command["type"] == MESSAGE_MENU:
            if len(args) != 1:
                raise SandboxError(f"{verb} takes a message number from a listing, like {verb} 1")
            message = self._listed(args[0])
            channel = self.fake.state.channels[message.channel_id]
            return await self._interact(
                lambda: self.fake.run_message_command(
                    self.guild, channel, self.user, name, message
                ),
                fields,
                unused,
            )
        if len(args) != 1:
            raise SandboxError(f"{verb} takes a member, like {verb} @reader")
        target = self.directory.member(args[0])
        if target is None:
            members = ", ".join(f"@{n}" for n in self.people)
            raise SandboxError(f"no member named {args[0]} here (members: {members})")
        return await self._interact(
            lambda: self.fake.run_user_command(self.guild, self.channel, self.user, name, target),
            fields,
            unused,
        )

    async def complete(self, words: Words) -> Reply:
        """`complete /item issue:Dec`: what the bot suggests while that option is typed."""
        if len(words.words) < 2 or not words.options:
            raise SandboxError(
                "complete takes a command and the option being typed, like complete /item issue:Dec"
            )
        found = find_command(self.registered(), words.words[1:])
        focused = list(words.options)[-1]
        values: dict[str, Any] = {}
        for name, raw in words.options.items():
            spec = found.option(name)
            if spec is None:
                raise SandboxError(found.unknown_option(name))
            values[name] = raw if name == focused else convert(spec, raw, self.directory)
        spec = found.option(focused) or {}
        if not spec.get("autocomplete"):
            raise SandboxError(f"{found.title}: {focused} has no suggestions; {expects(spec)}")
        names = [found.command["name"], *found.path]
        result = await self._call(
            self.fake.autocomplete(
                self.guild, self.channel, self.user, *names, focused=focused, **values
            )
        )
        choices = result.choices or []
        if not choices:
            return Reply("(no suggestions)")
        lines = [f"{n}. {c['name']} → {focused}:{c['value']}" for n, c in enumerate(choices, 1)]
        return Reply("\n".join(lines))

    # buttons and menus -----------------------------------------------------------------------

    def _target(self, args: list[str]) -> tuple[Message, list[str], str]:
        """The message acted on (and what to call it): `… on N` for message N of the last
        listing, else the last answer."""
        if len(args) >= 2 and args[-2].lower() == "on":
            return self._listed(args[-1]), args[:-2], f"message {args[-1]}"
        if self.last is None:
            raise SandboxError(
                "nothing to act on yet: run a command, or list a channel (news) "
                "and add on N, like click 1 on 2"
            )
        return self.last, args, "the last answer"

    def _listed(self, text: str) -> Message:
        number = text.strip("()")
        if not number.isdigit() or not 1 <= int(number) <= len(self.listed):
            if not self.listed:
                raise SandboxError(
                    "no messages listed yet: list some with news, review, #channel or dms"
                )
            raise SandboxError(
                f"no message {text} in the last listing: it has 1 to {len(self.listed)}"
            )
        message = self.listed[int(number) - 1]
        if message.deleted:
            raise SandboxError(f"message {number} has been deleted")
        return message

    async def click(self, words: Words) -> Reply:
        message, args, what = self._target(words.words[1:])
        control, label = choose_button(controls(message), args, what)
        return await self._interact(
            lambda: self.fake.click(message, control["custom_id"], self.user),
            words.options,
            f"{label} opened no form, so {', '.join(words.options)} went unused",
        )

    async def pick(self, words: Words) -> Reply:
        message, args, what = self._target(words.words[1:])
        control, label, values = choose_picks(controls(message), args, what, self.directory)
        return await self._interact(
            lambda: self.fake.select(message, control["custom_id"], values, self.user),
            words.options,
            f"{label} opened no form, so {', '.join(words.options)} went unused",
        )

    # one interaction, start to finish ----------------------------------------------------------

    async def _interact(
        self,
        start: Callable[[], Awaitable[InteractionResult]],
        fields: dict[str, str],
        unused: str,
    ) -> Reply:
        before = set(self.fake.state.messages)
        result = await self._call(start())
        if result.modal is not None:
            values = await fill_form(result.modal, fields, self.ask, self.show)
            result = await self._call(self.fake.submit_modal(result, values, self.user))
        elif fields:
            raise SandboxError(unused)
        return await self._answer(result, before)

    async def _call(self, started: Awaitable[InteractionResult]) -> InteractionResult:
        try:
            result = await started
        except ValueError as exc:  # what Discord's client would not have sent
            raise SandboxError(str(exc)) from None
        except TimeoutError:
            raise SandboxError(
                f"the bot did not answer within {self.fake.timeout:.0f} s "
                "(Discord would show “This interaction failed”)"
            ) from None
        if result.refused is not None:
            raise SandboxError(f"Discord refused the bot's answer: {result.refused}")
        return result

    async def _answer(self, result: InteractionResult, before: set[int]) -> Reply:
        if result.type == 5:
            try:
                await result.wait_message()
            except TimeoutError:
                raise SandboxError("the bot deferred its answer and never gave it") from None
        await self.settle()
        shown = [m for m in [result.message, *result.followups] if m is not None]
        lines = [describe(m, self.names) for m in shown]
        if result.type == 6 and result.message is None:
            lines = ["(the bot closed the form without a message)"]
        response = result.message
        if response is not None and not response.ephemeral and result.type in (4, 5):
            lines.append(f"(posted in #{self._channel_name(response.channel_id)} for everyone)")
        with_controls = [m for m in shown if controls(m)]
        self.last = with_controls[-1] if with_controls else response
        lines += self._activity(before, {m.id for m in shown})
        error = self.errors.pop(result.interaction.id, None)
        problem = self._new_violations()
        if problem is None and error is not None:
            problem = f"the bot answered with an error: {self.names.text(error).splitlines()[0]}"
        return Reply("\n".join(lines), problem)

    def _new_violations(self) -> str | None:
        violations = self.fake.unexpected_violations()
        new, self._violations = violations[self._violations :], len(violations)
        if not new:
            return None
        return f"Discord would have refused the bot's request: {new[0]}"

    def _activity(self, before: set[int], answered: set[int]) -> list[str]:
        """New messages the line caused elsewhere: review cards, posts, DMs."""
        counts: dict[str, int] = {}
        for ident, message in self.fake.state.messages.items():
            if ident in before or ident in answered or message.deleted or message.ephemeral:
                continue
            channel = self.fake.state.channels[message.channel_id]
            if channel.type == ChannelType.DM:
                where = f"DMs of @{self._user_name(channel.recipients[0].id)}"
            elif channel.type.is_thread:
                where = f"the thread “{channel.name}”"
            else:
                where = f"#{channel.name}"
            counts[where] = counts.get(where, 0) + 1
        if not counts:
            return []
        news = ", ".join(f"{n} in {where}" for where, n in counts.items())
        return [f"(new messages: {news})"]

    async def settle(self) -> None:
        """Until the bot has been quiet for a moment (or a few seconds have passed)."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + SETTLE_LIMIT_SECONDS
        seen, quiet_since = -1, loop.time()
        while loop.time() < give_up:
            requests = self.fake.requests
            busy = any(r.status == 0 for r in requests[-5:])
            if len(requests) != seen or busy:
                seen, quiet_since = len(requests), loop.time()
            elif loop.time() - quiet_since >= QUIET_SECONDS:
                return
            await asyncio.sleep(0.02)

    # reading channels ----------------------------------------------------------------------

    async def read_channel(self, text: str) -> Reply:
        channel = self.directory.channel(text)
        if channel is None:
            names = self.directory.channel_names()
            raise SandboxError(f"no channel named {text} here (channels: {names})")
        return await self.read(channel, Words())

    async def read(self, channel: Channel, words: Words) -> Reply:
        await self.settle()
        sections: list[tuple[str, list[Message]]] = [
            (f"── #{channel.name}", self.fake.messages(channel))
        ]
        for thread in self.fake.threads(channel):
            sections.append((f"── thread: {thread.name}", self.fake.messages(thread)))
        return Reply(self._listing(sections) or f"(#{channel.name} is empty)")

    async def dms(self, words: Words) -> Reply:
        await self.settle()
        who = self.user
        if len(words.words) > 1:
            found = self.directory.member(words.words[1])
            if found is None:
                raise SandboxError(f"no member named {words.words[1]} here")
            who = found
        name = self._user_name(who.id)
        messages = self.fake.dms(who)
        return Reply(self._listing([(f"── DMs of @{name}", messages)]) or f"(@{name} has no DMs)")

    def _listing(self, sections: list[tuple[str, list[Message]]]) -> str:
        self.listed = []
        out: list[str] = []
        for title, messages in sections:
            if not messages:
                continue
            out.append(title)
            for message in messages:
                self.listed.append(message)
                author = self._user_name(message.author.id)
                out.append(f"({len(self.listed)}) @{author}")
                out.append(describe(message, self.names))
        return "\n".join(out)

    # who and where ------------------------------------------------------------------------

    async def act_as(self, words: Words) -> Reply:
        wanted = words.words[1].lstrip("@").lower() if len(words.words) == 2 else ""
        if wanted not in self.people:
            raise SandboxError(f"as: choose {', '.join(self.people)}")
        self.who = wanted
        return Reply(f"You are now @{wanted}: {ABOUT[wanted]}.")

    async def move(self, words: Words) -> Reply:
        channel = self.directory.channel(words.words[1]) if len(words.words) == 2 else None
        if channel is None:
            raise SandboxError(f"in: choose a channel: {self.directory.channel_names()}")
        self.channel = channel
        return Reply(f"Commands now run in #{channel.name}.")

    async def say(self, text: str) -> Reply:
        """Post a chat message as the current member (for the message menus to act on)."""
        if not text:
            raise SandboxError("say what? like: say Shanghai opens a vertical farm https://…")
        self.fake.post_message(self.channel, self.user, text)
        await self.settle()
        messages = self.fake.messages(self.channel)
        self.listed = list(messages)
        hint = ""
        message_menus = [c for c in self.menus() if c["type"] == MESSAGE_MENU]
        if message_menus:
            hint = f"; try: {_help.menu_verb(message_menus[0]['name'])} {len(messages)}"
        return Reply(
            f"(posted in #{self.channel.name} as message {len(messages)} of its listing{hint})"
        )

    async def help(self, words: Words) -> Reply:
        if self._examples is None:
            self._examples = await self._autocomplete_examples()
        if len(words.words) > 1:
            found = find_command(
                self.registered(), ["/" + words.words[1].lstrip("/"), *words.words[2:]]
            )
            return Reply(_help.command_help(found, self._examples))
        return Reply(_help.full_help(self.registered(), self._examples, self.who))

    async def _autocomplete_examples(self) -> dict[str, str]:
        """A real value for each autocompleted option: the bot's first suggestion."""
        examples: dict[str, str] = {}
        for found in _help.runnable(self.registered()):
            names = [found.command["name"], *found.path]
            for spec in found.options:
                if not spec.get("autocomplete") or spec["name"] in examples:
                    continue
                try:
                    result = await self.fake.autocomplete(
                        self.guild, self.channel, self.user, *names, focused=spec["name"]
                    )
                except (ValueError, TimeoutError):
                    continue
                if result.choices:
                    examples[spec["name"]] = str(result.choices[0]["value"])
        return examples

    # names ---------------------------------------------------------------------------------

    def _user_name(self, user_id: int) -> str:
        if user_id == self.fake.bot.id:
            return "Masthead"
        return self.directory.user_name(user_id) or str(user_id)

    def _channel_name(self, channel_id: int) -> str | None:
        channel = self.fake.state.channels.get(channel_id)
        return channel.name if channel else None

    def _role_name(self, role_id: int) -> str | None:
        role = self.guild.roles.get(role_id)
        return role.name.lstrip("@") if role else None

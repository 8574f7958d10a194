"""The test-facing side of the emulator: build servers, act as users, read what the bot
did, inject faults.

    fake = FakeDiscord()
    await fake.start()
    guild = fake.add_guild("Readers")
    channel = fake.add_channel(guild, "news")
    alice = fake.add_user("alice")
    fake.add_member(guild, alice)
    result = await fake.run_command(guild, channel, alice, "item", number=3)
    assert result.embeds[0]["title"] == ...
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Any

from . import permissions as perms
from .faults import Fault, FaultKind, Storm, StormKind
from .gateway import Gateway
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    Interaction,
)
from .invoke import (
    MESSAGE_COMMAND,
    USER_COMMAND,
    command_data,
    component_data,
    context_menu_data,
    modal_data,
)
from .messages import delete_message, event_json
from .models import Channel, ChannelType, Guild, Json, Member, Message, Role, User
from .permissions import Overwrite
from .rest import delete_channel
from .results import InteractionResult
from .server import Emulator, RequestRecord, Violation
from .state import Command, State

DEFAULT_TOKEN = "ZmFrZWRpc2NvcmQ.bot.token"


class FakeDiscord:
    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        ack_window: float = 3.0,
        heartbeat_interval: float = 41.25,
    ) -> None:
        self.emulator = Emulator(
            token=token, ack_window=ack_window, heartbeat_interval=heartbeat_interval
        )
        self._gc_frozen = False  # see enable_rate_limits

    async def start(self) -> FakeDiscord:
        """Listen on a free loopback port."""
        await self.emulator.start()
        return self

    async def stop(self) -> None:
        await self.emulator.stop()
        if self._gc_frozen:
            gc.unfreeze()
            self._gc_frozen = False

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # addresses and identity ----------------------------------------------------------

    @property
    def api_base(self) -> str:
        """``http://127.0.0.1:PORT/api/v10`` — DISCORD_API_BASE for the bot."""
        return self.emulator.api_base

    @property
    def gateway_url(self) -> str:
        """``ws://127.0.0.1:PORT/gateway`` — DISCORD_GATEWAY_URL for the bot."""
        return self.emulator.gateway_url

    @property
    def token(self) -> str:
        return self.emulator.token

    @property
    def state(self) -> State:
        return self.emulator.state

    @property
    def gateway(self) -> Gateway:
        return self.emulator.gateway

    @property
    def bot(self) -> User:
        return self.state.bot

    @property
    def owner(self) -> User:
        """Owner of the application and, by default, of every guild."""
        return self.state.owner

    @property
    def application_id(self) -> int:
        return self.state.application_id

    @property
    def ack_window(self) -> float:
        return self.emulator.ack_window

    @ack_window.setter
    def ack_window(self, seconds: float) -> None:
        self.emulator.ack_window = seconds

    @property
    def timeout(self) -> float:
        """Seconds helpers wait for the bot to answer (default 5)."""
        return self.emulator.timeout

    @timeout.setter
    def timeout(self, seconds: float) -> None:
        self.emulator.timeout = seconds

    @property
    def ready_timeout(self) -> float:
        """Seconds helpers wait for a bot to start and sync (default 30)."""
        return self.emulator.ready_timeout

    @ready_timeout.setter
    def ready_timeout(self, seconds: float) -> None:
        self.emulator.ready_timeout = seconds

    def bot_env(self, **extra: str) -> dict[str, str]:
        """Environment for a bot process pointed at this emulator."""
        return {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
            **extra,
        }

    # building the world ----------------------------------------------------------------

    def add_user(self, name: str, *, dm_closed: bool = False) -> User:
        user = self.state.add_user(name)
        user.dm_closed = dm_closed
        return user

    def add_guild(
        self, name: str, *, owner: User | None = None, bot_permissions: int = perms.DEFAULT_BOT
    ) -> Guild:
        """A server the bot is in (GUILD_CREATE reaches a connected bot at once)."""
        guild = self.state.add_guild(name, owner=owner, bot_permissions=bot_permissions)
        self._emit("GUILD_CREATE", self.state.guild_create_payload(guild), guild.id)
        return guild

    def add_channel(
        self,
        guild: Guild,
        name: str,
        type: ChannelType = ChannelType.TEXT,
        *,
        parent: Channel | None = None,
    ) -> Channel:
        channel = self.state.add_channel(guild, name, type, parent)
        self._emit("CHANNEL_CREATE", channel.to_json(), guild.id)
        return channel

    def add_role(
        self, guild: Guild, name: str, permissions: int = 0, *, mentionable: bool = False
    ) -> Role:
        role = self.state.add_role(guild, name, permissions, mentionable=mentionable)
        self._emit(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.to_json()}, guild.id
        )
        return role

    def add_member(
        self,
        guild: Guild,
        user: User,
        roles: list[Role] | tuple[Role, ...] = (),
        *,
        nick: str | None = None,
    ) -> Member:
        member = self.state.add_member(guild, user, roles, nick)
        self._emit("GUILD_MEMBER_ADD", {**member.to_json(), "guild_id": str(guild.id)}, guild.id)
        return member

    def set_roles(self, guild: Guild, user: User, roles: list[Role] | tuple[Role, ...]) -> None:
        member = guild.members[user.id]
        member.roles = [r.id for r in roles]
        self._emit("GUILD_MEMBER_UPDATE", {**member.to_json(), "guild_id": str(guild.id)}, guild.id)

    def set_overwrite(
        self,
        channel: Channel,
        target: Role | User | Member | Guild,
        *,
        allow: int = 0,
        deny: int = 0,
    ) -> None:
        """A channel permission overwrite; a Guild means its @everyone role."""
        if isinstance(target, Member):
            target = target.user
        kind = 1 if isinstance(target, User) else 0
        channel.overwrites[target.id] = Overwrite(target.id, kind, allow, deny)
        self._emit("CHANNEL_UPDATE", channel.to_json(), channel.guild_id)

    def deny_bot(self, channel: Channel, permissions: int) -> None:
        """E.g. ``deny_bot(channel, SEND_MESSAGES)``: the bot's writes there get 403 50013."""
        self.set_overwrite(channel, self.bot, deny=permissions)

    def dm_channel(self, user: User) -> Channel:
        """The DM channel between the bot and ``user`` (run_command(None, it, user, ...))."""
        return self.state.dm_channel(user)

    def delete_channel(self, channel: Channel) -> None:
        """A moderator deletes a channel or thread, with everything in it."""
        delete_channel(self.emulator, channel)

    def delete_message(self, message: Message) -> None:
        """A moderator deletes a message (the bot receives MESSAGE_DELETE)."""
        delete_message(self.emulator, message)

    def post_message(self, channel: Channel, user: User, content: str) -> Message:
        """A user writes in a channel (the bot receives MESSAGE_CREATE)."""
        message = Message(
            self.state.ids.next(), channel.id, user, guild_id=channel.guild_id, content=content
        )
        self.state.compute_mentions(message, None, user.id)
        self.state.store_message(message)
        self._emit("MESSAGE_CREATE", event_json(self.emulator, message), channel.guild_id)
        return message

    def _emit(self, event: str, data: Json, guild_id: int | None) -> None:
        self.emulator.gateway.dispatch(event, data, guild_id)

    # acting as a user ------------------------------------------------------------------

    async def run_command(
        self,
        guild: Guild | None,
        channel: Channel,
        user: User,
        /,
        *names: str,
        **options: Any,
    ) -> InteractionResult:
        """Run ``/names[0] names[1:]`` with ``options`` and wait for the bot's answer.

        ``names`` may also be one string with spaces ("setup announce"). The first three
        parameters are positional-only so options may be called ``channel`` or ``user``.
        User, Member, Role, Channel and :class:`fakediscord.File` values become resolved
        ids like Discord sends.
        """
        command, path = self._command(guild, names)
        data = command_data(
            self.state, command, path, options, guild_id=guild.id if guild else None
        )
        return await self._interact(APPLICATION_COMMAND, user, channel, data, None)

    async def autocomplete(
        self,
        guild: Guild | None,
        channel: Channel,
        user: User,
        /,
        *names: str,
        focused: str,
        **options: Any,
    ) -> InteractionResult:
        """Type into option ``focused`` (its partial value among ``options``); the bot's
        suggestions are in ``result.choices``."""
        if focused not in options:
            options[focused] = ""
        command, path = self._command(guild, names)
        data = command_data(
            self.state,
            command,
            path,
            options,
            guild_id=guild.id if guild else None,
            focused=focused,
        )
        return await self._interact(AUTOCOMPLETE, user, channel, data, None)

    async def run_message_command(
        self,
        guild: Guild | None,
        channel: Channel,
        user: User,
        name: str,
        message: Message,
    ) -> InteractionResult:
        """Pick the message command (context menu, type 3) ``name`` on ``message``, which
        must be in ``channel``; the bot gets it under ``data.resolved.messages``."""
        command = self._find_command(guild, name, MESSAGE_COMMAND)
        if message.channel_id != channel.id or message.deleted:
            where = "deleted" if message.deleted else f"in channel {message.channel_id}"
            raise ValueError(
                f"message {message.id} is {where}, not in #{channel.name or channel.id}"
            )
        data = context_menu_data(self.state, command, message, guild_id=guild.id if guild else None)
        return await self._interact(APPLICATION_COMMAND, user, channel, data, None)

    async def run_user_command(
        self,
        guild: Guild | None,
        channel: Channel,
        user: User,
        name: str,
        target_user: User | Member,
    ) -> InteractionResult:
        """Pick the user command (context menu, type 2) ``name`` on ``target_user``; the
        bot gets the user (and, in a guild they belong to, the member) under ``resolved``."""
        command = self._find_command(guild, name, USER_COMMAND)
        target = target_user.user if isinstance(target_user, Member) else target_user
        if self.state.users.get(target.id) is not target:
            raise ValueError(f"{target.username} is not a user of this emulator")
        data = context_menu_data(self.state, command, target, guild_id=guild.id if guild else None)
        return await self._interact(APPLICATION_COMMAND, user, channel, data, None)

    async def click(self, message: Message, custom_id: str, user: User) -> InteractionResult:
        data = component_data(self.state, message, custom_id, None)
        return await self._interact(
            MESSAGE_COMPONENT, user, self._channel_of(message), data, message
        )

    async def select(
        self,
        message: Message,
        custom_id: str,
        values: list[Any],
        user: User,
    ) -> InteractionResult:
        data = component_data(self.state, message, custom_id, values)
        return await self._interact(
            MESSAGE_COMPONENT, user, self._channel_of(message), data, message
        )

    async def submit_modal(
        self,
        opened: InteractionResult,
        values: dict[str, str],
        user: User | None = None,
    ) -> InteractionResult:
        """Fill in and submit the modal the bot answered ``opened`` with (callback 9)."""
        if opened.modal is None:
            raise ValueError(f"the bot answered with callback type {opened.type}, not a modal")
        source = opened.interaction
        data = modal_data(opened.modal, values)
        return await self._interact(
            MODAL_SUBMIT, user or source.user, source.channel, data, source.message
        )

    def _command(self, guild: Guild | None, names: tuple[str, ...]) -> Any:
        words = [w for name in names for w in name.split()]
        if not words:
            raise ValueError("which command? pass its name")
        return self._find_command(guild, words[0], 1), words[1:]

    def _find_command(self, guild: Guild | None, name: str, kind: int) -> Command:
        command = self.state.find_command(name, guild.id if guild else None, kind)
        if command is None:
            kinds = {USER_COMMAND: "user command", MESSAGE_COMMAND: "message command"}
            label = f"{kinds[kind]} {name!r}" if kind in kinds else f"command /{name}"
            known = sorted({c.name for c in self.state.commands.values() if c.type == kind})
            raise ValueError(f"no {label} is registered; registered: {known}")
        return command

    def _channel_of(self, message: Message) -> Channel:
        return self.state.channels[message.channel_id]

    async def _interact(
        self,
        kind: int,
        user: User,
        channel: Channel,
        data: Json,
        message: Message | None,
    ) -> InteractionResult:
        interaction: Interaction = self.emulator.interactions.create(
            kind, user, channel, data, message
        )
        return await InteractionResult(self.emulator, interaction).wait()

    # reading what happened --------------------------------------------------------------

    def messages(self, channel: Channel, *, include_ephemeral: bool = False) -> list[Message]:
        """Messages in ``channel``, oldest first (ephemeral replies only on request)."""
        listed = self.state.channel_messages_of(channel)
        if include_ephemeral:
            listed += [
                m
                for m in self.state.messages.values()
                if m.channel_id == channel.id and m.ephemeral and not m.deleted
            ]
            listed.sort(key=lambda m: m.id)
        return listed

    def threads(self, channel: Channel) -> list[Channel]:
        return self.state.threads_of(channel)

    def dms(self, user: User) -> list[Message]:
        """What the bot sent ``user`` by direct message."""
        channel_id = self.state.dm_channels.get(user.id)
        if channel_id is None:
            return []
        return self.state.channel_messages_of(self.state.channels[channel_id])

    def commands(self, guild: Guild | None = None) -> list[Json]:
        """Registered commands (global, or a guild's), as Discord stores them."""
        return [c.to_json() for c in self.state.commands_for(guild.id if guild else None)]

    @property
    def requests(self) -> list[RequestRecord]:
        """Every REST call: method, path, route (spec template), body, time, status."""
        return self.emulator.requests

    @property
    def violations(self) -> list[Violation]:
        return self.emulator.violations

    def unexpected_violations(self) -> list[Violation]:
        return [v for v in self.violations if not v.expected]

    @contextlib.contextmanager
    def expect_violation(self, code: int | None = None) -> Iterator[list[Violation]]:
        """Refusals inside the block are expected (not failures); at least one must happen
        (with ``code``, if given). Yields the list of violations caught in the block."""
        start = len(self.violations)
        caught: list[Violation] = []
        self.emulator.expecting_violations += 1
        try:
            yield caught
        finally:
            self.emulator.expecting_violations -= 1
            caught.extend(self.violations[start:])
            # Only the refusal asked for is expected: an unrelated one still fails the test.
            for violation in caught:
                violation.expected = code is None or violation.code == code
        if not any(code is None or v.code == code for v in caught):
            raise AssertionError(
                f"expected Discord to refuse a request (code {code}), "
                f"got {[str(v) for v in caught]}"
            )

    # waiting ---------------------------------------------------------------------------

    async def wait_until(
        self, predicate: Any, what: str = "a condition", *, slow: bool = False
    ) -> Any:
        """Poll ``predicate`` whenever emulator state changes; return its truthy value.
        Gives up after ``fake.timeout`` seconds (``fake.ready_timeout`` when ``slow``)."""
        return await self.emulator.wait_until(predicate, what, slow=slow)

    async def wait_for_message(self, channel: Channel, predicate: Any = None) -> Message:
        """The first message in ``channel`` (matching ``predicate``)."""

        def found() -> Message | None:
            for message in self.messages(channel):
                if predicate is None or predicate(message):
                    return message
            return None

        result: Message = await self.wait_until(found, f"a message in #{channel.name}")
        return result

    async def wait_bot_ready(self, *, after: int = 0) -> None:
        """Until the bot identified (more than ``after`` times) and got every GUILD_CREATE."""
        await self.wait_until(
            lambda: self.gateway.identifies > after, "the bot to identify", slow=True
        )

    async def wait_commands(
        self,
        names: list[str] | tuple[str, ...],
        guild: Guild | None = None,
    ) -> None:
        """Until the bot registered commands with all of ``names``."""
        wanted = set(names)

        def registered() -> bool:
            return wanted <= {c.name for c in self.state.commands_for(guild.id if guild else None)}

        await self.wait_until(registered, f"commands {sorted(wanted)} registered", slow=True)

    # faults ------------------------------------------------------------------------------

    def rate_limit(
        self,
        *,
        method: str | None = None,
        route: str | None = None,
        times: int = 1,
        retry_after: float = 0.1,
        is_global: bool = False,
    ) -> Fault:
        """Answer the next ``times`` matching requests with 429 (route or global scope).
        ``route`` is the spec template, e.g. "/channels/{channel_id}/messages"."""
        kind: FaultKind = "global_429" if is_global else "route_429"
        return self.emulator.faults.add(Fault(kind, method, route, times, retry_after=retry_after))

    def server_error(
        self,
        *,
        method: str | None = None,
        route: str | None = None,
        times: int = 1,
        status: int = 500,
    ) -> Fault:
        return self.emulator.faults.add(Fault("error", method, route, times, status=status))

    def slow(
        self,
        seconds: float,
        *,
        method: str | None = None,
        route: str | None = None,
        times: int | None = None,
    ) -> Fault:
        """Delay matching responses by ``seconds`` (``times=None``: until cleared)."""
        return self.emulator.faults.add(Fault("delay", method, route, times, delay=seconds))

    def storm(
        self,
        probability: float,
        *,
        seed: int,
        kind: StormKind = "429",
        method: str | None = None,
        route: str | None = None,
        retry_after: float = 0.1,
        statuses: tuple[int, ...] = (500, 502, 503, 504),
        spare_interactions: bool = True,
    ) -> Storm:
        """Until cleared, fail each matching request with ``probability`` (seeded): a 429
        (``kind="429"`` or ``"global_429"``) with ``retry_after``, or (``"5xx"``) one of
        ``statuses``. ``storm.seen`` and ``storm.fired`` count what it matched and failed;
        ``storm.struck`` lists the failed requests (method, path, time answered)."""
        return self.emulator.faults.add_storm(
            Storm(
                probability,
                kind,
                seed,
                method,
                route,
                retry_after=retry_after,
                statuses=statuses,
                spare_interactions=spare_interactions,
            )
        )

    def clear_faults(self) -> None:
        """Remove every fault and storm."""
        self.emulator.faults.clear()

    def enable_rate_limits(
        self, global_per_second: int = 50, per_route: tuple[int, float] = (5, 5.0)
    ) -> None:
        """Enforce Discord's limits (global bucket, per-route windows) with real 429s.

        From here on the emulator's clock is the measurement, so the garbage collector
        stops scanning what this process holds already: a full collection over a long
        test session's objects paused the emulator for a quarter second, and the requests
        that queued meanwhile arrived at once, over the limit the bot kept."""
        self.emulator.faults.enable_rate_limits(global_per_second, per_route)
        if not self._gc_frozen:
            gc.collect()
            gc.freeze()
            self._gc_frozen = True

    async def drop_gateway(self, code: int = 4000) -> int:
        """Close the bot's gateway connections; its sessions stay resumable."""
        return await self.gateway.drop(code)

    def invalidate_session(self, *, resumable: bool = False) -> None:
        self.gateway.invalidate(resumable)

    def requests_to(self, method: str, route: str, *, since: float = 0.0) -> list[RequestRecord]:
        return [
            r for r in self.requests if r.method == method and r.route == route and r.time >= since
        ]

"""Everything the emulated Discord knows: users, guilds, channels, messages, commands."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from . import errors
from . import permissions as perms
from .models import Attachment, Channel, ChannelType, Guild, Json, Member, Message, Role, User
from .snowflake import SnowflakeGenerator

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_EVERYONE = re.compile(r"@(everyone|here)\b")


@dataclass
class Command:
    id: int
    application_id: int
    guild_id: int | None
    data: Json
    version: int

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def type(self) -> int:
        """1 CHAT_INPUT (slash), 2 USER, 3 MESSAGE (context menus)."""
        return int(self.data.get("type") or 1)

    def to_json(self) -> Json:
        out = dict(self.data)
        out.update(
            id=str(self.id),
            application_id=str(self.application_id),
            version=str(self.version),
            type=self.type,
            # Discord: "" (not null, not absent) for USER and MESSAGE commands.
            description=self.data.get("description") or "",
            default_member_permissions=self.data.get("default_member_permissions"),
            options=self.data.get("options", []),
            nsfw=self.data.get("nsfw", False),
        )
        if self.guild_id is not None:
            out["guild_id"] = str(self.guild_id)
        return out


@dataclass
class NonceEntry:
    message_id: int
    at: float


@dataclass
class State:
    ids: SnowflakeGenerator = field(default_factory=SnowflakeGenerator)
    users: dict[int, User] = field(default_factory=dict)
    guilds: dict[int, Guild] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    messages: dict[int, Message] = field(default_factory=dict)
    channel_messages: dict[int, list[int]] = field(default_factory=dict)
    attachments: dict[int, Attachment] = field(default_factory=dict)
    dm_channels: dict[int, int] = field(default_factory=dict)  # user id -> channel id
    commands: dict[int, Command] = field(default_factory=dict)
    nonces: dict[tuple[int, int, str], NonceEntry] = field(default_factory=dict)
    nonce_window: float = 300.0
    base_url: str = ""  # set when the server is listening; attachment URLs need it
    bot: User = field(init=False)
    application_id: int = field(init=False)
    owner: User = field(init=False)

    def __post_init__(self) -> None:
        self.owner = self.add_user("owner")
        self.bot = self.add_user("masthead-test", bot=True)
        self.application_id = self.bot.id  # Discord: a bot's user id is its application's id

    # builders ------------------------------------------------------------------------

    def add_user(self, name: str, *, bot: bool = False) -> User:
        user = User(id=self.ids.next(), username=name, bot=bot, global_name=name)
        self.users[user.id] = user
        return user

    def add_guild(
        self, name: str, *, owner: User | None = None, bot_permissions: int = perms.DEFAULT_BOT
    ) -> Guild:
        owner = owner or self.owner
        guild = Guild(id=self.ids.next(), name=name, owner_id=owner.id)
        guild.roles[guild.id] = Role(guild.id, guild.id, "@everyone", perms.DEFAULT_EVERYONE)
        bot_role = Role(
            self.ids.next(), guild.id, self.bot.username, bot_permissions, position=1, managed=True
        )
        guild.roles[bot_role.id] = bot_role
        self.guilds[guild.id] = guild
        self.add_member(guild, owner)
        self.add_member(guild, self.bot, roles=[bot_role])
        return guild

    def add_member(
        self,
        guild: Guild,
        user: User,
        roles: list[Role] | tuple[Role, ...] = (),
        nick: str | None = None,
    ) -> Member:
        member = Member(
            user=user,
            guild_id=guild.id,
            roles=[r.id for r in roles],
            nick=nick,
            joined_at=time.time(),
        )
        guild.members[user.id] = member
        return member

    def add_role(
        self, guild: Guild, name: str, permissions: int = 0, *, mentionable: bool = False
    ) -> Role:
        role = Role(
            self.ids.next(),
            guild.id,
            name,
            permissions,
            position=len(guild.roles),
            mentionable=mentionable,
        )
        guild.roles[role.id] = role
        return role

    def add_channel(
        self,
        guild: Guild,
        name: str,
        type: ChannelType = ChannelType.TEXT,
        parent: Channel | None = None,
    ) -> Channel:
        channel = Channel(
            id=self.ids.next(),
            type=type,
            guild_id=guild.id,
            name=name,
            parent_id=parent.id if parent else None,
            position=len(guild.channel_ids),
        )
        self.channels[channel.id] = channel
        guild.channel_ids.append(channel.id)
        self.channel_messages[channel.id] = []
        return channel

    def add_thread(
        self,
        parent: Channel,
        name: str,
        *,
        owner: User,
        thread_id: int | None = None,
        type: ChannelType = ChannelType.PUBLIC_THREAD,
        auto_archive_duration: int = 1440,
    ) -> Channel:
        thread = Channel(
            id=thread_id or self.ids.next(),
            type=type,
            guild_id=parent.guild_id,
            name=name,
            parent_id=parent.id,
            owner_id=owner.id,
            auto_archive_duration=auto_archive_duration,
        )
        self.channels[thread.id] = thread
        self.channel_messages[thread.id] = []
        return thread

    def delete_channel(self, channel: Channel) -> None:
        """Delete a channel as Discord does: its messages and threads go with it, and a
        thread's starter message loses its link, so a new thread may be started there."""
        channel.deleted = True
        for message_id in self.channel_messages.get(channel.id, []):
            self.messages[message_id].deleted = True
        for thread in self.threads_of(channel):
            self.delete_channel(thread)
        starter = self.messages.get(channel.id)  # a thread started from a message has its id
        if starter is not None and starter.thread_id == channel.id:
            starter.thread_id = None

    def dm_channel(self, user: User) -> Channel:
        channel_id = self.dm_channels.get(user.id)
        if channel_id is not None:
            return self.channels[channel_id]
        channel = Channel(id=self.ids.next(), type=ChannelType.DM, recipients=[user])
        self.channels[channel.id] = channel
        self.channel_messages[channel.id] = []
        self.dm_channels[user.id] = channel.id
        return channel

    # lookups -----------------------------------------------------------------------

    def channel(self, channel_id: int) -> Channel:
        channel = self.channels.get(channel_id)
        if channel is None or channel.deleted:
            raise errors.error(errors.UNKNOWN_CHANNEL)
        return channel

    def message(self, channel_id: int, message_id: int) -> Message:
        message = self.messages.get(message_id)
        if message is None or message.deleted or message.channel_id != channel_id:
            raise errors.error(errors.UNKNOWN_MESSAGE)
        return message

    def guild(self, guild_id: int) -> Guild:
        guild = self.guilds.get(guild_id)
        if guild is None:
            raise errors.error(errors.UNKNOWN_GUILD)
        return guild

    def threads_of(self, channel: Channel) -> list[Channel]:
        return [
            c
            for c in self.channels.values()
            if c.parent_id == channel.id and c.type.is_thread and not c.deleted
        ]

    def channel_messages_of(self, channel: Channel) -> list[Message]:
        ids = self.channel_messages.get(channel.id, [])
        return [self.messages[i] for i in ids if not self.messages[i].deleted]

    # permissions --------------------------------------------------------------------

    def guild_permissions(self, guild: Guild, user_id: int) -> int:
        member = guild.members.get(user_id)
        if member is None:
            return 0
        return perms.base_permissions(
            is_owner=guild.owner_id == user_id,
            everyone=guild.everyone.permissions,
            role_permissions=(guild.roles[r].permissions for r in member.roles if r in guild.roles),
        )

    def permissions_in(self, channel: Channel, user_id: int) -> int:
        """Computed permissions of ``user_id`` in ``channel`` (threads use their parent's)."""
        if channel.guild_id is None:
            return (
                perms.VIEW_CHANNEL
                | perms.SEND_MESSAGES
                | perms.READ_MESSAGE_HISTORY
                | perms.EMBED_LINKS
                | perms.ATTACH_FILES
            )
        guild = self.guilds[channel.guild_id]
        member = guild.members.get(user_id)
        if member is None:
            return 0
        target = channel
        if channel.type.is_thread and channel.parent_id in self.channels:
            target = self.channels[channel.parent_id]
        return perms.channel_permissions(
            self.guild_permissions(guild, user_id),
            guild_id=guild.id,
            member_id=user_id,
            member_roles=member.roles,
            overwrites=target.overwrites,
        )

    def require(self, channel: Channel, user_id: int, needed: int) -> None:
        """Refuse like Discord: 50001 when the channel is invisible, else 50013."""
        have = self.permissions_in(channel, user_id)
        if not have & perms.VIEW_CHANNEL:
            raise errors.error(errors.MISSING_ACCESS)
        if have & needed != needed:
            raise errors.error(errors.MISSING_PERMISSIONS)

    def send_permission(self, channel: Channel) -> int:
        return perms.SEND_MESSAGES_IN_THREADS if channel.type.is_thread else perms.SEND_MESSAGES

    # messages -------------------------------------------------------------------------

    def find_nonce(self, author: User, channel: Channel, nonce: str | int) -> Message | None:
        entry = self.nonces.get((author.id, channel.id, str(nonce)))
        if entry is None or time.monotonic() - entry.at > self.nonce_window:
            return None
        return self.messages.get(entry.message_id)

    def remember_nonce(
        self, author: User, channel: Channel, nonce: str | int, message: Message
    ) -> None:
        self.nonces[(author.id, channel.id, str(nonce))] = NonceEntry(message.id, time.monotonic())

    def compute_mentions(
        self, message: Message, allowed: Json | None, author_id: int | None
    ) -> None:
        """Record who a message actually pings: what the content names, filtered by
        allowed_mentions (absent = parse everything, Discord's default)."""
        content = message.content
        users = [int(u) for u in _USER_MENTION.findall(content)]
        roles = [int(r) for r in _ROLE_MENTION.findall(content)]
        everyone = bool(_EVERYONE.search(content))
        if allowed is not None:
            parse = allowed.get("parse") or []
            allowed_users = {int(u) for u in allowed.get("users") or []}
            allowed_roles = {int(r) for r in allowed.get("roles") or []}
            users = [u for u in users if "users" in parse or u in allowed_users]
            roles = [r for r in roles if "roles" in parse or r in allowed_roles]
            everyone = everyone and "everyone" in parse
        guild = self.guilds.get(message.guild_id) if message.guild_id else None
        if guild is not None:
            can_everyone = author_id is None or bool(
                self.permissions_in(self.channels[message.channel_id], author_id)
                & perms.MENTION_EVERYONE
            )
            roles = [
                r
                for r in roles
                if r in guild.roles and (guild.roles[r].mentionable or can_everyone)
            ]
            everyone = everyone and can_everyone
        else:
            roles, everyone = [], False
        message.mentions = list(dict.fromkeys(u for u in users if u in self.users))
        message.mention_roles = list(dict.fromkeys(roles))
        message.mention_everyone = everyone

    def store_message(self, message: Message, *, listed: bool = True) -> Message:
        self.messages[message.id] = message
        if listed:
            self.channel_messages.setdefault(message.channel_id, []).append(message.id)
            self.channels[message.channel_id].last_message_id = message.id
        return message

    def message_json(self, message: Message, base_url: str) -> Json:
        thread = self.channels.get(message.thread_id) if message.thread_id else None
        return message.to_json(base_url, self.users, thread.to_json() if thread else None)

    def guild_create_payload(self, guild: Guild) -> Json:
        data = guild.to_json()
        channels = [self.channels[c] for c in guild.channel_ids if not self.channels[c].deleted]
        threads = [
            c
            for c in self.channels.values()
            if c.guild_id == guild.id and c.type.is_thread and not c.deleted
        ]
        data.update(
            joined_at=guild.members[self.bot.id].to_json()["joined_at"],
            large=False,
            unavailable=False,
            member_count=len(guild.members),
            members=[m.to_json() for m in guild.members.values()],
            channels=[c.to_json() for c in channels],
            threads=[t.to_json() for t in threads],
            voice_states=[],
            presences=[],
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
        )
        return data

    def commands_for(self, guild_id: int | None) -> list[Command]:
        return [c for c in self.commands.values() if c.guild_id == guild_id]

    def find_command(self, name: str, guild_id: int | None, type: int = 1) -> Command | None:
        """A guild command shadows a global one of the same name and type (as in the client
        UI); names are unique per type, so a slash command and a context menu may share one."""
        for scope in (guild_id, None) if guild_id is not None else (None,):
            for command in self.commands_for(scope):
                if command.name == name and command.type == type:
                    return command
        return None

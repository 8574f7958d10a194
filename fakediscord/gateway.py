"""The gateway: HELLO, heartbeats, IDENTIFY/READY, GUILD_CREATE per shard, dispatch with
sequence numbers, RESUME with replay, INVALID_SESSION, and zlib-stream transport
compression (what discord.py asks for by default)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .server import Emulator

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, RESUME, RECONNECT, REQUEST_MEMBERS = 0, 1, 2, 3, 6, 7, 8
INVALID_SESSION, HELLO, HEARTBEAT_ACK = 9, 10, 11

GUILDS, GUILD_MEMBERS, GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT = (
    1 << 0,
    1 << 1,
    1 << 9,
    1 << 12,
    1 << 15,
)
_EVENT_INTENTS = {
    "GUILD_CREATE": GUILDS,
    "CHANNEL_CREATE": GUILDS,
    "CHANNEL_UPDATE": GUILDS,
    "CHANNEL_DELETE": GUILDS,
    "THREAD_CREATE": GUILDS,
    "THREAD_UPDATE": GUILDS,
    "THREAD_DELETE": GUILDS,
    "GUILD_ROLE_CREATE": GUILDS,
    "GUILD_ROLE_UPDATE": GUILDS,
    "GUILD_MEMBER_ADD": GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": GUILD_MEMBERS,
}
_MESSAGE_EVENTS = ("MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE")
_REPLAY_BUFFER = 2000


class Connection:
    """One websocket; frames are written in order by a single writer task."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self._compressor = zlib.compressobj() if compress else None
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write())

    def post(self, payload: dict[str, Any] | str) -> None:
        self._queue.put_nowait(payload if isinstance(payload, str) else json.dumps(payload))

    async def _write(self) -> None:
        while (text := await self._queue.get()) is not None:
            if self.ws.closed:
                return
            try:
                if self._compressor is None:
                    await self.ws.send_str(text)
                else:
                    data = self._compressor.compress(text.encode())
                    await self.ws.send_bytes(data + self._compressor.flush(zlib.Z_SYNC_FLUSH))
            except (ConnectionError, RuntimeError):
                return

    async def close(self, code: int) -> None:
        self._queue.put_nowait(None)
        with contextlib.suppress(asyncio.TimeoutError, ConnectionError):
            await asyncio.wait_for(self._writer, 1)
        await self.ws.close(code=code)


@dataclass
class Session:
    id: str
    shard_id: int
    shard_count: int
    intents: int
    seq: int = 0
    buffer: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=_REPLAY_BUFFER))
    conn: Connection | None = None
    invalid: bool = False

    def send_event(self, event: str, data: dict[str, Any]) -> None:
        """Numbered and buffered even while disconnected, so a RESUME can replay it."""
        self.seq += 1
        text = json.dumps({"op": DISPATCH, "t": event, "s": self.seq, "d": data})
        self.buffer.append((self.seq, text))
        if self.conn is not None:
            self.conn.post(text)

    def wants(self, event: str, data: dict[str, Any]) -> bool:
        needed = _EVENT_INTENTS.get(event)
        if event in _MESSAGE_EVENTS:
            needed = GUILD_MESSAGES if data.get("guild_id") else DIRECT_MESSAGES
        return needed is None or bool(self.intents & needed)


class Gateway:
    def __init__(self, emu: Emulator, *, heartbeat_interval: float) -> None:
        self.emu = emu
        self.heartbeat_interval = heartbeat_interval
        self.recommended_shards = 1  # what GET /gateway/bot tells AutoShardedClient
        # READY's resume_gateway_url; None means this emulator. Tests point it elsewhere to
        # check that a forced gateway URL wins.
        self.resume_url: str | None = None
        self.sessions: dict[str, Session] = {}
        self.connections: set[Connection] = set()
        self.identifies = 0  # READY + all GUILD_CREATEs sent
        self.resumes = 0
        self.command_syncs = 0

    # dispatch ------------------------------------------------------------------------

    def shard_of(self, guild_id: int | None, shard_count: int) -> int:
        # Discord sends DMs (no guild) to shard 0.
        return 0 if guild_id is None else (guild_id >> 22) % shard_count

    def dispatch(self, event: str, data: dict[str, Any], guild_id: int | None) -> None:
        for session in list(self.sessions.values()):
            if session.invalid or self.shard_of(guild_id, session.shard_count) != session.shard_id:
                continue
            if not session.wants(event, data):
                continue
            session.send_event(event, self._strip_content(session, event, data))
        self.emu.notify()

    def _strip_content(self, session: Session, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """Without MESSAGE_CONTENT, Discord blanks messages that neither come from nor
        mention the bot (DMs are exempt)."""
        if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or session.intents & MESSAGE_CONTENT:
            return data
        bot_id = str(self.emu.state.bot.id)
        if (
            not data.get("guild_id")
            or data.get("author", {}).get("id") == bot_id
            or any(u.get("id") == bot_id for u in data.get("mentions", []))
        ):
            return data
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

    # operations for tests -------------------------------------------------------------

    async def drop(self, code: int = 4000) -> int:
        """Close every live connection (sessions stay resumable). Returns how many."""
        conns = list(self.connections)
        for conn in conns:
            await conn.close(code)
        return len(conns)

    def send_op(self, op: int, data: Any) -> None:
        for conn in self.connections:
            conn.post({"op": op, "d": data, "s": None, "t": None})

    def invalidate(self, resumable: bool = False) -> None:
        if not resumable:
            for session in self.sessions.values():
                session.invalid = True
        self.send_op(INVALID_SESSION, resumable)

    async def close_all(self) -> None:
        for conn in list(self.connections):
            await conn.close(1001)

    # protocol --------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        if request.query.get("encoding", "json") != "json":
            await ws.close(code=4002, message=b"fakediscord only speaks json")
            return ws
        conn = Connection(ws, request.query.get("compress") == "zlib-stream")
        self.connections.add(conn)
        conn.post(
            {
                "op": HELLO,
                "d": {"heartbeat_interval": int(self.heartbeat_interval * 1000)},
                "s": None,
                "t": None,
            }
        )
        session: Session | None = None
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                try:
                    payload = json.loads(msg.data)
                    if not isinstance(payload, dict):
                        raise ValueError("a payload is a JSON object")
                    session = await self._on_message(conn, session, payload) or session
                except (ValueError, TypeError) as exc:  # Discord closes with 4002 too
                    log.warning("gateway: bad payload: %r", exc)
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
        finally:
            self.connections.discard(conn)
            if session is not None and session.conn is conn:
                session.conn = None
            await conn.close(1000)
            self.emu.notify()
        return ws

    async def _on_message(
        self, conn: Connection, session: Session | None, payload: dict[str, Any]
    ) -> Session | None:
        op, data = payload.get("op"), payload.get("d")
        if op == HEARTBEAT:
            conn.post({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            return await self._identify(conn, data or {})
        elif op == RESUME:
            return await self._resume(conn, data or {})
        elif op == REQUEST_MEMBERS and session is not None:
            self._members_chunk(session, data or {})
        elif op not in (PRESENCE, 4):
            await conn.ws.close(code=4001, message=b"Unknown opcode.")
        return None

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> Session | None:
        if data.get("token", "").removeprefix("Bot ") != self.emu.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return None
        shard_id, shard_count = data.get("shard") or [0, 1]
        if not 0 <= shard_id < shard_count:
            await conn.ws.close(code=4010, message=b"Invalid shard.")
            return None
        if "intents" not in data:
            await conn.ws.close(code=4013, message=b"Invalid intent(s).")
            return None
        session = Session(
            secrets.token_hex(16), shard_id, shard_count, int(data["intents"]), conn=conn
        )
        self.sessions[session.id] = session
        state = self.emu.state
        guilds = [g for g in state.guilds.values() if self.shard_of(g.id, shard_count) == shard_id]
        session.send_event(
            "READY",
            {
                "v": 10,
                "user": {**state.bot.to_json(), "verified": True, "mfa_enabled": False},
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.id,
                "session_type": "normal",
                "resume_gateway_url": self.resume_url or self.emu.gateway_url,
                "shard": [shard_id, shard_count],
                "application": {"id": str(state.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "geo_ordered_rtc_regions": [],
                "guild_join_requests": [],
                "user_settings": {},
            },
        )
        for guild in guilds:
            session.send_event("GUILD_CREATE", state.guild_create_payload(guild))
        self.identifies += 1
        log.info("gateway: shard %s/%s identified, session %s", shard_id, shard_count, session.id)
        return session

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> Session | None:
        session = self.sessions.get(str(data.get("session_id")))
        seq = data.get("seq") or 0
        token_ok = str(data.get("token", "")).removeprefix("Bot ") == self.emu.token
        replay = [text for s, text in session.buffer if s > seq] if session else []
        complete = session is not None and (
            seq >= session.seq or (session.buffer and session.buffer[0][0] <= seq + 1)
        )
        if session is None or session.invalid or not token_ok or not complete:
            conn.post({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return None
        if session.conn is not None and session.conn is not conn:
            await session.conn.close(4000)
        session.conn = conn
        for text in replay:
            conn.post(text)
        session.send_event("RESUMED", {})
        self.resumes += 1
        log.info(
            "gateway: session %s resumed from seq %s (%s replayed)", session.id, seq, len(replay)
        )
        return session

    def _members_chunk(self, session: Session, data: dict[str, Any]) -> None:
        guild = self.emu.state.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        wanted = {int(u) for u in data.get("user_ids") or []}
        members = [m.to_json() for m in guild.members.values() if not wanted or m.user.id in wanted]
        session.send_event(
            "GUILD_MEMBERS_CHUNK",
            {
                "guild_id": str(guild.id),
                "members": members,
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
                "nonce": data.get("nonce"),
            },
        )

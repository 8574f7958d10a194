"""Telling every bot process on one database that something changed.

A process that publishes an issue wakes its own workers with an event. The others (other
shards, or a bot running beside the CLI that published) would see the change only at
their next poll, and serve the old issue from their caches meanwhile. So the change is
also announced in the transaction that makes it, and the other processes hear of it when,
and only if, it commits (masthead/change_listener.py turns it back into the event):

- PostgreSQL: NOTIFY.
- SQLite (the bot and the CLI on one file): a row per event in `bot_state` gets a new
  token. The watchers notice a commit by any other connection with `PRAGMA data_version`,
  which costs no read of a table, and only then read these rows.
"""

from __future__ import annotations

import secrets
import sqlite3

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories import state

CHANNEL = "masthead_changes"
# The events another process may need to hear about; the payload is the event's name.
EVENTS = frozenset({"issues_changed"})
SIGNAL_PREFIX = "changed:"


async def announce(session: AsyncSession, event: str) -> None:
    """Tell every listening process `event`, once this transaction commits."""
    if event not in EVENTS:
        raise ValueError(f"not an event other processes listen for: {event!r}")
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_notify(CHANNEL, event)))
        return
    await state.set_value(session, SIGNAL_PREFIX + event, secrets.token_hex(8))


def sqlite_signals(connection: sqlite3.Connection) -> dict[str, str]:
    """SQLite: each announced event's latest token (a stdlib connection: the watcher's)."""
    keys = sorted(SIGNAL_PREFIX + event for event in EVENTS)
    rows = connection.execute(
        f"SELECT key, value FROM bot_state WHERE key IN ({', '.join('?' * len(keys))})", keys
    )
    return {key.removeprefix(SIGNAL_PREFIX): value for key, value in rows}

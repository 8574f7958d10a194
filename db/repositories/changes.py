"""Telling every bot process on one PostgreSQL database that something changed.

A process that publishes an issue wakes its own workers with an event. The others (other
shards, or a bot running beside the CLI that published) would see the change only at
their next poll, and serve the old issue from their caches meanwhile. On PostgreSQL the
change is also announced with NOTIFY in the transaction that makes it, so listeners hear
of it when, and only if, it commits (masthead/change_listener.py turns it back into the
event). SQLite is one process: nothing to tell.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

CHANNEL = "masthead_changes"
# The events another process may need to hear about; the payload is the event's name.
EVENTS = frozenset({"issues_changed"})


async def announce(session: AsyncSession, event: str) -> None:
    """Tell every listening process `event`, once this transaction commits."""
    if event not in EVENTS:
        raise ValueError(f"not an event other processes listen for: {event!r}")
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_notify(CHANNEL, event)))

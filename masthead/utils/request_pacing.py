"""Pacing a task's REST requests at the moment they go out.

A worker that spaces its requests under Discord's global limit must space them where they
leave, not where it calls discord.py: discord.py may hold a request back for its route's
own window (5 messages per 5 s per channel) and send it seconds later, beside others. So
a task names its pacer here (`paced(...)`), and the HTTP client's trace
(`masthead/metrics.py`) waits on it just before each request of that task is sent, retries
included. Interaction answers and webhooks are exempt from the global limit, and pass.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar

from yarl import URL

Pace = Callable[[], Awaitable[None]]

_PACE: ContextVar[Pace | None] = ContextVar("masthead_request_pace", default=None)
_EXEMPT = ("/interactions/", "/webhooks/")


@contextlib.contextmanager
def paced(pace: Pace) -> Iterator[None]:
    """Every request this task (and the tasks it starts) sends waits for ``pace()``."""
    token = _PACE.set(pace)
    try:
        yield
    finally:
        _PACE.reset(token)


async def before_request(url: URL) -> None:
    pace = _PACE.get()
    # The path is decoded only for a paced task's requests: every interaction answer
    # passes here too.
    if pace is not None and not any(part in url.path for part in _EXEMPT):
        await pace()

"""Answering within Discord's three seconds when the work may wait its turn.

Tip submissions queue on one lock (db/repositories/tips.py), so a burst of them can keep
a reader's answer waiting past Discord's 3 s, after which the answer is refused and the
reader sees "interaction failed" for a tip that was in fact stored. Deferring every
answer would cost a second request each time; `Deadline` defers only an answer that is
still not ready `after` seconds after the interaction was created, and then sends it as
the deferred response.
"""

from __future__ import annotations

import asyncio
from typing import Any

import discord

from masthead.utils.errors import report_error

# Counted from the interaction's creation (its snowflake), not from when this process got
# it: under load the gateway event itself can arrive a second late.
DEFER_AFTER_SECONDS = 1.5


class Deadline:
    def __init__(
        self, interaction: discord.Interaction[Any], *, after: float = DEFER_AFTER_SECONDS
    ) -> None:
        self.interaction = interaction
        self.after = after
        # A timer, not a sleeping task: nearly every answer comes in time, and cancelling
        # a timer is free where a task would need a turn of the event loop to end.
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Deadline:
        waited = (discord.utils.utcnow() - self.interaction.created_at).total_seconds()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(max(0.0, self.after - waited), self._start_deferring)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stop_timer()

    def _start_deferring(self) -> None:
        self._task = asyncio.create_task(self._defer())

    async def _defer(self) -> None:
        if not self.interaction.response.is_done():
            await self.interaction.response.defer(ephemeral=True, thinking=True)

    async def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._task is not None:  # the deferral started: the answer comes after it
            await self._task

    async def answer(self, content: str, *, view: discord.ui.View | None = None) -> None:
        """The ephemeral answer: the response, or the deferred response's content."""
        await self._stop_timer()
        extra: dict[str, Any] = {} if view is None else {"view": view}
        mentions = discord.AllowedMentions.none()
        if self.interaction.response.is_done():
            await self.interaction.followup.send(
                content, ephemeral=True, allowed_mentions=mentions, **extra
            )
        else:
            await self.interaction.response.send_message(
                content, ephemeral=True, allowed_mentions=mentions, **extra
            )

    async def report(self, error: Exception, where: str) -> None:
        """An error, told the way every error is (masthead/utils/errors.py)."""
        await self._stop_timer()
        await report_error(self.interaction, error, where)

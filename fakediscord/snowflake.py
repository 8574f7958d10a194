"""Snowflake ids shaped like Discord's: milliseconds since 2015 in the top 42 bits."""

from __future__ import annotations

import time

DISCORD_EPOCH_MS = 1_420_070_400_000


class SnowflakeGenerator:
    """Monotonic ids: never repeats, even when many are made in one millisecond."""

    def __init__(self, worker_id: int = 1, process_id: int = 0) -> None:
        self._prefix = ((worker_id & 0x1F) << 17) | ((process_id & 0x1F) << 12)
        self._last = 0
        self._increment = 0

    def next(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        self._increment = (self._increment + 1) & 0xFFF
        candidate = (ms << 22) | self._prefix | self._increment
        self._last = max(candidate, self._last + 1)
        return self._last


def snowflake_time(snowflake: int) -> float:
    """Unix time in seconds at which ``snowflake`` was made."""
    return ((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000

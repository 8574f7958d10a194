"""Which rows a process works on when it runs some of the bot's shards."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Integer, literal, true


def on_shards(
    guild_id: Any, shard_count: int, shard_ids: Sequence[int] | None
) -> ColumnElement[bool]:
    """Rows of servers on `shard_ids` by Discord's rule, (guild_id >> 22) % shard_count;
    every row when `shard_ids` is None (one process runs every shard)."""
    if shard_ids is None:
        return true()
    # PostgreSQL shifts a bigint by an int only: the literal is typed to match.
    shard = guild_id.op(">>")(literal(22, Integer)) % max(shard_count, 1)
    result: ColumnElement[bool] = shard.in_(list(shard_ids))
    return result

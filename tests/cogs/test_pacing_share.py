"""Shard processes split the bot token's global limit between them."""

from __future__ import annotations

from pathlib import Path

from cogs.delivery._worker import process_share
from db.engine import create_engine, create_sessionmaker
from masthead.bot import Masthead
from masthead.settings import Settings


def _bot(
    tmp_path: Path, shard_count: int | None = None, shard_ids: tuple[int, ...] | None = None
) -> Masthead:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    settings = Settings(shard_count=shard_count, shard_ids=shard_ids)
    return Masthead(settings=settings, sessionmaker=create_sessionmaker(engine))


async def test_one_process_has_the_whole_limit(tmp_path: Path) -> None:
    assert process_share(_bot(tmp_path)) == 1.0


async def test_two_of_four_shards_get_half(tmp_path: Path) -> None:
    bot = _bot(tmp_path, shard_count=4, shard_ids=(0, 1))
    assert process_share(bot) == 0.5

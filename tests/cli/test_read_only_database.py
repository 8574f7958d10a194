"""A SQLite file the bot may read but not write stops it at start with one clear line,
rather than letting every command that writes fail later."""

from __future__ import annotations

import asyncio
from pathlib import Path

from db import migrate
from db.engine import create_engine
from tests.cli.test_settings_errors import run_cli


async def _migrated(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


def test_a_read_only_database_file_stops_the_bot_at_start_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "masthead.db"
    asyncio.run(_migrated(f"sqlite+aiosqlite:///{path}"))
    # SQLite's own read-only mode: chmod would not stop the root user tests may run as.
    read_only = f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"

    run = run_cli(tmp_path, "run", DATABASE_URL=read_only, DISCORD_TOKEN="x.y.z")
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: DATABASE_URL: cannot write to sqlite+aiosqlite:///file%3A{path}?mode=ro&uri=true:"
        " attempt to write a readonly database"
    ], run.stderr

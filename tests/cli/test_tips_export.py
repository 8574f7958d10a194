"""`python bot.py tips export`: every server's tips from the editor's terminal."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.repositories import tips
from newsletter.tips import TipDraft
from tests.cli.test_settings_errors import assert_one_line_error, run_cli


def _seed(url: str) -> None:
    async def seed() -> None:
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
            async with create_sessionmaker(engine).begin() as session:
                for n, (guild, anonymous) in enumerate([(1, False), (2, True), (2, False)]):
                    await tips.submit_tip(
                        session,
                        newsletter="This Month in China",
                        guild_id=guild,
                        user_id=500 + n,
                        draft=TipDraft(f"@cmd story number {n} about ports", None, "-2+3"),
                        anonymous=anonymous,
                        for_month="2024-01",
                        limit_per_hour=5,
                    )
        finally:
            await engine.dispose()

    asyncio.run(seed())


def test_export_streams_every_server_to_a_file(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    _seed(url)
    out = tmp_path / "tips.csv"
    result = run_cli(tmp_path, "tips", "export", "--output", str(out), DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert "3 tip(s) written" in result.stdout
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["server"] for r in rows] == ["1", "2", "2"]
    assert [r["sent_by"] for r in rows] == ["500", "", "502"]
    assert all(r["headline"].startswith("'@cmd") and r["why"] == "'-2+3" for r in rows)


def test_export_to_standard_output_as_json_with_a_status(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    _seed(url)
    result = run_cli(
        tmp_path, "tips", "export", "--format", "json", "--status", "rejected", DATABASE_URL=url
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[\n]"


def test_bad_options_are_one_line_errors(tmp_path: Path) -> None:
    since = run_cli(tmp_path, "tips", "export", "--since", "yesterday")
    assert since.returncode == 2 and "is not a date like 2024-01-31" in since.stderr
    unwritable = run_cli(tmp_path, "tips", "export", "--output", str(tmp_path / "no" / "x.csv"))
    assert_one_line_error(unwritable, "cannot write")

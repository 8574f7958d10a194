"""Bad settings stop the real CLI with exit 2 and one line naming the setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    clean.update(env)
    clean.setdefault("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), *args],
        cwd=tmp_path,  # no stray .env from the checkout
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize("url", ["not a url", "mysql://u@h/db", "sqlite:///sync-driver.db"])
def test_unparseable_or_unsupported_database_url(tmp_path: Path, url: str) -> None:
    result = run_cli(tmp_path, "db", "upgrade", DATABASE_URL=url)
    assert_one_line_error(result, "DATABASE_URL")


def test_unreachable_postgresql(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://masthead:secret@127.0.0.1:1/masthead"
    result = run_cli(tmp_path, "db", "upgrade", DATABASE_URL=url)
    assert_one_line_error(result, "DATABASE_URL", "cannot connect")
    assert "secret" not in result.stderr


def test_tip_limit_must_be_a_number(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "db", "upgrade", TIP_LIMIT_PER_HOUR="abc")
    assert_one_line_error(result, "TIP_LIMIT_PER_HOUR", "abc")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("EDITOR_IDS", "12,@everyone"),
        ("SHARD_COUNT", "0"),
        ("SHARD_IDS", "1"),
        ("LOG_LEVEL", "LOUD"),
        ("DISCORD_API_BASE", "javascript:alert(1)"),
        ("DISCORD_GATEWAY_URL", "http://not-a-websocket"),
    ],
)
def test_other_bad_settings_name_themselves(tmp_path: Path, name: str, value: str) -> None:
    result = run_cli(tmp_path, "db", "upgrade", **{name: value})
    assert_one_line_error(result, name)


def test_run_without_token_says_how_to_get_one(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run")
    assert_one_line_error(result, "DISCORD_TOKEN", "discord.com/developers")


def test_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TIP_LIMIT_PER_HOUR=lots\n")
    result = run_cli(tmp_path, "db", "upgrade")
    assert_one_line_error(result, "TIP_LIMIT_PER_HOUR", "lots")


def test_db_upgrade_creates_the_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'dir' / 'm.db'}"
    result = run_cli(tmp_path, "db", "upgrade", DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "nested" / "dir" / "m.db").is_file()

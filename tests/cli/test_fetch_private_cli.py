"""`python bot.py import URL` and `preview URL` refuse loopback and private addresses
unless FETCH_ALLOW_PRIVATE is on; the setting itself is read strictly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from masthead.settings import SettingsError, load_settings
from tests.cli.test_settings_errors import assert_one_line_error, run_cli
from tests.local_web import LocalWeb, running_web
from tests.public_stand_in import private_urls

ISSUES = Path(__file__).resolve().parents[1] / "data" / "issues"


@pytest.fixture
async def web_site() -> AsyncIterator[LocalWeb]:
    async with running_web() as site:
        site.serve("/july", (ISSUES / "nine-items-2024-07.html").read_bytes())
        yield site


async def test_import_and_preview_refuse_private_addresses(
    web_site: LocalWeb, tmp_path: Path
) -> None:
    port = int(web_site.base.rsplit(":", 1)[1])
    # One process per command: the guard is the same code for every form (see
    # tests/masthead/test_fetch_guard.py); these are the CLI's two paths to it.
    loopback, named, _, _, decimal, *_ = private_urls(port, "/july")
    for command, url in [("import", loopback), ("import", decimal), ("preview", named)]:
        result = await asyncio.to_thread(run_cli, tmp_path, command, url)
        assert_one_line_error(result, f"{url}: refused: ", "a loopback address")
    assert web_site.hits("/july") == 0
    # The setting lets the same URL through: the refusal was the guard's.
    done = await asyncio.to_thread(run_cli, tmp_path, "import", loopback, FETCH_ALLOW_PRIVATE="1")
    assert done.returncode == 0, done.stderr
    assert web_site.hits("/july") == 1


@pytest.mark.parametrize("value", ["maybe", "x" * 5000])
def test_a_bad_fetch_allow_private_stops_the_cli(tmp_path: Path, value: str) -> None:
    result = run_cli(tmp_path, "db", "upgrade", FETCH_ALLOW_PRIVATE=value)
    assert_one_line_error(result, "FETCH_ALLOW_PRIVATE", "1 or 0")
    assert len(result.stderr) < 200  # a long value is cut, not echoed whole


@pytest.mark.parametrize(
    ("value", "allowed"),
    [("1", True), ("true", True), ("YES", True), (" on ", True), ("0", False), ("off", False)],
)
def test_fetch_allow_private_values(value: str, allowed: bool) -> None:
    settings = load_settings({"FETCH_ALLOW_PRIVATE": value}, env_file=None)
    assert settings.fetch_allow_private is allowed


def test_fetch_allow_private_is_off_unless_set() -> None:
    assert load_settings({}, env_file=None).fetch_allow_private is False
    assert load_settings({"FETCH_ALLOW_PRIVATE": "  "}, env_file=None).fetch_allow_private is False


@pytest.mark.parametrize("value", ["2", "-1", "tru", "ＴＲＵＥ", "1 1", "yes\x00", "\u202eon"])
def test_a_bad_fetch_allow_private_names_itself(value: str) -> None:
    with pytest.raises(SettingsError, match="FETCH_ALLOW_PRIVATE must be 1 or 0"):
        load_settings({"FETCH_ALLOW_PRIVATE": value}, env_file=None)

"""Which errors mean "the database cannot be reached", and how workers wait one out.
The errors are real ones, raised by the drivers, not built by hand."""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from discord import app_commands
from sqlalchemy import text
from sqlalchemy.engine import make_url

from db.engine import create_engine
from masthead.utils import background
from masthead.utils.background import OutageBackoff
from masthead.utils.db_faults import database_unavailable, fault_summary
from masthead.utils.errors import DATABASE_UNAVAILABLE, UserError, describe
from tests.backends import PG_URL


async def _error_of(url: str, sql: str = "SELECT 1") -> Exception:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    except Exception as exc:
        return exc
    finally:
        await engine.dispose()
    raise AssertionError("the statement worked")


async def test_postgresql_refusing_connections_is_an_outage() -> None:
    error = await _error_of("postgresql+asyncpg://masthead:x@127.0.0.1:1/masthead")
    assert database_unavailable(error)
    # As a command's error reaches the tree: wrapped by discord.py.
    wrapped = app_commands.CommandInvokeError.__new__(app_commands.CommandInvokeError)
    wrapped.original = error
    assert describe(wrapped) == DATABASE_UNAVAILABLE


async def test_sqlite_states_of_the_file_are_outages_but_a_missing_table_is_a_bug(
    tmp_path: Path,
) -> None:
    missing_file = await _error_of(
        f"sqlite+aiosqlite:///file:{tmp_path / 'no.db'}?mode=ro&uri=true"
    )
    assert database_unavailable(missing_file)
    bug = await _error_of(f"sqlite+aiosqlite:///{tmp_path / 'ok.db'}", "SELECT * FROM nowhere")
    assert not database_unavailable(bug)
    assert describe(bug) is None  # logged with its traceback, answered with the apology


async def test_network_errors_outside_the_drivers_are_not_the_database() -> None:
    async with aiohttp.ClientSession() as http:
        try:
            await http.get("http://127.0.0.1:1/")
        except aiohttp.ClientError as exc:
            assert isinstance(exc, OSError)
            assert not database_unavailable(exc)
        else:
            raise AssertionError("port 1 answered")
    assert not database_unavailable(TimeoutError())
    assert not database_unavailable(UserError("no such issue"))


def test_the_summary_is_one_short_line() -> None:
    inner = ValueError("first line\n" + "x" * 500)
    outer = RuntimeError("wrapper")
    outer.original = inner  # type: ignore[attr-defined]
    assert fault_summary(outer) == "ValueError: first line"
    assert len(fault_summary(ValueError("y" * 1000))) <= 200 + len("ValueError: ")


def test_backoff_doubles_to_its_cap_and_logs_once_each_way(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(background, "OUTAGE_FIRST_PAUSE_SECONDS", 1.0)
    monkeypatch.setattr(background, "OUTAGE_MAX_PAUSE_SECONDS", 10.0)
    caplog.set_level(logging.INFO)
    outage = OutageBackoff("worker")
    assert outage.end_pass() is None  # a clean pass: nothing to wait for
    pauses = []
    for _ in range(6):
        # Errors met in one pass (say, by every delivery under way) count once.
        for _ in range(3):
            assert outage.note(_driver_error()) is True
        assert outage.note(ValueError("a bug")) is False
        pauses.append(outage.end_pass())
    assert pauses == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert outage.end_pass() is None
    assert not outage.in_outage
    said = [r.getMessage() for r in caplog.records if r.name == background.__name__]
    assert len(said) == 2, said
    assert said[0].startswith("worker: the database is unavailable (")
    assert said[1] == "worker: the database is back after 6 pass(es)"


def _driver_error() -> BaseException:
    return asyncpg.CannotConnectNowError("the database system is starting up")


@pytest.mark.postgresql
async def test_a_raw_asyncpg_connection_the_server_dropped_is_an_outage() -> None:
    """As a writer holding its own asyncpg connection meets it (db/tip_writer.py)."""
    assert PG_URL is not None
    dsn = make_url(PG_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", connection.get_server_pid())
        with pytest.raises(Exception) as dropped:
            await connection.fetch("SELECT 1")
        assert database_unavailable(dropped.value), repr(dropped.value)
        connection.terminate()  # as asyncpg leaves it once it has seen the drop
        with pytest.raises(asyncpg.InterfaceError) as closed:
            await connection.fetch("SELECT 1")
        assert database_unavailable(closed.value), repr(closed.value)
    finally:
        await admin.close()
        await connection.close()

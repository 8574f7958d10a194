"""Shared fixtures: a database per test on each backend.

SQLite always runs. PostgreSQL runs when TEST_DATABASE_URL points at a server; without it
those tests are skipped with a reason. CI sets MASTHEAD_TEST_BACKEND to run one backend
per pass and MASTHEAD_NO_SKIPS=1 so that any skip fails the run.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db import migrate
from db.engine import create_engine, create_sessionmaker
from tests.backends import ONLY_BACKEND, PG_URL, reset_postgres

pytest_plugins = ["fakediscord.pytest_plugin"]


def _backends() -> list[object]:
    params: list[object] = []
    if ONLY_BACKEND in (None, "", "sqlite"):
        params.append(pytest.param("sqlite", id="sqlite"))
    if ONLY_BACKEND in (None, "", "postgresql"):
        marks = [] if PG_URL else [pytest.mark.skip(reason="TEST_DATABASE_URL is not set")]
        params.append(pytest.param("postgresql", id="postgresql", marks=marks))
    return params


@pytest.fixture(params=_backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgresql` are about PostgreSQL alone. Like the backend parameter,
    a SQLite-only pass leaves them out (the PostgreSQL pass runs them), and without a
    server they are skipped with the reason."""
    kept, left_out = [], []
    for item in items:
        uses_backend = "backend" in getattr(item, "fixturenames", ())
        if (
            ONLY_BACKEND == "postgresql"
            and not uses_backend
            and not item.get_closest_marker("postgresql")
        ):
            # The PostgreSQL pass runs what touches a database backend; the rest (domain,
            # emulator, CLI on its own SQLite files) ran in the SQLite pass already.
            left_out.append(item)
            continue
        if item.get_closest_marker("postgresql") is None:
            kept.append(item)
            continue
        if ONLY_BACKEND == "sqlite":
            left_out.append(item)
            continue
        if not PG_URL:
            item.add_marker(pytest.mark.skip(reason="TEST_DATABASE_URL is not set"))
        kept.append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database on the backend: a fresh SQLite file, or a wiped PG schema."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    assert PG_URL is not None
    await reset_postgres(PG_URL)
    yield PG_URL


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)  # the real schema, search structures included
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and os.environ.get("MASTHEAD_NO_SKIPS") == "1":
        # In CI a skip hides a missing service or a broken fixture: count it as a failure.
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which allows no skips: {report.longrepr}"

"""The fault suite's shared parts: the counts it prints at the end, a PostgreSQL cluster
of its own that tests may restart, and the real bot started in this event loop.

The suite runs in one process (no ``-n``): its counts live in this session, and the
tests that restart PostgreSQL must not overlap. CI runs it in a step of its own.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from db import migrate
from db.engine import create_engine
from fakediscord import Channel, FakeDiscord
from masthead.bot import Masthead
from newsletter.render import Part
from tests.backends import wipe_schema
from tests.cogs.helpers import COMMANDS, masthead_for
from tests.faults.cluster import Cluster, find_cluster
from tests.faults.ledger import count_parts

FAULTS_URL = os.environ.get("FAULTS_DATABASE_URL")


class FaultCounts:
    """What the suite checked, over every test of the session."""

    def __init__(self) -> None:
        self.trials: list[str] = []
        self.parts = self.duplicates = self.losses = 0
        self.tips = self.tips_lost = 0

    def trial(self, name: str) -> str:
        self.trials.append(name)
        print(f"fault trial: {name}")  # shown with the failure, or with -s
        return name

    def check_parts(
        self, fake: FakeDiscord, channels: Sequence[Channel], parts: list[Part], *, trial: str
    ) -> None:
        """Every part of the issue exactly once in each channel; counted before asserting
        so that the summary reports what a failing trial found."""
        found = {channel.id: count_parts(fake, channel, parts) for channel in channels}
        self.parts += sum(c.expected for c in found.values())
        self.duplicates += sum(c.duplicates for c in found.values())
        self.losses += sum(c.losses for c in found.values())
        wrong = {cid: c for cid, c in found.items() if not c.exact}
        assert not wrong, f"{trial}: parts not posted exactly once: {wrong}"

    def check_tips(
        self, acknowledged: dict[int, str], stored: dict[int, str], *, trial: str
    ) -> None:
        """Every tip a reader was given a number for is stored, with what they typed."""
        missing = {n: h for n, h in acknowledged.items() if stored.get(n) != h}
        self.tips += len(acknowledged)
        self.tips_lost += len(missing)
        assert not missing, f"{trial}: acknowledged tips missing from the database: {missing}"

    def summary(self) -> str:
        return (
            f"trials: {len(self.trials)}, parts checked: {self.parts}, "
            f"duplicates: {self.duplicates}, losses: {self.losses}, "
            f"acknowledged tips checked: {self.tips}, lost: {self.tips_lost}"
        )


_COUNTS = pytest.StashKey[FaultCounts]()


@pytest.fixture(scope="session")
def fault_counts(pytestconfig: pytest.Config) -> FaultCounts:
    return pytestconfig.stash.setdefault(_COUNTS, FaultCounts())


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    counts = config.stash.get(_COUNTS, None)
    if counts is None:
        return
    terminalreporter.section("fault suite")
    for name in counts.trials:
        terminalreporter.write_line(f"  {name}")
    terminalreporter.write_line(counts.summary())


@pytest.fixture
async def faults_database_url() -> AsyncIterator[str]:
    """An empty schema on the suite's own PostgreSQL cluster (FAULTS_DATABASE_URL), which
    tests restart: never the cluster other tests share."""
    if not FAULTS_URL:
        pytest.skip("FAULTS_DATABASE_URL is not set (see .ci/run for its cluster)")
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.skip("the fault suite shares one PostgreSQL cluster: run it without -n")
    await wipe_schema(FAULTS_URL)
    yield FAULTS_URL


@pytest.fixture
async def faults_cluster(faults_database_url: str) -> AsyncIterator[Cluster]:
    """The cluster behind FAULTS_DATABASE_URL, to stop and start; left running."""
    shared = os.environ.get("TEST_DATABASE_URL")
    if shared and make_url(shared).port == make_url(faults_database_url).port:
        pytest.fail("FAULTS_DATABASE_URL must be a cluster of its own, not TEST_DATABASE_URL's")
    cluster = await find_cluster(faults_database_url)
    if cluster is None:
        pytest.skip("no pg_ctlcluster cluster listens on FAULTS_DATABASE_URL's port")
    yield cluster
    await cluster.start()


StartBot = Callable[[str], Awaitable[Masthead]]


@pytest.fixture
async def start_masthead(
    fake_discord: FakeDiscord, run_bot: Callable[..., Awaitable[Any]]
) -> AsyncIterator[StartBot]:
    """``bot = await start_masthead(url)``: the real bot in this loop on that database,
    migrated, with every command registered and the servers cached."""
    engines = []
    bots: list[Masthead] = []

    async def start(database_url: str) -> Masthead:
        engine = create_engine(database_url)
        engines.append(engine)
        await migrate.upgrade(engine)
        bot = masthead_for(fake_discord, engine, database_url)
        bots.append(bot)
        await run_bot(bot, commands=COMMANDS)
        return bot

    yield start
    for bot in bots:
        await bot.close()  # before the engine goes: a worker may be mid-query
    for engine in engines:
        await engine.dispose()

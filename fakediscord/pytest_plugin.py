"""pytest fixtures: ``fake_discord`` (a started emulator that fails the test on any request
Discord would refuse), ``run_bot`` (start a bot in-process) and ``bot_process`` (start one
as a subprocess).

Enable with ``pytest_plugins = ["fakediscord.pytest_plugin"]`` in the top conftest.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from .client import FakeDiscord
from .process import BotProcess, InProcessBot


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    unexpected = fake.unexpected_violations()
    if unexpected:
        lines = "\n".join(f"  {v}" for v in unexpected)
        pytest.fail(
            f"Discord would have refused {len(unexpected)} request(s):\n{lines}", pytrace=False
        )


@pytest_asyncio.fixture
async def run_bot(fake_discord: FakeDiscord) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """``bot = await run_bot(bot, commands=("ping",))`` — started in this event loop against
    ``fake_discord`` (see :meth:`InProcessBot.start`), closed at teardown."""
    runners: list[InProcessBot] = []

    async def start(bot: Any, *, commands: Sequence[str] = (), wait_ready: bool = False) -> Any:
        runner = InProcessBot(fake_discord)
        runners.append(runner)
        return await runner.start(bot, commands=commands, wait_ready=wait_ready)

    yield start
    for runner in runners:
        await runner.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed test that ran bot processes shows the end of each one's log, which is
    deleted at teardown and is often all that explains a failure seen only in CI."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for number, proc in enumerate(getattr(item, BOT_PROCESSES, ()), start=1):
        report.sections.append((f"bot process {number} output (last lines)", proc.output_tail()))


BOT_PROCESSES = "_fakediscord_bot_processes"


@pytest_asyncio.fixture
async def bot_process(
    fake_discord: FakeDiscord, request: pytest.FixtureRequest
) -> AsyncIterator[Callable[..., Awaitable[BotProcess]]]:
    """``proc = await bot_process(argv=("bot.py",), env={...}, commands=(...))``: started
    and connected; killed (and its log removed) at teardown, after a failed test's report
    has shown the end of its log. DISCORD_* variables point at ``fake_discord``."""
    procs: list[BotProcess] = []
    setattr(request.node, BOT_PROCESSES, procs)

    async def spawn(
        argv: Sequence[str] = ("bot.py",),
        *,
        env: dict[str, str] | None = None,
        cwd: str | Path | None = None,
        commands: Sequence[str] = (),
    ) -> BotProcess:
        proc = BotProcess(fake_discord.bot_env(**(env or {})), cwd, argv)
        procs.append(proc)
        await proc.start(fake_discord)
        await proc.wait_ready(fake_discord, commands=commands)
        return proc

    yield spawn
    for proc in procs:
        await proc.close()

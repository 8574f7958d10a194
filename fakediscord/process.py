"""Running a real bot against the emulator: in this event loop, or as a subprocess that
tests can SIGKILL and restart."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .client import FakeDiscord

log = logging.getLogger(__name__)


class InProcessBot:
    """Start a ``discord.Client``/``commands.Bot`` in this loop against ``fake``."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.bot: Any = None
        self._task: asyncio.Task[None] | None = None

    async def start(
        self, bot: Any, *, commands: Sequence[str] = (), wait_ready: bool = False
    ) -> Any:
        """Point discord.py at the emulator, log in, and return once the bot is on the
        gateway (and, with ``commands``, has registered them). It serves interactions from
        then on; ``wait_ready`` also waits for ``on_ready``, which discord.py delays by
        ``guild_ready_timeout`` (2 s by default) after the last GUILD_CREATE."""
        from masthead.endpoints import apply_endpoints

        apply_endpoints(self.fake.api_base, self.fake.gateway_url)
        before = self.fake.gateway.identifies
        self.bot = bot
        self._task = asyncio.create_task(bot.start(self.fake.token), name="fakediscord-bot")
        await self._until(lambda: self.fake.gateway.identifies > before, "identify")
        if commands:
            await self._until(lambda: _registered(self.fake, commands), "commands")
        if wait_ready:
            await self._until(bot.is_ready, "on_ready")
        return bot

    async def _until(self, predicate: Any, what: str) -> None:
        def done() -> bool:
            if self._task is not None and self._task.done():
                self._task.result()  # surface the bot's own exception
                raise RuntimeError(f"the bot stopped before {what}")
            return bool(predicate())

        await self.fake.wait_until(done, f"the bot ({what})", slow=True)

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, 5)
        self.bot = self._task = None


class BotProcess:
    """``python <argv>`` with ``env`` (merged over os.environ) in ``cwd``; output goes to
    a log file shown when the process fails to come up."""

    def __init__(
        self, env: dict[str, str], cwd: str | Path | None = None, argv: Sequence[str] = ("bot.py",)
    ) -> None:
        self.env = env
        self.cwd = Path(cwd) if cwd is not None else Path.cwd()
        self.argv = list(argv)
        self.proc: asyncio.subprocess.Process | None = None
        handle, name = tempfile.mkstemp(prefix="botprocess-", suffix=".log")
        os.close(handle)  # the process writes it through its own handle
        self.log_path = Path(name)
        self._identifies_at_start = 0

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode if self.proc else None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def output_tail(self, lines: int = 60) -> str:
        """The last lines of the log ("" once it is removed)."""
        try:
            return "\n".join(self.output().splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    async def start(self, fake: FakeDiscord | None = None) -> BotProcess:
        if fake is not None:
            self._identifies_at_start = fake.gateway.identifies
        with self.log_path.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                *self.argv,
                cwd=self.cwd,
                env={**os.environ, **self.env},
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
            )
        log.info("started bot process %s: %s", self.proc.pid, self.argv)
        return self

    async def wait_ready(self, fake: FakeDiscord, *, commands: Sequence[str] = ()) -> None:
        """Until this process identified on the gateway (and registered ``commands``)."""

        def ready() -> bool:
            if self.returncode is not None:
                raise RuntimeError(
                    f"bot process exited with {self.returncode}:\n{self.output()[-3000:]}"
                )
            return fake.gateway.identifies > self._identifies_at_start and (
                not commands or _registered(fake, commands)
            )

        try:
            await fake.wait_until(ready, "the bot process to connect", slow=True)
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}\n--- bot output ---\n{self.output()[-3000:]}") from None

    async def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye — a crash."""
        await self._signal(signal.SIGKILL)

    async def terminate(self, grace: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it has not exited after ``grace`` seconds."""
        await self._signal(signal.SIGTERM, grace)

    async def close(self) -> None:
        """Kill the process if it still runs and remove its log, which is only needed to
        explain a failure while the test runs."""
        await self.kill()
        self.log_path.unlink(missing_ok=True)

    async def restart(self, fake: FakeDiscord | None = None) -> BotProcess:
        await self.kill()
        return await self.start(fake)

    async def _signal(self, sig: int, grace: float = 10.0) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.send_signal(sig)
        try:
            await asyncio.wait_for(self.proc.wait(), grace)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


def _registered(fake: FakeDiscord, names: Sequence[str]) -> bool:
    have = {c.name for c in fake.state.commands.values()}
    return set(names) <= have

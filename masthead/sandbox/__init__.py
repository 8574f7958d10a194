"""`python bot.py sandbox`: the real bot against the local Discord emulator, driven from
the terminal or from a script. No token, no network, no `.env` needed: a server with
#general, #news (the sample issue published to it) and #review, and three members to act
as: a reader, a moderator and the editor.

    /latest                      /item number:3 public:true
    /search query:DRAM chips     /tip headline:"Shanghai opens a vertical farm"
    click 1                      pick 3
    news                         as moderator

`help` lists every command the bot registered, with an example each.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, TextIO

import discord

from db import migrate
from db.engine import create_engine, create_sessionmaker
from fakediscord import FakeDiscord, InProcessBot
from masthead.bot import Masthead
from masthead.cli import CliError, read_issue
from masthead.importing import publish, store_document
from masthead.sandbox._forms import Ask
from masthead.sandbox._line import SandboxError, is_comment
from masthead.sandbox._session import ABOUT, Reply, Sandbox
from masthead.settings import Settings
from masthead.utils import errors
from newsletter.document import IssueDocument
from newsletter.render import render_issue

PEOPLE = tuple(ABOUT)
TOUR = Path(__file__).resolve().parent / "tour.txt"
# The emulator sends every GUILD_CREATE at once: no need for discord.py's 2 s wait.
GUILD_READY_SECONDS = 0.1
ANSWER_SECONDS = 10.0


@contextlib.asynccontextmanager
async def open_sandbox(
    settings: Settings,
    issue_path: str | Path,
    database_url: str | None = None,
    *,
    user: str = "editor",
    ask: Ask | None = None,
    out: TextIO | None = None,
) -> AsyncIterator[Sandbox]:
    """A started sandbox: the bot connected, #news subscribed, #review set, the issue
    published and posted. Without `database_url`, a SQLite file that goes with it."""
    if user not in PEOPLE:
        raise ValueError(f"user must be one of {PEOPLE}, not {user!r}")
    document = read_issue(str(issue_path), settings.newsletter_name)
    stream = out or sys.stdout

    def show(text: str) -> None:
        stream.write(text + "\n")
        stream.flush()

    with tempfile.TemporaryDirectory(prefix="masthead-sandbox-") as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'sandbox.db'}"
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
            async with FakeDiscord() as fake:
                fake.timeout = ANSWER_SECONDS
                sandbox = Sandbox(fake, user="editor", ask=ask, show=show)
                # Only what shapes the newsletter comes from the user's settings: the
                # process-level ones (ports, shards, log format) are for a real bot.
                bot = Masthead(
                    settings=Settings(
                        discord_token=fake.token,
                        database_url=url,
                        newsletter_name=settings.newsletter_name,
                        api_base=fake.api_base,
                        gateway_url=fake.gateway_url,
                        tip_limit_per_hour=settings.tip_limit_per_hour,
                        timezone=settings.timezone,
                        # The sandbox fetches for its user on their own machine: a
                        # page served there (localhost) is theirs to try.
                        fetch_allow_private=True,
                    ),
                    sessionmaker=create_sessionmaker(engine),
                    guild_ready_timeout=GUILD_READY_SECONDS,
                )
                runner = InProcessBot(fake)
                with recording_errors(sandbox.errors):
                    try:
                        await runner.start(bot, wait_ready=True)
                        await _prepare(sandbox, bot, document)
                        sandbox.who = user
                        yield sandbox
                    finally:
                        await runner.stop()
        finally:
            await engine.dispose()


@contextlib.contextmanager
def recording_errors(into: dict[int, str]) -> Iterator[None]:
    """Note which interactions the bot answered with an error.

    The bot tells a user about a mistake or a bug as an ordinary private message, and
    every such message goes through `reply_ephemeral` (masthead/utils/errors.py): watching
    it is how a script knows that a line failed.
    """
    original = errors.reply_ephemeral

    async def recording(interaction: discord.Interaction[Any], message: str) -> None:
        into[interaction.id] = message
        await original(interaction, message)

    errors.reply_ephemeral = recording
    try:
        yield
    finally:
        errors.reply_ephemeral = original


async def _prepare(sandbox: Sandbox, bot: Masthead, document: IssueDocument) -> None:
    for line in (
        f"/setup announce channel:#{sandbox.news.name} backfill:false",
        f"/setup review channel:#{sandbox.review.name}",
    ):
        reply = await sandbox.run_line(line)
        if reply.error:
            raise RuntimeError(f"the sandbox could not run {line}: {reply.error}\n{reply.text}")
    async with bot.sessionmaker.begin() as session:
        issue, _ = await store_document(session, document)
        await publish(session, issue)
    bot.dispatch("issues_changed")
    parts = len(render_issue(document))

    def posted() -> bool:
        threads = sandbox.fake.threads(sandbox.news)
        in_threads = sum(len(sandbox.fake.messages(t)) for t in threads)
        return len(sandbox.fake.messages(sandbox.news)) + in_threads >= parts

    await sandbox.fake.wait_until(posted, "the issue to be posted", slow=True)
    sandbox.published = document.title
    sandbox.last = None  # the set-up's answers are not the user's to click
    await sandbox.settle()


def greeting(sandbox: Sandbox) -> str:
    return "\n".join(
        [
            f"Published {sandbox.published} to #{sandbox.news.name}; review cards for tips go to "
            f"#{sandbox.review.name}.",
            "Members: " + ", ".join(f"@{name} ({about})" for name, about in ABOUT.items()) + ".",
            f"You are @{sandbox.who}. Type 'help' for commands.",
        ]
    )


async def run_sandbox(
    settings: Settings,
    issue_path: str,
    database_url: str | None,
    *,
    script: str | None = None,
    user: str = "editor",
) -> int:
    """The `sandbox` command: a script's lines, or the terminal's. Returns how many lines
    of the script failed (0 at the terminal)."""
    if script == "":
        script = str(TOUR)
    lines = read_script(script) if script is not None else []
    out = sys.stdout
    ask = _terminal_ask(out) if script is None else None
    async with open_sandbox(
        settings, issue_path, database_url, user=user, ask=ask, out=out
    ) as sandbox:
        out.write(greeting(sandbox) + "\n")
        if ask is not None:
            await _repl(sandbox, out, ask)
            return 0
        failed = await run_script(sandbox, lines, out)
    if failed:
        listed = ", ".join(f"line {n}" for n in failed)
        sys.stderr.write(f"sandbox: {len(failed)} line(s) of {script} failed: {listed}\n")
    return len(failed)


def read_script(path: str) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CliError(f"{path}: cannot read the script ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise CliError(f"{path}: the script is not UTF-8 text") from None


def prompt(sandbox: Sandbox) -> str:
    return f"{sandbox.who}@#{sandbox.channel.name}> "


async def run_script(sandbox: Sandbox, lines: list[str], out: TextIO) -> list[int]:
    """Each line echoed and answered; returns the numbers of the lines that failed."""
    failed: list[int] = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or is_comment(text):
            continue
        if text in ("quit", "exit"):
            break
        out.write(f"{prompt(sandbox)}{text}\n")
        reply = await sandbox.run_line(text)
        _write(out, reply, where=f"line {number}: ")
        if reply.error:
            failed.append(number)
    return failed


def _write(out: TextIO, reply: Reply, *, where: str = "") -> None:
    if reply.text:
        out.write(reply.text + "\n")
    if reply.error and (where or not reply.text):
        out.write(f"error: {where}{reply.error}\n")
    out.flush()


def _terminal_ask(out: TextIO) -> Ask:
    echo = not sys.stdin.isatty()  # piped input: show what was read, as a terminal would

    async def ask(text: str) -> str | None:
        out.write(text)
        out.flush()
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            out.write("\n")
            return None
        if echo:
            out.write(line if line.endswith("\n") else line + "\n")
        return line.rstrip("\r\n")

    return ask


async def _repl(sandbox: Sandbox, out: TextIO, ask: Ask) -> None:
    while True:
        line = await ask(prompt(sandbox))
        if line is None or line.strip() in ("quit", "exit"):
            return
        _write(out, await sandbox.run_line(line))


__all__ = [
    "PEOPLE",
    "TOUR",
    "CliError",
    "Reply",
    "Sandbox",
    "SandboxError",
    "open_sandbox",
    "run_sandbox",
    "run_script",
]

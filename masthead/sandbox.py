"""`python bot.py sandbox`: the real bot against the local Discord emulator, driven from
the terminal. No token, no network: a server with #news, the sample issue published to
it, and you as its owner (an editor and moderator) typing slash commands.

    /latest                      /item number:3 public:true
    /search query:"DRAM chips"   /setup show
    click 1                      press the first button of the last answer
    news                         what was posted in #news and its thread
"""

from __future__ import annotations

import asyncio
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

from db import migrate
from db.engine import create_engine, create_sessionmaker
from fakediscord import Channel, FakeDiscord, InProcessBot, InteractionResult, Message
from masthead.bot import Masthead
from masthead.cli import CliError, read_issue
from masthead.importing import publish, store_document
from masthead.settings import Settings
from newsletter.render import render_issue

HELP = __doc__.split("\n\n", 1)[1] if __doc__ else ""


def parse_line(line: str) -> tuple[list[str], dict[str, Any]]:
    """`/setup announce channel:#news backfill:false` → (["setup", "announce"], options)."""
    words = shlex.split(line.lstrip("/"))
    names = [w for w in words if ":" not in w]
    options: dict[str, Any] = {}
    for word in words:
        if ":" in word:
            key, value = word.split(":", 1)
            options[key] = _value(value)
    return names, options


def _value(raw: str) -> Any:
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    if raw.lstrip("-").isdigit():
        return int(raw)
    return raw


def describe(message: Message | None) -> str:
    """A message as text: content, embeds, and numbered buttons and menus."""
    if message is None:
        return "(no answer)"
    lines: list[str] = [message.content] if message.content else []
    for embed in message.embeds:
        lines += [f"┃ {embed['title']}"] if embed.get("title") else []
        lines += [f"┃ {line}" for line in str(embed.get("description") or "").splitlines()]
        for field in embed.get("fields", []):
            lines += [f"┃ — {field['name']}", *(f"┃   {x}" for x in field["value"].splitlines())]
        if embed.get("footer"):
            lines.append(f"┃ ({embed['footer']['text']})")
    for n, component in enumerate(_controls(message), start=1):
        label = component.get("label") or component.get("placeholder") or component.get("url")
        lines.append(f"[{n}] {label}")
    return "\n".join(lines)


def _controls(message: Message) -> list[dict[str, Any]]:
    return [c for row in message.components for c in row.get("components", [])]


class Sandbox:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.you = fake.owner
        self.guild = fake.add_guild("Masthead sandbox", owner=self.you)
        self.news: Channel = fake.add_channel(self.guild, "news")
        self.last: InteractionResult | None = None

    async def run_line(self, line: str) -> str:
        line = line.strip()
        if line in ("help", "?"):
            return HELP
        if line == "news":
            return self.channel_log()
        if line.startswith("click"):
            return await self.click(line)
        names, options = parse_line(line)
        if "channel" in options:
            options["channel"] = self.news
        try:
            self.last = await self.fake.run_command(
                self.guild, self.news, self.you, *names, **options
            )
        except (ValueError, TimeoutError) as exc:
            return f"error: {exc}"
        return describe(self.last.message)

    async def click(self, line: str) -> str:
        message = self.last.message if self.last else None
        controls = _controls(message) if message else []
        parts = line.split()
        index = int(parts[1]) - 1 if len(parts) > 1 and parts[1].isdigit() else 0
        if message is None or not 0 <= index < len(controls) or "custom_id" not in controls[index]:
            return "error: nothing to click there"
        control = controls[index]
        if control.get("type") == 3:  # a select menu: pick its first option
            value = control["options"][0]["value"]
            result = await self.fake.select(message, control["custom_id"], [value], self.you)
        else:
            result = await self.fake.click(message, control["custom_id"], self.you)
        self.last = result
        return describe(result.message)

    async def wait_posted(self, parts: int) -> None:
        def posted() -> bool:
            threads = self.fake.threads(self.news)
            in_thread = sum(len(self.fake.messages(t)) for t in threads)
            return len(self.fake.messages(self.news)) + in_thread >= parts

        await self.fake.wait_until(posted, "the issue to be posted", slow=True)

    def channel_log(self) -> str:
        out = [describe(m) for m in self.fake.messages(self.news)]
        for thread in self.fake.threads(self.news):
            out.append(f"── thread: {thread.name}")
            out += [describe(m) for m in self.fake.messages(thread)]
        return "\n\n".join(out) or "(#news is empty)"


async def run_sandbox(settings: Settings, issue_path: str, database_url: str | None) -> None:
    document = read_issue(issue_path, settings.newsletter_name)
    with tempfile.TemporaryDirectory(prefix="masthead-sandbox-") as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'sandbox.db'}"
        engine = create_engine(url)
        await migrate.upgrade(engine)
        async with FakeDiscord() as fake:
            sandbox = Sandbox(fake)
            bot = Masthead(
                settings=Settings(
                    discord_token=fake.token,
                    database_url=url,
                    newsletter_name=settings.newsletter_name,
                    api_base=fake.api_base,
                    gateway_url=fake.gateway_url,
                ),
                sessionmaker=create_sessionmaker(engine),
            )
            runner = InProcessBot(fake)
            await runner.start(bot, commands=("latest",))
            try:
                print(await sandbox.run_line("/setup announce channel:news backfill:false"))
                async with bot.sessionmaker.begin() as session:
                    issue, _ = await store_document(session, document)
                    await publish(session, issue)
                bot.dispatch("issues_changed")
                await sandbox.wait_posted(len(render_issue(document)))
                print(f"Published {document.title} to #news. Type 'help' for commands.")
                await _repl(sandbox)
            finally:
                await runner.stop()
                await engine.dispose()


async def _repl(sandbox: Sandbox) -> None:
    while True:
        print("masthead> ", end="", flush=True)
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line or line.strip() in ("quit", "exit"):
            return
        if line.strip():
            print(await sandbox.run_line(line), flush=True)


__all__ = ["CliError", "Sandbox", "parse_line", "run_sandbox"]

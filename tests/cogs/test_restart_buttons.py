"""Every button and menu Masthead sends still works after the real `python bot.py` is
killed with SIGKILL and started again: nothing a component needs lives in memory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fakediscord import BotProcess, FakeDiscord, File, Message
from tests.cogs.helpers import issue_text, make_world, subscribe, wait_delivered
from tests.cogs.test_issue_import import buttons
from tests.cogs.test_votes import vote

ROOT = Path(__file__).resolve().parents[2]
BOT = str(ROOT / "bot.py")
COMMANDS = ("latest", "item", "search", "setup", "issue")


async def _kill_and_restart(fake: FakeDiscord, proc: BotProcess) -> None:
    await proc.kill()
    await proc.start(fake)
    await proc.wait_ready(fake)


def _only_component(message: Message) -> str:
    (row,) = message.components
    (component,) = row["components"]
    return str(component["custom_id"])


async def test_every_component_survives_sigkill(
    fake_discord: FakeDiscord,
    bot_process: Callable[..., Awaitable[BotProcess]],
    database_url: str,
    tmp_path: Path,
) -> None:
    world = make_world(fake_discord)
    env = {"DATABASE_URL": database_url}
    proc = await bot_process((BOT,), env=env, cwd=tmp_path, commands=COMMANDS)
    await subscribe(fake_discord, world)
    preview = await fake_discord.run_command(
        world.guild,
        world.news,
        fake_discord.owner,
        "issue",
        "import",
        file=File("2024-01.txt", issue_text().encode()),
    )
    await preview.wait_message()
    assert preview.message is not None

    await _kill_and_restart(fake_discord, proc)
    published = await fake_discord.click(
        preview.message, buttons(preview.message)["Publish"], fake_discord.owner
    )
    assert "Published: queued for 1 channel(s)." in str(published.embeds[0]["fields"])
    _, posted = await wait_delivered(fake_discord, world.news, 2)
    item = next(m for m in posted if m.embeds[0].get("title", "").startswith("1."))
    latest = await fake_discord.run_command(world.guild, world.news, world.reader, "latest")
    card = await fake_discord.run_command(world.guild, world.news, world.reader, "item", number=2)
    assert latest.message is not None and card.message is not None

    await _kill_and_restart(fake_discord, proc)
    voted = await vote(fake_discord, item, world.reader, helpful=True)
    assert voted.content == "Thanks for your feedback!"
    opened = await fake_discord.select(
        latest.message, _only_component(latest.message), ["1"], world.reader
    )
    assert opened.embeds[0]["title"].startswith("1. Solar farms spread across Gansu")
    full = await fake_discord.click(card.message, buttons(card.message)["Full text"], world.reader)
    assert "twenty minutes" in full.embeds[0]["description"]

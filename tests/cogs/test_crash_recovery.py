"""The real `python bot.py` killed with SIGKILL mid-delivery, then started again."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fakediscord import BotProcess, FakeDiscord
from tests.cogs.helpers import SAMPLE, make_world, wait_delivered
from tests.cogs.test_publishing import sample_parts

ROOT = Path(__file__).resolve().parents[2]
BOT = str(ROOT / "bot.py")
MESSAGES = "/channels/{channel_id}/messages"


async def test_sigkill_mid_delivery_leaves_every_part_exactly_once(
    fake_discord: FakeDiscord,
    bot_process: Callable[..., Awaitable[BotProcess]],
    database_url: str,
    tmp_path: Path,
) -> None:
    env = {"DATABASE_URL": database_url}
    worlds = [make_world(fake_discord, f"Server {n}") for n in range(2)]
    proc = await bot_process((BOT,), env=env, cwd=tmp_path, commands=("setup", "issue"))
    for world in worlds:
        await fake_discord.run_command(
            world.guild, world.news, world.moderator, "setup", "announce", channel=world.news
        )
    imported = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, BOT, "import", str(SAMPLE)],
        env={**_base_env(), **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert imported.returncode == 0, imported.stderr

    # Slow answers keep the bot mid-delivery long enough to be killed there, repeatedly.
    fake_discord.slow(0.15, method="POST", route=MESSAGES)
    published = await fake_discord.run_command(
        worlds[0].guild, worlds[0].news, fake_discord.owner, "issue", "publish", issue="2023-12"
    )
    assert "queued for 2 new channel(s)" in published.content, published.content
    total = 2 * len(sample_parts())
    for kill_at in (3, 9, 15):
        await fake_discord.wait_until(
            lambda n=kill_at: _posted(fake_discord, worlds) >= n, f"{kill_at} posts", slow=True
        )
        await proc.kill()
        await asyncio.sleep(0.3)
        await proc.start(fake_discord)
        await proc.wait_ready(fake_discord)
    fake_discord.clear_faults()

    parts = len(sample_parts())
    for world in worlds:
        header, posted = await wait_delivered(fake_discord, world.news, parts - 1)
        assert len(header) == 1
        titles = [m.embeds[0].get("title") for m in posted]
        assert len(titles) == len(set(titles)) == parts - 1, titles
    assert _posted(fake_discord, worlds) == total
    # Restarts did not re-sync an unchanged command tree.
    assert len(fake_discord.requests_to("PUT", "/applications/{application_id}/commands")) == 1


def _posted(fake: FakeDiscord, worlds: list[Any]) -> int:
    count = 0
    for world in worlds:
        count += len(fake.messages(world.news))
        for thread in fake.threads(world.news):
            count += len(fake.messages(thread))
    return count


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}

"""The real `python bot.py` killed with SIGKILL in the middle of a correction to 50
servers, then started again: every changed message is edited once, nothing else."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from fakediscord import BotProcess, FakeDiscord
from tests.cogs.helpers import issue_text, make_world
from tests.cogs.test_corrections import EDIT, edits, posted, titled
from tests.cogs.test_crash_recovery import BOT, _base_env

SERVERS = 50
STORIES = ["solar", "subway", "chips", "rail", "ports", "trade", "robots"]
BODIES = {
    f"Story number {n} about {word}": f"The {word} story begins here. It says more about {word}."
    for n, word in enumerate(STORIES, 1)
}
NEW_TEXT = "The chips plant opens in May, not in March. It employs 3,000 people."
ADDED = ("Story number 8 about bridges", "A bridge story arrives late. It opens next year.")


def corrected_bodies() -> dict[str, str]:
    bodies = dict(BODIES)
    bodies["Story number 3 about chips"] = NEW_TEXT
    bodies[ADDED[0]] = ADDED[1]
    return bodies


async def cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, BOT, *args],
        env={**_base_env(), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result


async def test_sigkill_mid_correction_edits_each_changed_message_exactly_once(
    fake_discord: FakeDiscord,
    bot_process: Callable[..., Awaitable[BotProcess]],
    database_url: str,
    tmp_path: Path,
) -> None:
    env = {"DATABASE_URL": database_url}
    worlds = [make_world(fake_discord, f"Server {n}") for n in range(SERVERS)]
    proc = await bot_process((BOT,), env=env, cwd=tmp_path, commands=("setup", "issue"))
    for world in worlds:
        await fake_discord.run_command(
            world.guild, world.news, world.moderator, "setup", "announce", channel=world.news
        )
    issue = tmp_path / "2024-01.txt"
    issue.write_text(issue_text(bodies=BODIES), encoding="utf-8")
    await cli(env, tmp_path, "import", str(issue), "--publish")
    await fake_discord.wait_until(
        lambda: all(
            len(fake_discord.threads(w.news)) == 1
            and len(fake_discord.messages(fake_discord.threads(w.news)[0])) == len(BODIES)
            for w in worlds
        ),
        "the issue delivered everywhere",
        slow=True,
    )
    before = {w.guild.id: posted(fake_discord, w) for w in worlds}

    # Slow edits keep the bot mid-correction long enough to be killed there.
    fake_discord.slow(0.2, method="PATCH", route=EDIT)
    issue.write_text(issue_text(bodies=corrected_bodies()), encoding="utf-8")
    replaced = await cli(env, tmp_path, "import", str(issue), "--replace")
    assert "items changed: 3; items added: 8" in replaced.stdout, replaced.stdout
    assert f"correcting what was posted in {SERVERS} channel(s)" in replaced.stdout

    def edited() -> int:
        return sum(200 <= r.status < 300 for r in fake_discord.requests_to("PATCH", EDIT))

    # The running bot finds the correction by itself (another process made it).
    await fake_discord.wait_until(lambda: edited() >= 30, "30 edits", slow=True)
    assert edited() < 2 * SERVERS, "killed too late to be mid-correction"
    await proc.kill()
    await asyncio.sleep(0.3)
    await proc.start(fake_discord)
    await proc.wait_ready(fake_discord)

    def done() -> bool:
        return all(
            len(posted(fake_discord, w)) == len(BODIES) + 2
            and titled(posted(fake_discord, w), "3. ")[0].embeds[0]["description"] == NEW_TEXT
            and "Corrected on" in posted(fake_discord, w)[0].embeds[0]["footer"]["text"]
            for w in worlds
        )

    await fake_discord.wait_until(done, "every server corrected", slow=True)
    await asyncio.sleep(1.0)  # anything more the bot would do, it would do now
    fake_discord.clear_faults()

    for world in worlds:
        messages = posted(fake_discord, world)
        header, item3 = messages[0], titled(messages, "3. ")[0]
        assert item3.embeds[0]["description"].endswith(NEW_TEXT)
        assert edits(fake_discord, item3) == 1, world.guild.name
        # The header lists the items and says the issue was corrected: edited once too.
        assert edits(fake_discord, header) == 1, world.guild.name
        added = titled(messages, "8. ")
        assert len(added) == 1 and messages[-1] is added[0]
        assert messages[:-1] == before[world.guild.id]  # nothing duplicated or reordered
        for message in messages:
            if message not in (header, item3):
                assert edits(fake_discord, message) == 0, message.embeds[0]["title"]
    assert fake_discord.requests_to("DELETE", EDIT) == []
    # The restart read back the messages whose edits were in flight at the kill, rather
    # than editing them again.
    assert fake_discord.requests_to("GET", EDIT)

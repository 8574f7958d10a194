"""For operators: /metrics and /healthz on METRICS_PORT, and JSON logs."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from db import migrate
from db.engine import create_engine
from fakediscord import BotProcess, FakeDiscord
from masthead.bot import Masthead
from tests.cogs.helpers import COMMANDS, make_world, masthead_for, subscribe
from tests.cogs.tip_helpers import review_channel, send_tip, wait_card

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def watched(
    fake_discord: FakeDiscord, database_url: str, run_bot: Callable[..., Awaitable[Any]]
) -> Any:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    bot = masthead_for(
        fake_discord, engine, database_url, editor_ids=frozenset(), metrics_port=free_port()
    )
    await run_bot(bot, commands=COMMANDS)
    yield bot
    await bot.close()
    await engine.dispose()


async def get(bot: Masthead, path: str) -> tuple[int, str]:
    url = f"http://127.0.0.1:{bot.settings.metrics_port}{path}"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def scrape_until(
    bot: Masthead, key: tuple[str, tuple[tuple[str, str], ...]]
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """/metrics once it shows `key` (a command is counted just after its answer)."""
    for _ in range(50):
        status, body = await get(bot, "/metrics")
        assert status == 200
        if key in (seen := samples(body)):
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"/metrics never showed {key}")


def samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(exposition)
        for s in family.samples
    }


async def test_metrics_count_commands_deliveries_tips_and_429s(
    fake_discord: FakeDiscord, watched: Masthead
) -> None:
    world = make_world(fake_discord)
    await fake_discord.wait_until(lambda: watched.get_guild(world.guild.id), "guild cached")
    await subscribe(fake_discord, world)
    for _ in range(2):
        await fake_discord.run_command(world.guild, world.news, world.reader, "latest")
    review = await review_channel(fake_discord, world)
    fake_discord.rate_limit(route="/channels/{channel_id}/messages", retry_after=0.05)
    await send_tip(fake_discord, world)
    await wait_card(fake_discord, review)  # posted after one 429
    reply = await fake_discord.run_command(world.guild, world.news, world.moderator, "review")
    assert reply.ephemeral
    health = watched.get_cog("Health")
    assert health is not None
    await health.refresh()  # type: ignore[attr-defined]

    review_counted = ("masthead_commands_total", (("command", "review"), ("outcome", "ok")))
    seen = await scrape_until(watched, review_counted)
    # /latest with nothing published is refused: counted, as an error.
    assert seen[("masthead_commands_total", (("command", "latest"), ("outcome", "error")))] == 2
    assert seen[("masthead_command_seconds_count", (("command", "latest"),))] == 2
    ok = ("outcome", "ok")
    assert seen[("masthead_commands_total", (("command", "setup announce"), ok))] == 1
    assert seen[("masthead_commands_total", (("command", "review"), ok))] == 1
    assert seen[("masthead_discord_429_total", ())] >= 1
    assert seen[("masthead_parts_sent_total", ())] == 0
    assert seen[("masthead_tips_pending", ())] == 1
    assert ("masthead_deliveries", (("state", "failed"),)) in seen
    assert any(name == "masthead_gateway_latency_seconds" for name, _ in seen)


async def test_healthz_is_ready_only_with_gateway_and_database(
    fake_discord: FakeDiscord, watched: Masthead, tmp_path: Path
) -> None:
    assert await get(watched, "/healthz") == (200, "ready\n")
    # The database stops answering: a "database file" that is a folder stands in for it.
    broken = create_engine(f"sqlite+aiosqlite:///{tmp_path}")
    healthy = watched.sessionmaker.kw["bind"]
    watched.sessionmaker.configure(bind=broken)
    try:
        status, body = await get(watched, "/healthz")
        assert status == 503 and "the database does not answer" in body
    finally:
        watched.sessionmaker.configure(bind=healthy)
        await broken.dispose()
    assert await get(watched, "/healthz") == (200, "ready\n")


async def test_log_format_json_writes_one_object_per_line(
    fake_discord: FakeDiscord,
    bot_process: Callable[..., Awaitable[BotProcess]],
    database_url: str,
    tmp_path: Path,
) -> None:
    env = {"DATABASE_URL": database_url, "LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    proc = await bot_process((str(ROOT / "bot.py"),), env=env, cwd=tmp_path, commands=("latest",))
    await fake_discord.wait_until(
        lambda: "delivery worker started" in proc.output(), "the worker's log line", slow=True
    )
    lines = [line for line in proc.output().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    started = next(r for r in records if r["message"] == "delivery worker started")
    assert started["level"] == "INFO" and started["logger"] == "cogs.delivery._worker"
    assert "time" in started

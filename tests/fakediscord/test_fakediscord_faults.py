"""Under injected 429s, 5xx and dropped connections, discord.py recovers and nothing is
delivered twice."""

from __future__ import annotations

import asyncio
import math
import time

from bench.baseline_bot import BaselineBot
from tests.fakediscord.fakediscord_support import World

MESSAGES = "/channels/{channel_id}/messages"


async def _send_all(world: World, run_bot, count: int) -> list[str]:
    bot = await run_bot(BaselineBot(sync_commands=False))
    channel = bot.get_partial_messageable(world.channel.id)  # no wait for the guild cache
    for n in range(count):
        await channel.send(f"part {n}")
    return [m.content for m in world.fake.messages(world.channel)]


async def test_route_429_is_retried_and_each_message_arrives_once(world: World, run_bot):
    fake = world.fake
    fault = fake.rate_limit(method="POST", route=MESSAGES, times=2, retry_after=0.05)

    delivered = await _send_all(world, run_bot, 3)

    assert delivered == ["part 0", "part 1", "part 2"]
    assert fault.fired == 2
    statuses = [r.status for r in fake.requests_to("POST", MESSAGES)]
    assert statuses == [429, 429, 200, 200, 200]


async def test_global_429_is_retried_and_each_message_arrives_once(world: World, run_bot):
    fake = world.fake
    fake.rate_limit(route=MESSAGES, times=1, retry_after=0.05, is_global=True)

    delivered = await _send_all(world, run_bot, 3)

    assert delivered == ["part 0", "part 1", "part 2"]
    assert [r.status for r in fake.requests_to("POST", MESSAGES)][:2] == [429, 200]


async def test_5xx_is_retried_and_each_message_arrives_once(world: World, run_bot):
    fake = world.fake
    # discord.py retries 500, 502, 504 and 524 (after 1 s); a 503 it raises.
    fake.server_error(method="POST", route=MESSAGES, times=1, status=502)

    delivered = await _send_all(world, run_bot, 2)

    assert delivered == ["part 0", "part 1"]
    assert [r.status for r in fake.requests_to("POST", MESSAGES)] == [502, 200, 200]


async def test_429_carries_discord_headers(world: World) -> None:
    import aiohttp

    world.fake.rate_limit(route=MESSAGES, retry_after=0.25, is_global=True)
    url = f"{world.fake.api_base}/channels/{world.channel.id}/messages"
    headers = {"Authorization": f"Bot {world.fake.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"content": "x"}, headers=headers) as resp,
    ):
        body = await resp.json()

    assert resp.status == 429
    assert body == {"message": "You are being rate limited.", "retry_after": 0.25, "global": True}
    assert resp.headers["Via"] == "1.1 google"
    assert resp.headers["X-RateLimit-Global"] == "true"
    assert resp.headers["X-RateLimit-Scope"] == "global"
    assert "Retry-After" in resp.headers


async def test_enforced_global_limit_paces_a_burst(world: World, raw) -> None:
    world.fake.enable_rate_limits(global_per_second=50, per_route=(1000, 1.0))
    path = f"/channels/{world.channel.id}/messages"

    started = time.monotonic()
    replies = await asyncio.gather(
        *(raw("POST", path, json={"content": str(n)}) for n in range(120))
    )
    elapsed = time.monotonic() - started
    statuses = [status for status, *_ in replies]

    accepted = statuses.count(200)
    # The bucket holds 50 and refills at 50/s while the burst is served (slower on a
    # loaded machine), so the bound depends on how long the burst took.
    assert 50 <= accepted <= 50 + math.ceil(elapsed * 50) + 1, (accepted, elapsed)
    assert statuses.count(429) == 120 - accepted > 0


async def test_discord_py_paces_itself_under_enforced_limits(world: World, run_bot) -> None:
    fake = world.fake
    fake.enable_rate_limits(global_per_second=50, per_route=(5, 0.5))
    started = time.monotonic()

    delivered = await _send_all(world, run_bot, 8)

    assert delivered == [f"part {n}" for n in range(8)]
    assert time.monotonic() - started >= 0.4  # had to wait for the route window to reset
    assert all(r.status == 200 for r in fake.requests_to("POST", MESSAGES))


async def test_dropped_gateway_resumes_and_next_interaction_is_served(world: World, run_bot):
    fake = world.fake
    bot = await run_bot(BaselineBot(), commands=["ping"])
    assert (await fake.run_command(world.guild, world.channel, world.alice, "ping")).type == 4

    assert await fake.drop_gateway() == 1
    # Sent while the bot is disconnected: buffered and replayed on RESUME.
    late_channel = fake.add_channel(world.guild, "while-away")
    await fake.wait_until(lambda: fake.gateway.resumes == 1, "the bot to RESUME")
    result = await fake.run_command(world.guild, world.channel, world.alice, "ping")

    assert result.type == 4
    assert fake.gateway.identifies == 1  # resumed, not re-identified
    await fake.wait_until(lambda: bot.get_channel(late_channel.id), "the replayed CHANNEL_CREATE")


async def test_invalid_session_makes_the_bot_identify_again(world: World, run_bot) -> None:
    fake = world.fake
    await run_bot(BaselineBot(), commands=["ping"])

    fake.invalidate_session(resumable=False)
    await fake.wait_until(lambda: fake.gateway.identifies == 2, "a fresh IDENTIFY", slow=True)

    assert (await fake.run_command(world.guild, world.channel, world.alice, "ping")).type == 4

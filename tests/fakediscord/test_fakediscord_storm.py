"""Storms: a seeded share of requests answered 429 or 5xx, until cleared."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bench.baseline_bot import BaselineBot
from fakediscord import FakeDiscord
from tests.fakediscord.fakediscord_support import World

MESSAGES = "/channels/{channel_id}/messages"
Raw = Callable[..., Awaitable[tuple[int, Any]]]


async def _statuses(world: World, raw: Raw, count: int) -> list[int]:
    path = f"/channels/{world.channel.id}/messages"
    return [(await raw("POST", path, json={"content": f"m{n}"}))[0] for n in range(count)]


async def test_a_seed_fails_the_same_requests_and_about_its_share(world: World, raw: Raw) -> None:
    fake = world.fake
    first = fake.storm(0.3, seed=11, route=MESSAGES)
    pattern = await _statuses(world, raw, 200)
    fake.clear_faults()
    fake.storm(0.3, seed=11, route=MESSAGES)
    again = await _statuses(world, raw, 200)
    fake.clear_faults()
    fake.storm(0.3, seed=12, route=MESSAGES)
    other = await _statuses(world, raw, 200)

    assert again == pattern != other
    assert set(pattern) == {200, 429}
    assert first.seen == 200 and first.fired == pattern.count(429)
    assert len(first.struck) == first.fired
    assert {(m, p) for m, p, _ in first.struck} == {
        ("POST", f"/channels/{world.channel.id}/messages")
    }
    assert 40 <= pattern.count(429) <= 80  # 60 expected; 200 draws stay well inside
    # Only what was answered 200 was posted.
    assert len(fake.messages(world.channel)) == 3 * 200 - sum(
        s == 429 for s in pattern + again + other
    )


async def test_a_429_says_how_long_to_wait_and_in_which_scope(world: World, raw: Raw) -> None:
    world.fake.storm(1.0, seed=1, retry_after=0.75)
    status, body = await raw(
        "POST", f"/channels/{world.channel.id}/messages", json={"content": "x"}
    )
    assert status == 429
    assert body == {"message": "You are being rate limited.", "retry_after": 0.75, "global": False}
    world.fake.clear_faults()
    world.fake.storm(1.0, seed=1, kind="global_429", retry_after=0.5)
    status, body = await raw("GET", f"/channels/{world.channel.id}")
    assert status == 429 and body["global"] is True


async def test_a_5xx_storm_answers_only_the_statuses_given_and_posts_nothing(
    world: World, raw: Raw
) -> None:
    storm = world.fake.storm(1.0, seed=3, kind="5xx", statuses=(502, 503), method="POST")
    statuses = await _statuses(world, raw, 30)
    assert set(statuses) == {502, 503}
    assert world.fake.messages(world.channel) == []
    # The method filter: reads pass untouched.
    status, _ = await raw("GET", f"/channels/{world.channel.id}")
    assert status == 200 and storm.seen == 30


async def test_interaction_answers_are_spared_unless_asked(world: World, raw: Raw) -> None:
    fake = world.fake
    spared = fake.storm(1.0, seed=5)
    with fake.expect_violation(10062):  # through to the handler: no such interaction
        status, _ = await raw("POST", "/interactions/1/token/callback", json={"type": 1})
    assert status == 404 and spared.seen == 0
    fake.clear_faults()
    struck = fake.storm(1.0, seed=5, spare_interactions=False)
    status, _ = await raw("POST", "/interactions/1/token/callback", json={"type": 1})
    assert status == 429 and struck.fired == 1


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"probability": 1.5}, "probability"),
        ({"probability": -0.1}, "probability"),
        ({"probability": math.nan}, "probability"),
        ({"kind": "503"}, "kind"),
        ({"statuses": (404,)}, "statuses"),
        ({"statuses": ()}, "statuses"),
        ({"retry_after": 0}, "retry_after"),
    ],
)
async def test_bad_storms_are_refused(options: dict[str, Any], problem: str) -> None:
    fake = FakeDiscord()  # not started: refused before anything is sent
    arguments: dict[str, Any] = {"probability": 0.3, "seed": 1, **options}
    with pytest.raises(ValueError, match=problem):
        fake.storm(**arguments)
    assert fake.emulator.faults.storms == []


async def test_discord_py_gets_every_message_through_a_storm_once_in_order(
    world: World, run_bot: Callable[..., Awaitable[Any]]
) -> None:
    fake = world.fake
    storm = fake.storm(0.3, seed=2026, method="POST", route=MESSAGES, retry_after=0.02)
    bot = await run_bot(BaselineBot(sync_commands=False))
    channel = bot.get_partial_messageable(world.channel.id)
    for n in range(20):
        await channel.send(f"part {n}")

    assert [m.content for m in fake.messages(world.channel)] == [f"part {n}" for n in range(20)]
    assert storm.fired > 0 and storm.seen == 20 + storm.fired

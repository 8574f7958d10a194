"""Discord answering a seeded 30% of requests with 429, and 5xx bursts: delivery slows
but posts every part exactly once, and a 429's retry_after is waited out before that
bucket is tried again."""

from __future__ import annotations

import asyncio

import pytest

from fakediscord import FakeDiscord, RequestRecord, Storm
from tests.cogs.helpers import World, make_world, subscribe
from tests.faults.conftest import FaultCounts, StartBot
from tests.faults.issues import assert_serving, posted, store_issues, trial_issue
from tests.faults.ledger import issue_parts

pytestmark = pytest.mark.faults

MESSAGES = "/channels/{channel_id}/messages"
RETRY_AFTER = 0.25
GLOBAL_LIMIT = 500  # requests per second; Discord's is 50
TOLERANCE = 0.005  # the emulator stamps a request on arrival, to the clock's resolution


async def _deliver_under(
    fake: FakeDiscord, start_masthead: StartBot, database_url: str, month: int
) -> tuple[list[World], str]:
    """Subscribe three servers, publish a trial issue and wait for its posts; the
    caller has started the storm. Returns the servers and the issue's text."""
    # Discord's limits enforced on top of the storm (per-route buckets answer real 429s
    # too), with the global limit raised so that the trial stays short.
    fake.enable_rate_limits(global_per_second=GLOBAL_LIMIT)
    await start_masthead(database_url)
    worlds = [make_world(fake, f"Server {n}") for n in range(3)]
    for world in worlds:
        await subscribe(fake, world, backfill=False)
    text = trial_issue(month)
    await store_issues(database_url, [text], published=False)
    answer = await fake.run_command(
        worlds[0].guild, worlds[0].news, fake.owner, "issue", "publish", issue=f"2024-{month:02d}"
    )
    assert "queued for 3 new channel(s)" in answer.content, answer.content
    total = len(issue_parts(text)) * len(worlds)
    channels = [w.news for w in worlds]
    await fake.wait_until(lambda: posted(fake, channels) >= total, "delivery", slow=True)
    await asyncio.sleep(0.2)  # a duplicate would show by now
    return worlds, text


async def test_a_429_storm_slows_delivery_but_posts_each_part_once(
    fake_discord: FakeDiscord,
    start_masthead: StartBot,
    database_url: str,
    backend: str,
    fault_counts: FaultCounts,
) -> None:
    seed = 1601
    storm = fake_discord.storm(0.3, seed=seed, retry_after=RETRY_AFTER)
    trial = fault_counts.trial(f"[{backend}] 429 storm (30%) seed={seed}")
    worlds, text = await _deliver_under(fake_discord, start_masthead, database_url, 10)
    fake_discord.clear_faults()

    print(f"{trial}: {storm.fired} of {storm.seen} requests answered 429")
    assert storm.fired > 0, f"{trial}: the storm never struck"
    fault_counts.check_parts(fake_discord, [w.news for w in worlds], issue_parts(text), trial=trial)
    checked, early = _retried_early(storm, fake_discord.requests)
    assert checked > 0, f"{trial}: no 429 was retried"
    assert not early, f"{trial}: retried before retry_after ({RETRY_AFTER} s): {early}"
    await assert_serving(fake_discord, worlds[0], "October 2024", trial=trial)


async def test_5xx_bursts_slow_delivery_but_post_each_part_once(
    fake_discord: FakeDiscord,
    start_masthead: StartBot,
    database_url: str,
    backend: str,
    fault_counts: FaultCounts,
) -> None:
    seed = 1602
    # A burst on the first posts (discord.py retries 502 after 1 s, then 3 s), then a
    # scatter of 500, 502 and 503 (which discord.py does not retry: the worker does).
    fake_discord.server_error(method="POST", route=MESSAGES, times=2, status=502)
    storm = fake_discord.storm(
        0.15, seed=seed, kind="5xx", method="POST", route=MESSAGES, statuses=(500, 502, 503)
    )
    trial = fault_counts.trial(f"[{backend}] 5xx burst and storm (15%) seed={seed}")
    worlds, text = await _deliver_under(fake_discord, start_masthead, database_url, 11)
    fake_discord.clear_faults()

    print(f"{trial}: {storm.fired} of {storm.seen} posts answered 5xx after the burst")
    failed = [r for r in fake_discord.requests_to("POST", MESSAGES) if r.status >= 500]
    assert len(failed) >= 2, f"{trial}: the burst never struck"
    fault_counts.check_parts(fake_discord, [w.news for w in worlds], issue_parts(text), trial=trial)
    await assert_serving(fake_discord, worlds[1], "November 2024", trial=trial)


def _retried_early(storm: Storm, requests: list[RequestRecord]) -> tuple[int, list[str]]:
    """How many of the storm's 429s were followed by another request to their path, and
    those that came sooner than retry_after."""
    early, checked = [], 0
    for method, path, answered in storm.struck:
        following = next(
            (r for r in requests if (r.method, r.path) == (method, path) and r.time > answered),
            None,
        )
        if following is None:
            continue
        checked += 1
        waited = following.time - answered
        if waited < storm.retry_after - TOLERANCE:
            early.append(f"{method} {path}: {waited:.3f} s")
    return checked, early

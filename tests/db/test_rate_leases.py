"""Leases of the bot token's global rate limit, on every backend."""

from __future__ import annotations

import asyncio
import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import rate_leases
from db.repositories.rate_leases import HOLD, LEASE_TTL, charged, fair_shares

Sessions = async_sessionmaker[AsyncSession]
BUDGET = 49
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def renew(
    sessionmaker: Sessions, holder: str, wanted: float, now: datetime, **kw: object
) -> rate_leases.Grant:
    async with sessionmaker.begin() as session:
        return await rate_leases.renew(session, holder, wanted=wanted, budget=BUDGET, now=now, **kw)  # type: ignore[arg-type]


async def committed(sessionmaker: Sessions, now: datetime) -> int:
    """What the unexpired leases take from the budget at ``now``."""
    async with sessionmaker() as session:
        rows = await rate_leases.leases(session)
    return sum(charged(r, now) for r in rows if r.expires_at > now)


def test_fair_shares_split_evenly_and_give_small_wants_what_they_ask() -> None:
    assert fair_shares(49, {"a": 49, "b": 49}) == {"a": 25, "b": 24}
    assert fair_shares(49, {"a": 49, "b": 3.2, "c": 0}) == {"a": 45, "b": 4, "c": 0}
    assert fair_shares(49, {"a": 10, "b": 10}) == {"a": 10, "b": 10}
    assert fair_shares(0, {"a": 5}) == {"a": 0}
    assert fair_shares(49, {}) == {}
    assert fair_shares(49, {"a": -5, "b": 100}) == {"a": 0, "b": 49}


def test_fair_shares_never_exceed_the_budget_and_are_max_min_fair() -> None:
    rng = random.Random(12)
    for _ in range(500):
        budget = rng.randint(0, 60)
        wanted = {f"p{i}": rng.choice([0.0, rng.uniform(0, 30), 60.0]) for i in range(5)}
        shares = fair_shares(budget, wanted)
        assert sum(shares.values()) <= budget
        assert all(0 <= shares[h] <= max(math.ceil(wanted[h]), 0) for h in wanted)
        unmet = [h for h in wanted if shares[h] < math.ceil(wanted[h])]
        if unmet:  # someone short: then nothing is left over, and nobody got much more
            assert sum(shares.values()) == budget
            assert max(shares.values()) - min(shares[h] for h in unmet) <= 1


async def test_the_first_holder_gets_the_budget_and_the_next_only_what_is_free(
    sessionmaker: Sessions,
) -> None:
    first = await renew(sessionmaker, "a", BUDGET, at(0))
    assert first.rate == BUDGET and first.expires_at == at(0) + LEASE_TTL
    second = await renew(sessionmaker, "b", BUDGET, at(0.1))
    assert second.rate == 0  # a still holds everything until it renews
    lowered = await renew(sessionmaker, "a", BUDGET, at(1.0))
    assert lowered.rate == 25  # its fair half
    # What a sent at 49/s is still within the last second: b waits for the hold.
    assert (await renew(sessionmaker, "b", BUDGET, at(1.1))).rate == 0
    assert await committed(sessionmaker, at(1.1)) == BUDGET
    after_hold = at(1.0) + HOLD + timedelta(seconds=0.1)
    assert (await renew(sessionmaker, "b", BUDGET, after_hold)).rate == 24
    assert await committed(sessionmaker, after_hold) == BUDGET


async def test_rate_moves_to_the_holder_with_work_when_the_other_is_done(
    sessionmaker: Sessions,
) -> None:
    await renew(sessionmaker, "a", BUDGET, at(0))
    await renew(sessionmaker, "a", BUDGET, at(0.5))
    now = 0.5 + HOLD.total_seconds()
    await renew(sessionmaker, "b", BUDGET, at(now))
    await renew(sessionmaker, "a", BUDGET, at(now + 0.1))
    # Both busy, then a has nothing left to send.
    assert (await renew(sessionmaker, "a", 0, at(now + 1))).rate == 0
    assert (await renew(sessionmaker, "b", BUDGET, at(now + 1.1))).rate < BUDGET  # held
    later = at(now + 1 + HOLD.total_seconds() + 0.1)
    assert (await renew(sessionmaker, "b", BUDGET, later)).rate == BUDGET


async def test_a_lease_not_renewed_expires_and_its_rate_is_taken(sessionmaker: Sessions) -> None:
    await renew(sessionmaker, "dead", BUDGET, at(0))
    assert (await renew(sessionmaker, "alive", BUDGET, at(2))).rate == 0
    expired = at(0) + LEASE_TTL + timedelta(milliseconds=1)
    assert (await renew(sessionmaker, "alive", BUDGET, expired)).rate == BUDGET
    async with sessionmaker() as session:
        assert [r.holder for r in await rate_leases.leases(session)] == ["alive"]


async def test_random_renewals_never_commit_more_than_the_budget(sessionmaker: Sessions) -> None:
    rng = random.Random(7)
    now = 0.0
    for _ in range(120):
        now += rng.uniform(0.05, 0.6)
        holder = rng.choice("abcd")
        wanted = rng.choice([0.0, rng.uniform(1, 20), float(BUDGET)])
        grant = await renew(sessionmaker, holder, wanted, at(now))
        assert 0 <= grant.rate <= BUDGET
        assert await committed(sessionmaker, at(now)) <= BUDGET


async def test_concurrent_renewals_never_grant_more_than_the_budget(
    sessionmaker: Sessions,
) -> None:
    grants = await asyncio.gather(*(renew(sessionmaker, f"p{n}", BUDGET, at(0)) for n in range(6)))
    assert sum(g.rate for g in grants) <= BUDGET
    assert await committed(sessionmaker, at(0)) <= BUDGET


async def test_a_global_pause_reaches_every_holder_until_it_is_over(
    sessionmaker: Sessions,
) -> None:
    await renew(sessionmaker, "a", BUDGET, at(0))
    await renew(sessionmaker, "b", 0, at(0))
    await renew(sessionmaker, "a", BUDGET, at(0.5), pause_until=at(2.5))
    assert (await renew(sessionmaker, "b", 0, at(0.6))).paused_until == at(2.5)
    # An earlier pause does not shorten a later one.
    await renew(sessionmaker, "a", BUDGET, at(0.7), pause_until=at(1.0))
    assert (await renew(sessionmaker, "b", 0, at(0.8))).paused_until == at(2.5)
    assert (await renew(sessionmaker, "b", 0, at(2.6))).paused_until is None


async def test_a_released_lease_frees_its_rate_after_the_hold(sessionmaker: Sessions) -> None:
    await renew(sessionmaker, "a", BUDGET, at(0))
    async with sessionmaker.begin() as session:
        await rate_leases.release(session, "a", now=at(0.5))
        await rate_leases.release(session, "never-held", now=at(0.5))  # nothing to do
    assert (await renew(sessionmaker, "b", BUDGET, at(0.6))).rate == 0
    assert (await renew(sessionmaker, "b", BUDGET, at(0.5) + HOLD)).rate == BUDGET


@pytest.mark.parametrize("wanted", [-1.0, math.nan, math.inf])
async def test_a_wanted_rate_that_is_not_a_rate_is_refused(
    sessionmaker: Sessions, wanted: float
) -> None:
    with pytest.raises(ValueError, match="wanted"):
        await renew(sessionmaker, "a", wanted, at(0))

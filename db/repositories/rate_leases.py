"""The bot token's global rate limit, leased out to the processes that have work.

Discord counts the global limit per token, across every process. Each delivering process
renews its lease about once a second, saying what rate it wants; a renewal hands out the
budget max-min fairly among the wants of every live lease, but never more than what the
other leases leave free, so the grants of live leases never add up to more than the
budget. A grant is lowered at once but keeps counting at its old rate for `HOLD` (what the
holder sent at that rate is still within the last second); the freed rate goes to others
after that. A process that stops renewing (killed) loses its lease after `LEASE_TTL`.

Renewals are serialized: on PostgreSQL by a table lock, on SQLite by the write lock the
first statement (a DELETE) takes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import RateLease

LEASE_TTL = timedelta(seconds=3)
# A pacer lets at most its rate through in any one second; half a second more covers the
# renewal's own transaction and requests still on their way.
HOLD = timedelta(seconds=1.5)


@dataclass(frozen=True)
class Grant:
    rate: int  # requests per second the holder may send
    expires_at: datetime  # send nothing more after this unless renewed
    paused_until: datetime | None  # a global 429 asked every process to wait until then


def fair_shares(budget: int, wanted: Mapping[str, float]) -> dict[str, int]:
    """Whole requests per second for each holder: those who want less than an equal share
    get what they want (rounded up), the others split the rest evenly, the remainder going
    to the first holders by name. Never more than ``budget`` in all."""
    shares = dict.fromkeys(wanted, 0)
    left = max(0, budget)
    order = sorted(wanted, key=lambda h: (wanted[h], h))
    for index, holder in enumerate(order):
        count = len(order) - index
        want = math.ceil(max(0.0, wanted[holder]))
        if want * count <= left:  # the smallest want left fits an equal share
            shares[holder] = want
            left -= want
            continue
        base, extra = divmod(left, count)
        for position, rest in enumerate(sorted(order[index:])):
            shares[rest] = base + (1 if position < extra else 0)
        break
    return shares


def charged(lease: RateLease, now: datetime) -> int:
    """The rate a lease takes from the budget: its grant, or a higher one just lowered."""
    return max(lease.granted, lease.held if lease.held_until > now else 0)


async def _serialize(session: AsyncSession) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # Blocks other renewals (it conflicts with itself and with row writes), not reads.
        await session.execute(text("LOCK TABLE rate_leases IN SHARE ROW EXCLUSIVE MODE"))


async def renew(
    session: AsyncSession,
    holder: str,
    *,
    wanted: float,
    budget: int,
    now: datetime,
    pause_until: datetime | None = None,
) -> Grant:
    """Renew (or take) ``holder``'s lease, wanting ``wanted`` requests per second of
    ``budget``; ``pause_until`` records a global 429 for every process to honour."""
    if not math.isfinite(wanted) or wanted < 0:
        raise ValueError(f"wanted must be a finite rate >= 0, got {wanted!r}")
    await _serialize(session)
    await session.execute(delete(RateLease).where(RateLease.expires_at <= now))
    rows = (
        (await session.execute(select(RateLease).execution_options(populate_existing=True)))
        .scalars()
        .all()
    )
    others = [r for r in rows if r.holder != holder]
    mine = next((r for r in rows if r.holder == holder), None)
    fair = fair_shares(budget, {**{r.holder: r.wanted for r in others}, holder: wanted})[holder]
    free = budget - sum(charged(r, now) for r in others)
    rate = max(0, min(fair, free))
    if mine is None:
        mine = RateLease(holder=holder, granted=0, held=0, held_until=now)
        session.add(mine)
    elif rate < mine.granted:
        mine.held, mine.held_until = charged(mine, now), now + HOLD
    mine.granted, mine.wanted, mine.expires_at = rate, wanted, now + LEASE_TTL
    if pause_until is not None and (mine.paused_until is None or mine.paused_until < pause_until):
        mine.paused_until = pause_until
    await session.flush()
    pauses = [r.paused_until for r in [*others, mine] if r.paused_until and r.paused_until > now]
    return Grant(rate=rate, expires_at=mine.expires_at, paused_until=max(pauses, default=None))


async def release(session: AsyncSession, holder: str, *, now: datetime) -> None:
    """Give the lease up (the process is stopping): its rate is free once held out."""
    await _serialize(session)
    mine = await session.get(RateLease, holder, populate_existing=True)
    if mine is None:
        return
    mine.held, mine.held_until = charged(mine, now), now + HOLD
    mine.granted = 0
    mine.expires_at = now + HOLD
    await session.flush()


async def leases(session: AsyncSession) -> list[RateLease]:
    """Every lease row, expired or not, by holder."""
    stmt = select(RateLease).order_by(RateLease.holder).execution_options(populate_existing=True)
    return list((await session.execute(stmt)).scalars().all())

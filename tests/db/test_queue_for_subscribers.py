"""Queueing an issue for every subscribed channel in bulk, on every backend."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Delivery, GuildSettings
from db.repositories import deliveries, guilds, issues
from db.states import DeliveryStatus

Sessions = async_sessionmaker[AsyncSession]
NEWSLETTER = "This Month in China"


async def _issue_id(sessionmaker: Sessions) -> int:
    data = issues.IssueData(
        newsletter="This Month in China",
        month="2024-01",
        title="January 2024",
        document_json=json.dumps({"month": "2024-01"}),
        content_hash="hash",
        items=[],
    )
    async with sessionmaker.begin() as session:
        issue, _ = await issues.store_issue(session, data)
    return issue.id


async def _subscribe(
    sessionmaker: Sessions, rows: list[tuple[int, int | None, int | None]]
) -> None:
    """(guild, announce channel, ping role) rows, as /setup stores them."""
    async with sessionmaker.begin() as session:
        session.add_all(
            GuildSettings(guild_id=g, announce_channel_id=c, ping_role_id=r) for g, c, r in rows
        )


async def _rows(sessionmaker: Sessions, issue_id: int) -> dict[int, tuple[int, str, int | None]]:
    """channel -> (guild, status, ping role) of the issue's deliveries."""
    async with sessionmaker() as session:
        stmt = select(Delivery).where(Delivery.issue_id == issue_id)
        found = (await session.execute(stmt)).scalars()
        return {d.channel_id: (d.guild_id, d.status, d.ping_role_id) for d in found}


async def test_every_subscribed_channel_is_queued_once_with_its_ping_role(
    sessionmaker: Sessions,
) -> None:
    issue_id = await _issue_id(sessionmaker)
    big = 2**63 - 1  # Discord ids go up to the signed 64-bit limit
    await _subscribe(sessionmaker, [(1, 11, None), (2, 22, 222), (3, None, 333), (big, big, None)])
    async with sessionmaker.begin() as session:
        assert await deliveries.queue_for_subscribers(session, issue_id) == 3
    assert await _rows(sessionmaker, issue_id) == {
        11: (1, DeliveryStatus.QUEUED, None),
        22: (2, DeliveryStatus.QUEUED, 222),
        big: (big, DeliveryStatus.QUEUED, None),
    }
    async with sessionmaker.begin() as session:
        assert await deliveries.queue_for_subscribers(session, issue_id) == 0
    assert len(await _rows(sessionmaker, issue_id)) == 3


async def test_a_new_delivery_looks_like_one_queued_alone(sessionmaker: Sessions) -> None:
    issue_id = await _issue_id(sessionmaker)
    await _subscribe(sessionmaker, [(1, 11, None)])
    async with sessionmaker.begin() as session:
        queued_alone, _ = await deliveries.queue_delivery(
            session, issue_id=issue_id, guild_id=5, channel_id=55
        )
        await deliveries.queue_for_subscribers(session, issue_id)
    async with sessionmaker() as session:
        stmt = select(Delivery).where(Delivery.channel_id == 11)
        bulk = (await session.execute(stmt)).scalar_one()
        alone = await session.get(Delivery, queued_alone.id)
    assert alone is not None
    keep = ("status", "attempts", "revision", "thread_round", "thread_id", "failure_reason")
    assert {k: getattr(bulk, k) for k in keep} == {k: getattr(alone, k) for k in keep}
    assert bulk.created_at.tzinfo is not None and bulk.updated_at >= alone.created_at


async def test_a_failed_delivery_is_queued_again_but_not_one_to_a_former_channel(
    sessionmaker: Sessions,
) -> None:
    issue_id = await _issue_id(sessionmaker)
    await _subscribe(sessionmaker, [(1, 11, None), (2, 22, None)])
    async with sessionmaker.begin() as session:
        await deliveries.queue_for_subscribers(session, issue_id)
        await deliveries.queue_delivery(session, issue_id=issue_id, guild_id=2, channel_id=20)
        for channel in (11, 20):
            stmt = select(Delivery.id).where(Delivery.channel_id == channel)
            delivery_id = (await session.execute(stmt)).scalar_one()
            await deliveries.set_status(
                session, delivery_id, DeliveryStatus.FAILED, reason="missing permissions"
            )
        settings = await session.get(GuildSettings, 1)
        assert settings is not None
        settings.ping_role_id = 111  # changed since the failure: the retry pings it
    async with sessionmaker.begin() as session:
        assert await deliveries.queue_for_subscribers(session, issue_id) == 1
    rows = await _rows(sessionmaker, issue_id)
    assert rows[11] == (1, DeliveryStatus.QUEUED, 111)
    assert rows[20] == (2, DeliveryStatus.FAILED, None)
    assert rows[22] == (2, DeliveryStatus.QUEUED, None)
    async with sessionmaker() as session:
        reason = select(Delivery.failure_reason).where(Delivery.channel_id == 11)
        assert (await session.execute(reason)).scalar_one() is None


async def test_without_subscribers_nothing_is_queued(sessionmaker: Sessions) -> None:
    issue_id = await _issue_id(sessionmaker)
    await _subscribe(sessionmaker, [(1, None, None)])
    async with sessionmaker.begin() as session:
        assert await deliveries.queue_for_subscribers(session, issue_id) == 0
    assert await _rows(sessionmaker, issue_id) == {}


async def _month(sessionmaker: Sessions, month: str, *, published: bool) -> int:
    data = issues.IssueData(
        newsletter=NEWSLETTER,
        month=month,
        title=month,
        document_json=json.dumps({"month": month}),
        content_hash=f"hash {month}",
        items=[],
    )
    async with sessionmaker.begin() as session:
        issue, _ = await issues.store_issue(session, data)
        if published:
            await issues.mark_published(session, issue)
    return issue.id


async def test_a_channel_chosen_while_an_issue_is_published_gets_that_issue(
    sessionmaker: Sessions,
) -> None:
    # /setup announce (with its catch-up) and a publish, each in its own transaction, at
    # the same moment. Unserialized, on PostgreSQL, the publish read the settings before
    # the channel was committed, and /setup read the latest issue before the publish
    # was: the new issue was queued for the channel by neither.
    old = await _month(sessionmaker, "2023-12", published=True)
    new = await _month(sessionmaker, "2024-01", published=False)
    async with sessionmaker() as setup, sessionmaker() as publishing:
        await deliveries.lock_subscriptions(setup)
        await guilds.update_settings(setup, 1, announce_channel_id=11)
        latest = await issues.latest_published(setup, NEWSLETTER)
        assert latest is not None and latest.id == old
        await deliveries.queue_delivery(setup, issue_id=old, guild_id=1, channel_id=11)

        async def publish() -> None:
            issue = await issues.get_issue_by_id(publishing, new)
            assert issue is not None
            await issues.mark_published(publishing, issue)
            await deliveries.queue_for_subscribers(publishing, new)
            await publishing.commit()

        publishing_task = asyncio.create_task(publish())
        await asyncio.sleep(0.2)  # the publish is now waiting for /setup
        await setup.commit()
        await asyncio.wait_for(publishing_task, timeout=10)
    assert 11 in await _rows(sessionmaker, old)
    assert 11 in await _rows(sessionmaker, new)

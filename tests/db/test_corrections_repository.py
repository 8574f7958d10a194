"""Corrections in the repositories: issue revisions and the outbox of edits, on every
backend."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Delivery, DeliveryPart, Issue
from db.repositories import deliveries, issues
from db.states import DeliveryStatus
from tests.db.test_repositories import _issue

Sessions = async_sessionmaker[AsyncSession]
GUILD, CHANNEL, THREAD = 10**17, 10**17 + 1, 10**17 + 2


async def _published_and_delivered(sessionmaker: Sessions) -> tuple[Issue, Delivery]:
    async with sessionmaker.begin() as session:
        issue, _ = await issues.store_issue(session, _issue())
        await issues.mark_published(session, issue)
        delivery, _ = await deliveries.queue_delivery(
            session, issue_id=issue.id, guild_id=GUILD, channel_id=CHANNEL
        )
        for position, key in enumerate(("header", "item:1")):
            await deliveries.record_part_sent(
                session,
                delivery,
                part_key=key,
                position=position,
                message_id=1000 + position,
                content_hash=f"digest-{key}",
            )
        await deliveries.set_thread(session, delivery.id, THREAD)
        await deliveries.set_status(session, delivery.id, DeliveryStatus.DONE)
    return issue, delivery


async def _replace(sessionmaker: Sessions, text: str) -> Issue:
    async with sessionmaker.begin() as session:
        issue, outcome = await issues.store_issue(session, _issue(text=text), replace=True)
    assert outcome == "replaced"
    return issue


async def test_replacing_a_draft_is_no_correction(sessionmaker: Sessions) -> None:
    async with sessionmaker.begin() as session:
        await issues.store_issue(session, _issue())
    issue = await _replace(sessionmaker, "v2")
    assert (issue.revision, issue.corrected_at) == (1, None)


async def test_a_correction_makes_done_deliveries_outdated_until_finished(
    sessionmaker: Sessions,
) -> None:
    _, delivery = await _published_and_delivered(sessionmaker)
    async with sessionmaker() as session:
        assert await deliveries.outdated(session) == []
    issue = await _replace(sessionmaker, "v2")
    assert issue.revision == 2 and issue.corrected_at is not None
    async with sessionmaker() as session:
        assert [d.id for d in await deliveries.outdated(session)] == [delivery.id]
        # Servers on other shards are another process's to correct.
        other = 1 - (GUILD >> 22) % 2
        assert await deliveries.outdated(session, shard_count=2, shard_ids=[other]) == []
    async with sessionmaker.begin() as session:
        await deliveries.finish_correction(session, delivery.id, 2)
    async with sessionmaker() as session:
        assert await deliveries.outdated(session) == []
        parts = await deliveries.sent_parts(session, delivery.id)
    assert {p.revision for p in parts.values()} == {2}


async def test_an_edit_superseded_by_a_later_correction_is_not_marked(
    sessionmaker: Sessions,
) -> None:
    _, delivery = await _published_and_delivered(sessionmaker)
    await _replace(sessionmaker, "v2")
    await _replace(sessionmaker, "v3")
    async with sessionmaker.begin() as session:
        part = (await deliveries.sent_parts(session, delivery.id))["item:1"]
        assert not await deliveries.mark_part_editing(session, part, 2)
        assert await deliveries.mark_part_editing(session, part, 3)
    async with sessionmaker.begin() as session:
        await deliveries.record_part_edited(session, part.id, revision=3, content_hash="new")
    async with sessionmaker() as session:
        stored = await session.get(DeliveryPart, part.id)
    assert stored is not None
    assert (stored.revision, stored.content_hash, stored.editing_revision) == (3, "new", None)


async def test_digests_are_filled_only_where_missing(sessionmaker: Sessions) -> None:
    issue, delivery = await _published_and_delivered(sessionmaker)
    async with sessionmaker.begin() as session:
        await deliveries.record_part_sent(
            session, delivery, part_key="item:2", position=2, message_id=1002
        )
        await deliveries.fill_missing_digests(
            session, issue.id, {"header": "other", "item:2": "digest-item:2"}
        )
    async with sessionmaker() as session:
        parts = await deliveries.sent_parts(session, delivery.id)
    assert {k: p.content_hash for k, p in parts.items()} == {
        "header": "digest-header",
        "item:1": "digest-item:1",
        "item:2": "digest-item:2",
    }


async def test_deleted_messages_are_listed_for_their_server(sessionmaker: Sessions) -> None:
    _, delivery = await _published_and_delivered(sessionmaker)
    async with sessionmaker.begin() as session:
        parts = await deliveries.sent_parts(session, delivery.id)
        await deliveries.mark_message_deleted(session, parts["item:1"].id)
        await deliveries.mark_message_deleted(session, parts["header"].id)
    async with sessionmaker() as session:
        listed = await deliveries.deleted_parts_for_guild(session, GUILD)
        assert await deliveries.deleted_parts_for_guild(session, GUILD + 5) == []
    assert [(d.issue_title, d.part_key, d.where_id) for d in listed] == [
        ("December 2023", "item:1", THREAD),  # newest first
        ("December 2023", "header", CHANNEL),
    ]

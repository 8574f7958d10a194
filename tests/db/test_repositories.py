"""Repository behaviour, on every backend."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import DeliveryPart, GuildSettings, Issue, Item, ItemVote
from db.repositories import deliveries, guilds, issues, votes
from db.types import SNOWFLAKE_MAX

Sessions = async_sessionmaker[AsyncSession]


def _issue(month: str = "2023-12", text: str = "v1", items: int = 3) -> issues.IssueData:
    return issues.IssueData(
        newsletter="This Month in China",
        month=month,
        title="December 2023",
        document_json=json.dumps({"month": month, "text": text}),
        content_hash=f"hash-{month}-{text}",
        items=[
            issues.ItemData(
                number=n,
                title=f"Item {n}",
                body=f"Body {n}.\n\nSecond paragraph.",
                summary=f"Body {n}.",
                take="I like it." if n == 1 else None,
                url=None,
            )
            for n in range(1, items + 1)
        ],
    )


async def test_issue_with_items_round_trips(sessionmaker: Sessions) -> None:
    async with sessionmaker.begin() as session:
        _, outcome = await issues.store_issue(session, _issue())
    assert outcome == "created"
    async with sessionmaker() as session:
        issue = await issues.get_issue(session, "This Month in China", "2023-12", with_items=True)
    assert issue is not None
    assert [i.number for i in issue.items] == [1, 2, 3]
    assert issue.items[0].take == "I like it."
    assert issue.items[1].body == "Body 2.\n\nSecond paragraph."
    assert issue.imported_at.tzinfo is not None


async def test_same_text_is_a_noop_and_changed_text_needs_replace(sessionmaker: Sessions) -> None:
    async with sessionmaker.begin() as session:
        await issues.store_issue(session, _issue())
    async with sessionmaker.begin() as session:
        _, outcome = await issues.store_issue(session, _issue())
    assert outcome == "unchanged"
    with pytest.raises(issues.IssueConflictError):
        async with sessionmaker.begin() as session:
            await issues.store_issue(session, _issue(text="v2", items=5))
    async with sessionmaker.begin() as session:
        _, outcome = await issues.store_issue(session, _issue(text="v2", items=5), replace=True)
    assert outcome == "replaced"
    async with sessionmaker() as session:
        issue = await issues.get_issue(session, "This Month in China", "2023-12", with_items=True)
    assert issue is not None and len(issue.items) == 5


async def test_one_issue_per_month(sessionmaker: Sessions) -> None:
    async with sessionmaker.begin() as session:
        await issues.store_issue(session, _issue())
    with pytest.raises(IntegrityError):
        async with sessionmaker.begin() as session:
            session.add(
                Issue(
                    newsletter="This Month in China",
                    month="2023-12",
                    title="x",
                    document="{}",
                    content_hash="other",
                )
            )


async def test_one_item_per_number(sessionmaker: Sessions) -> None:
    async with sessionmaker.begin() as session:
        issue, _ = await issues.store_issue(session, _issue())
    with pytest.raises(IntegrityError):
        async with sessionmaker.begin() as session:
            session.add(Item(issue_id=issue.id, number=2, title="t", body="b", summary="s"))


async def _delivered_part(sessionmaker: Sessions) -> tuple[int, int]:
    async with sessionmaker.begin() as session:
        issue, _ = await issues.store_issue(session, _issue())
        delivery, created = await deliveries.queue_delivery(
            session, issue_id=issue.id, guild_id=1, channel_id=10
        )
        assert created
        await deliveries.record_part_sent(
            session, delivery, part_key="header", position=0, message_id=99
        )
    return issue.id, delivery.id


async def test_one_delivery_part_per_issue_channel_and_part(sessionmaker: Sessions) -> None:
    issue_id, delivery_id = await _delivered_part(sessionmaker)
    with pytest.raises(IntegrityError):
        async with sessionmaker.begin() as session:
            session.add(
                DeliveryPart(
                    delivery_id=delivery_id,
                    issue_id=issue_id,
                    channel_id=10,
                    part_key="header",
                    position=0,
                    status="sent",
                    message_id=100,
                )
            )


async def test_queueing_twice_returns_the_first_delivery(sessionmaker: Sessions) -> None:
    issue_id, delivery_id = await _delivered_part(sessionmaker)
    async with sessionmaker.begin() as session:
        again, created = await deliveries.queue_delivery(
            session, issue_id=issue_id, guild_id=1, channel_id=10
        )
    assert not created and again.id == delivery_id


async def test_starting_a_thread_over_forgets_its_parts_and_counts_the_round(
    sessionmaker: Sessions,
) -> None:
    _, delivery_id = await _delivered_part(sessionmaker)
    async with sessionmaker.begin() as session:
        delivery = await deliveries.get_delivery(session, delivery_id)
        assert delivery is not None
        await deliveries.set_thread(session, delivery_id, 99)
        await deliveries.record_part_sent(
            session, delivery, part_key="item:1", position=1, message_id=101
        )
    async with sessionmaker.begin() as session:
        kept = await deliveries.start_thread_over(session, delivery_id, header_deleted=False)
        assert (kept.thread_id, kept.thread_round) == (None, 1)
        assert list(await deliveries.sent_parts(session, delivery_id)) == ["header"]
        again = await deliveries.start_thread_over(session, delivery_id, header_deleted=True)
        assert again.thread_round == 2
        assert await deliveries.sent_parts(session, delivery_id) == {}


async def test_one_vote_per_user_per_item(sessionmaker: Sessions) -> None:
    async with sessionmaker.begin() as session:
        issue, _ = await issues.store_issue(session, _issue())
        item = await issues.get_issue(session, issue.newsletter, issue.month, with_items=True)
        assert item is not None
        item_id = item.items[0].id
        assert await votes.cast_vote(session, item_id=item_id, user_id=5, helpful=True)
        assert not await votes.cast_vote(session, item_id=item_id, user_id=5, helpful=False)
        assert await votes.vote_counts(session, item_id) == (0, 1)
    with pytest.raises(IntegrityError):
        async with sessionmaker.begin() as session:
            session.add(ItemVote(item_id=item_id, user_id=5, helpful=True))


async def test_discord_id_above_signed_64_bits_is_refused(sessionmaker: Sessions) -> None:
    with pytest.raises(StatementError, match="does not fit"):
        async with sessionmaker.begin() as session:
            session.add(GuildSettings(guild_id=SNOWFLAKE_MAX + 1))
    async with sessionmaker() as session:
        assert await guilds.get_settings(session, SNOWFLAKE_MAX + 1 - 2**63) is None


async def test_discord_id_near_signed_64_bit_limit_survives(sessionmaker: Sessions) -> None:
    big = SNOWFLAKE_MAX - 7
    async with sessionmaker.begin() as session:
        await guilds.update_settings(session, big, announce_channel_id=big - 1)
    async with sessionmaker() as session:
        settings = await guilds.get_settings(session, big)
    assert settings is not None
    assert settings.guild_id == big and settings.announce_channel_id == big - 1


async def test_unfinished_deliveries_are_split_by_shard(sessionmaker: Sessions) -> None:
    async with sessionmaker.begin() as session:
        issue, _ = await issues.store_issue(session, _issue())
        for shard in range(4):  # Discord puts a guild on shard (id >> 22) % shard_count
            guild_id = (1_000 + shard) << 22
            await deliveries.queue_delivery(
                session, issue_id=issue.id, guild_id=guild_id, channel_id=guild_id + 1
            )
    async with sessionmaker() as session:
        everything = await deliveries.unfinished(session)
        mine = await deliveries.unfinished(session, shard_count=4, shard_ids=[1, 2])
    assert len(everything) == 4
    assert sorted((d.guild_id >> 22) % 4 for d in mine) == [1, 2]


async def test_one_month_imported_twice_at_once_is_stored_once(sessionmaker: Sessions) -> None:
    # The CLI and /issue import at the same moment: neither saw the other's row. The
    # second waits, then is decided as if it had come second, not failed on the key.
    async with sessionmaker() as first, sessionmaker() as second:
        _, first_outcome = await issues.store_issue(first, _issue("2024-02", "v1"))

        async def later(text: str) -> issues.StoreOutcome:
            _, outcome = await issues.store_issue(second, _issue("2024-02", text))
            await second.commit()
            return outcome

        waiting = asyncio.create_task(later("v1"))
        await asyncio.sleep(0.2)  # the second now waits for the first's row
        await first.commit()
        assert (first_outcome, await asyncio.wait_for(waiting, 10)) == ("created", "unchanged")
    async with sessionmaker() as session:
        stored = await issues.get_issue(session, "This Month in China", "2024-02")
        assert stored is not None
        assert sorted(await issues.item_ids(session, stored.id)) == [1, 2, 3]


async def test_one_month_imported_twice_at_once_with_other_text_needs_replace(
    sessionmaker: Sessions,
) -> None:
    async with sessionmaker() as first, sessionmaker() as second:
        await issues.store_issue(first, _issue("2024-03", "v1"))

        async def later() -> None:
            await issues.store_issue(second, _issue("2024-03", "v2"))

        waiting = asyncio.create_task(later())
        await asyncio.sleep(0.2)
        await first.commit()
        with pytest.raises(issues.IssueConflictError, match="--replace"):
            await asyncio.wait_for(waiting, 10)

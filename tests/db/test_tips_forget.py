"""Forget me: afterwards a user's id is in no column of any table."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import BigInteger, Integer, String, Text, cast, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Base, CardCleanup, ItemVote, ReaderPreferences, Tip, TipEvent, TipVote
from db.repositories import guilds, issues, readers, tips, votes
from db.states import DmStatus, TipStatus
from newsletter.tips import TipDraft

Sessions = async_sessionmaker[AsyncSession]

# Large, so that no row id or count equals it by chance.
USER = 987_654_321_987_654_321
AUTHOR, READER, MODERATOR = 1001, 1002, 2001
CHANNEL = 100


async def _submit(
    sessionmaker: Sessions,
    user_id: int,
    headline: str,
    link: str | None = None,
    *,
    anonymous: bool = False,
) -> tips.SubmitOutcome:
    async with sessionmaker.begin() as session:
        return await tips.submit_tip(
            session,
            newsletter="This Month in China",
            guild_id=1,
            user_id=user_id,
            draft=TipDraft(headline=headline, link=link, why="It matters."),
            anonymous=anonymous,
            for_month="2024-03",
            limit_per_hour=20,
        )


async def _tip(
    sessionmaker: Sessions,
    user_id: int,
    headline: str,
    link: str | None = None,
    *,
    anonymous: bool = False,
) -> int:
    outcome = await _submit(sessionmaker, user_id, headline, link, anonymous=anonymous)
    assert isinstance(outcome, tips.Created), outcome
    return outcome.tip.id


async def _decide(
    sessionmaker: Sessions, tip_id: int, status: TipStatus, *, by: int = MODERATOR
) -> None:
    async with sessionmaker.begin() as session:
        tip = await tips.get_tip(session, tip_id)
        assert tip is not None
        decision = await tips.decide_tip(
            session, tip_id, status=status, moderator_id=by, seen_version=tip.version, reason=None
        )
    assert decision.won


async def _post_card(sessionmaker: Sessions, tip_id: int, message_id: int) -> None:
    async with sessionmaker.begin() as session:
        await tips.record_card(
            session, tip_id, channel_id=CHANNEL, message_id=message_id, revision=1
        )


@dataclass
class Seeded:
    pending: int
    rejected: int
    approved: int
    shortlisted: int
    used: int
    voted_for: int
    moderated: int
    others: int


async def _seed(sessionmaker: Sessions) -> Seeded:
    """USER as tipster (named and anonymous), voter, moderator, item voter, with
    preferences; other readers' records beside theirs."""
    async with sessionmaker.begin() as session:
        await guilds.update_settings(session, 1, review_channel_id=CHANNEL)
    pending = await _tip(sessionmaker, USER, "Huawei unveils Mate 60 Pro with a 7nm chip")
    await _post_card(sessionmaker, pending, 5001)
    await _submit(sessionmaker, READER, "Huawei unveils Mate 60 Pro with a 7nm chip")
    rejected = await _tip(sessionmaker, USER, "Typhoon Doksuri brings record rain to Fujian")
    await _post_card(sessionmaker, rejected, 5002)
    await _decide(sessionmaker, rejected, TipStatus.REJECTED)
    withdrawn = await _tip(sessionmaker, USER, "Alibaba to split into six business groups")
    async with sessionmaker.begin() as session:
        assert await tips.withdraw_tip(session, withdrawn, user_id=USER) is not None
    approved = await _tip(
        sessionmaker, USER, "Country Garden misses bond payment deadline", anonymous=True
    )
    await _post_card(sessionmaker, approved, 5003)
    await _decide(sessionmaker, approved, TipStatus.APPROVED)  # its DM is still to send
    await _submit(sessionmaker, READER, "Country Garden misses bond payment deadline")
    shortlisted = await _tip(sessionmaker, USER, "Tencent shares slump after gaming curbs")
    await _decide(sessionmaker, shortlisted, TipStatus.SHORTLISTED)
    used = await _tip(sessionmaker, USER, "Qin Gang removed as foreign minister", anonymous=True)
    await _decide(sessionmaker, used, TipStatus.APPROVED)
    async with sessionmaker.begin() as session:
        await session.execute(update(Tip).where(Tip.id == used).values(status=TipStatus.USED))

    voted_for = await _tip(sessionmaker, AUTHOR, "Li Keqiang dies at 68", "https://a.cn/li")
    await _submit(sessionmaker, USER, "Former premier Li dies", "https://a.cn/li")
    moderated = await _tip(sessionmaker, AUTHOR, "Shanghai lifts two-month lockdown")
    await _decide(sessionmaker, moderated, TipStatus.APPROVED, by=USER)
    others = await _tip(sessionmaker, READER, "Youth unemployment hits record 21.3%")

    async with sessionmaker.begin() as session:
        issue, _ = await issues.store_issue(
            session,
            issues.IssueData(
                newsletter="This Month in China",
                month="2024-02",
                title="February 2024",
                document_json=json.dumps({"month": "2024-02"}),
                content_hash="feb",
                items=[issues.ItemData(1, "Item", "Body.", "Body.", None, None)],
            ),
        )
        item_id = (await issues.item_ids(session, issue.id))[1]
        await votes.cast_vote(session, item_id=item_id, user_id=USER, helpful=True)
        await votes.cast_vote(session, item_id=item_id, user_id=READER, helpful=False)
        await readers.set_dms_enabled(session, USER, False)
        await readers.set_dms_enabled(session, READER, False)
    return Seeded(pending, rejected, approved, shortlisted, used, voted_for, moderated, others)


async def _columns_holding(session: AsyncSession, user_id: int) -> list[str]:
    """Every integer and text column of every table that holds the id somewhere."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            stored = getattr(column.type, "impl", column.type)  # a TypeDecorator's storage
            if isinstance(stored, Integer):
                # As BIGINT: PostgreSQL would take the id as an int4 for an INTEGER column.
                holds = cast(column, BigInteger) == user_id
            elif isinstance(stored, String):  # Text and the enum columns too
                holds = cast(column, Text).contains(str(user_id), autoescape=True)
            else:
                continue
            stmt = select(func.count()).select_from(table).where(holds)
            if (await session.execute(stmt)).scalar_one():
                found.append(f"{table.name}.{column.name}")
    return found


async def test_forgotten_user_is_in_no_column_of_any_table(sessionmaker: Sessions) -> None:
    await _seed(sessionmaker)
    async with sessionmaker() as session:
        before = await _columns_holding(session, USER)
    assert {"tips.user_id", "tips.decided_by", "tip_events.actor_id"} <= set(before)
    assert {"tip_votes.user_id", "item_votes.user_id", "reader_preferences.user_id"} <= set(before)

    async with sessionmaker.begin() as session:
        forgotten = await tips.forget_user(session, USER)

    assert forgotten == tips.Forgotten(deleted=3, anonymized=3, votes=1)
    async with sessionmaker() as session:
        assert await _columns_holding(session, USER) == []


async def test_forgetting_keeps_the_tips_the_newsletter_kept(sessionmaker: Sessions) -> None:
    seeded = await _seed(sessionmaker)
    async with sessionmaker.begin() as session:
        await tips.forget_user(session, USER)

    async with sessionmaker() as session:
        assert await tips.get_tip(session, seeded.pending) is None
        assert await tips.get_tip(session, seeded.rejected) is None
        # Submitted 1, decided 2, (a reader's vote 3,) forgotten: one more.
        approved = await tips.get_tip(session, seeded.approved)
        assert approved is not None and (approved.user_id, approved.card_revision) == (None, 4)
        shortlisted = await tips.get_tip(session, seeded.shortlisted)
        assert shortlisted is not None
        assert (shortlisted.user_id, shortlisted.card_revision) == (None, 3)
        used = await tips.get_tip(session, seeded.used)
        assert used is not None and (used.status, used.user_id) == (TipStatus.USED, None)
        counts = await tips.vote_counts(session, [seeded.approved, seeded.voted_for])
        assert counts == {seeded.approved: 2, seeded.voted_for: 1}
        voted_for = await tips.get_tip(session, seeded.voted_for)
        assert voted_for is not None and voted_for.card_revision == 3  # vote added, removed
        moderated = await tips.get_tip(session, seeded.moderated)
        assert moderated is not None and moderated.decided_by is None
        assert moderated.status == TipStatus.APPROVED and moderated.card_revision == 3
        others = await tips.get_tip(session, seeded.others)
        assert others is not None and others.user_id == READER
        assert not await readers.dms_enabled(session, READER)
        assert list((await session.execute(select(ItemVote.user_id))).scalars()) == [READER]
        # The reader's vote for the kept tip stays; the one for the deleted tip went with it.
        assert (await session.execute(select(func.count(TipVote.id)))).scalar_one() == 1
        assert (await session.execute(select(func.count(ReaderPreferences.user_id)))).scalar_one()


async def test_forgotten_users_posted_cards_are_queued_for_deletion(
    sessionmaker: Sessions,
) -> None:
    await _seed(sessionmaker)
    async with sessionmaker.begin() as session:
        await tips.forget_user(session, USER)
        cleanups = await tips.card_cleanups(session)
    assert sorted((c.channel_id, c.message_id) for c in cleanups) == [
        (CHANNEL, 5001),
        (CHANNEL, 5002),
    ]


async def test_no_dm_goes_to_a_forgotten_author(sessionmaker: Sessions) -> None:
    seeded = await _seed(sessionmaker)
    async with sessionmaker() as session:
        outbox = [(e.action, t.id) for e, t in await tips.dms_to_send(session)]
    assert ("approved", seeded.approved) in outbox

    async with sessionmaker.begin() as session:
        await tips.forget_user(session, USER)
    await _decide(sessionmaker, seeded.approved, TipStatus.SHORTLISTED)  # a later decision

    async with sessionmaker() as session:
        outbox = [(e.action, t.id) for e, t in await tips.dms_to_send(session)]
        events = await tips.tip_events(session, seeded.approved)
    assert all(tip_id != seeded.approved for _, tip_id in outbox)
    assert [e.dm_status for e in events] == [DmStatus.NONE, DmStatus.SKIPPED, DmStatus.SKIPPED]


async def test_forgetting_a_stranger_changes_nothing(sessionmaker: Sessions) -> None:
    await _seed(sessionmaker)
    async with sessionmaker() as session:
        before = [
            (await session.execute(select(func.count()).select_from(m))).scalar_one()
            for m in (Tip, TipEvent, TipVote, ItemVote, ReaderPreferences, CardCleanup)
        ]
    async with sessionmaker.begin() as session:
        assert await tips.forget_user(session, 424242) == tips.Forgotten(0, 0, 0)
    async with sessionmaker() as session:
        after = [
            (await session.execute(select(func.count()).select_from(m))).scalar_one()
            for m in (Tip, TipEvent, TipVote, ItemVote, ReaderPreferences, CardCleanup)
        ]
    assert after == before

"""Tips: submission, duplicates, review decisions, the card and DM outboxes, export."""

from __future__ import annotations

import asyncio
import random
import string
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import CardCleanup, Tip, TipEvent, TipVote
from db.repositories import guilds, readers, tips
from db.states import DmStatus, TipStatus
from newsletter.tips import TipDraft

Sessions = async_sessionmaker[AsyncSession]

NEWSLETTER = "This Month in China"
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
AUTHOR, READER, OTHER, MODERATOR = 1001, 1002, 1003, 2001


async def _submit(
    sessionmaker: Sessions,
    user_id: int,
    headline: str,
    link: str | None = None,
    *,
    guild_id: int = 1,
    newsletter: str = NEWSLETTER,
    limit: int = 10,
    now: datetime | None = None,
) -> tips.SubmitOutcome:
    async with sessionmaker.begin() as session:
        return await tips.submit_tip(
            session,
            newsletter=newsletter,
            guild_id=guild_id,
            user_id=user_id,
            draft=TipDraft(headline=headline, link=link, why=None),
            anonymous=False,
            for_month="2024-03",
            limit_per_hour=limit,
            now=now,
        )


async def _created(
    sessionmaker: Sessions,
    user_id: int,
    headline: str,
    link: str | None = None,
    *,
    guild_id: int = 1,
    limit: int = 10,
    now: datetime | None = None,
) -> Tip:
    outcome = await _submit(
        sessionmaker, user_id, headline, link, guild_id=guild_id, limit=limit, now=now
    )
    assert isinstance(outcome, tips.Created), outcome
    return outcome.tip


async def _count(sessionmaker: Sessions, model: type[object]) -> int:
    async with sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def _tip(sessionmaker: Sessions, tip_id: int) -> Tip:
    async with sessionmaker() as session:
        tip = await tips.get_tip(session, tip_id)
    assert tip is not None
    return tip


async def _decide(
    sessionmaker: Sessions,
    tip_id: int,
    status: TipStatus,
    *,
    seen_version: int = 1,
    moderator_id: int = MODERATOR,
) -> tips.Decision:
    async with sessionmaker.begin() as session:
        return await tips.decide_tip(
            session,
            tip_id,
            status=status,
            moderator_id=moderator_id,
            seen_version=seen_version,
            reason="because",
        )


def _headline(n: int) -> str:
    """A headline of four made-up words of its own, unlike any other n's."""
    rng = random.Random(n)
    return " ".join(
        "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 9)))
        for _ in range(4)
    ).capitalize()


# Submission


async def test_new_tip_is_stored_pending_with_a_submitted_event(sessionmaker: Sessions) -> None:
    outcome = await _submit(
        sessionmaker,
        AUTHOR,
        "China launches Shenzhou-17 crew",
        "https://www.example.com/space?utm_source=x",
        now=T0,
    )
    assert isinstance(outcome, tips.Created)
    tip = await _tip(sessionmaker, outcome.tip.id)
    assert (tip.status, tip.user_id, tip.guild_id) == (TipStatus.PENDING, AUTHOR, 1)
    assert tip.link == "https://www.example.com/space?utm_source=x"
    assert tip.canonical_link == "https://example.com/space"
    assert (tip.version, tip.card_revision, tip.card_posted_revision) == (1, 1, 0)
    assert tip.created_at == T0
    async with sessionmaker() as session:
        events = await tips.tip_events(session, tip.id)
    assert [(e.action, e.actor_id, e.dm_status) for e in events] == [
        ("submitted", AUTHOR, DmStatus.NONE)
    ]


async def test_tip_without_link_has_no_canonical_link(sessionmaker: Sessions) -> None:
    tip = await _created(sessionmaker, AUTHOR, "Huawei unveils Mate 60 Pro")
    assert tip.link is None and tip.canonical_link is None


async def test_tips_and_votes_of_the_last_hour_count_towards_the_limit(
    sessionmaker: Sessions,
) -> None:
    await _created(sessionmaker, OTHER, "Alibaba splits into six groups", now=T0)
    vote = await _submit(sessionmaker, READER, "Alibaba splits into six groups", limit=2, now=T0)
    assert isinstance(vote, tips.Duplicate) and vote.counted
    later = T0 + timedelta(minutes=10)
    await _created(sessionmaker, READER, "Typhoon Doksuri reaches Fujian", limit=2, now=later)
    before = [await _count(sessionmaker, m) for m in (Tip, TipVote, TipEvent)]

    outcome = await _submit(
        sessionmaker, READER, "Country Garden misses a payment", limit=2, now=later
    )

    assert outcome == tips.RateLimited(retry_at=T0 + timedelta(hours=1))
    assert [await _count(sessionmaker, m) for m in (Tip, TipVote, TipEvent)] == before


async def test_rate_limit_window_rolls(sessionmaker: Sessions) -> None:
    await _created(sessionmaker, READER, "Tencent shares slump on gaming curbs", limit=1, now=T0)
    almost = T0 + timedelta(minutes=59)
    outcome = await _submit(
        sessionmaker, READER, "Qin Gang removed as minister", limit=1, now=almost
    )
    assert isinstance(outcome, tips.RateLimited)
    after = T0 + timedelta(hours=1, seconds=1)
    outcome = await _submit(
        sessionmaker, READER, "Qin Gang removed as minister", limit=1, now=after
    )
    assert isinstance(outcome, tips.Created)


async def test_retry_at_tells_the_same_before_a_submission(sessionmaker: Sessions) -> None:
    await _created(sessionmaker, READER, "Tencent shares slump on gaming curbs", now=T0)
    async with sessionmaker() as session:
        assert await tips.retry_at(session, READER, limit=2, now=T0) is None
        assert await tips.retry_at(session, READER, limit=1, now=T0) == T0 + timedelta(hours=1)
        with pytest.raises(ValueError):
            await tips.retry_at(session, READER, limit=0, now=T0)


async def test_same_link_from_another_server_is_a_vote(sessionmaker: Sessions) -> None:
    original = await _created(
        sessionmaker, AUTHOR, "Evergrande ordered to liquidate", link="https://example.com/a/"
    )
    outcome = await _submit(
        sessionmaker,
        READER,
        "Court tells the developer to wind up",
        "http://www.example.com/a?fbclid=1",
        guild_id=2,
    )
    assert isinstance(outcome, tips.Duplicate)
    assert outcome.counted and outcome.original.id == original.id
    assert outcome.original.card_revision == 2
    assert await _count(sessionmaker, Tip) == 1
    async with sessionmaker() as session:
        assert await tips.vote_counts(session, [original.id]) == {original.id: 2}


async def test_same_link_in_another_newsletter_is_a_new_tip(sessionmaker: Sessions) -> None:
    await _created(sessionmaker, AUTHOR, "Evergrande ordered to liquidate", link="https://x.org/a")
    outcome = await _submit(
        sessionmaker, READER, "Evergrande ordered to liquidate", "https://x.org/a", newsletter="B"
    )
    assert isinstance(outcome, tips.Created)


async def test_same_reader_sending_a_tip_twice_counts_once(sessionmaker: Sessions) -> None:
    original = await _created(sessionmaker, AUTHOR, "Chang'e-6 returns far side samples")
    first = await _submit(sessionmaker, READER, "Chang'e-6 returns far side samples")
    second = await _submit(sessionmaker, READER, "Chang'e-6 returns far side samples")
    assert isinstance(first, tips.Duplicate) and first.counted
    assert isinstance(second, tips.Duplicate) and not second.counted
    assert second.original.card_revision == 2
    async with sessionmaker() as session:
        assert await tips.vote_counts(session, [original.id]) == {original.id: 2}


async def test_authors_own_duplicate_is_not_a_vote(sessionmaker: Sessions) -> None:
    original = await _created(sessionmaker, AUTHOR, "Li Keqiang dies at 68", link="https://a.cn/1")
    outcome = await _submit(sessionmaker, AUTHOR, "Former premier dies", "https://a.cn/1")
    assert isinstance(outcome, tips.Duplicate)
    assert outcome.original.id == original.id and not outcome.counted
    assert await _count(sessionmaker, TipVote) == 0
    assert (await _tip(sessionmaker, original.id)).card_revision == 1


async def test_near_identical_headline_is_a_duplicate(sessionmaker: Sessions) -> None:
    await _created(sessionmaker, OTHER, "Flooding hits Hunan province")
    original = await _created(sessionmaker, AUTHOR, "China's population falls for second year")
    outcome = await _submit(
        sessionmaker, READER, "Chinese population falls for the second year", "https://b.cn/x"
    )
    assert isinstance(outcome, tips.Duplicate)
    assert outcome.original.id == original.id and outcome.counted


async def test_similar_headline_of_another_story_is_a_new_tip(sessionmaker: Sessions) -> None:
    await _created(sessionmaker, AUTHOR, "Record floods hit Guangdong province")
    outcome = await _submit(sessionmaker, READER, "Record floods hit Hunan province")
    assert isinstance(outcome, tips.Created)


async def test_withdrawn_tip_is_not_a_duplicate(sessionmaker: Sessions) -> None:
    original = await _created(sessionmaker, AUTHOR, "Huawei unveils Mate 60", link="https://h.cn")
    async with sessionmaker.begin() as session:
        assert await tips.withdraw_tip(session, original.id, user_id=AUTHOR) is not None
    outcome = await _submit(sessionmaker, READER, "Huawei unveils Mate 60", "https://h.cn")
    assert isinstance(outcome, tips.Created)


async def test_vote_counts_cover_every_tip_asked(sessionmaker: Sessions) -> None:
    voted = await _created(sessionmaker, AUTHOR, _headline(1))
    alone = await _created(sessionmaker, AUTHOR, _headline(2))
    await _submit(sessionmaker, READER, _headline(1))
    await _submit(sessionmaker, OTHER, _headline(1))
    async with sessionmaker() as session:
        counts = await tips.vote_counts(session, [voted.id, alone.id])
    assert counts == {voted.id: 3, alone.id: 1}


# Submissions at once


async def test_concurrent_submissions_respect_the_limit(sessionmaker: Sessions) -> None:
    readers_, per_reader, limit = 50, 4, 3
    jobs = [
        (5000 + r, _headline(r * per_reader + k), f"https://news.example/{r}/{k}")
        for k in range(per_reader)
        for r in range(readers_)
    ]
    outcomes = await asyncio.gather(
        *(_submit(sessionmaker, user, headline, link, limit=limit) for user, headline, link in jobs)
    )

    created = [o.tip for o in outcomes if isinstance(o, tips.Created)]
    assert all(isinstance(o, tips.Created | tips.RateLimited) for o in outcomes), outcomes
    accepted: dict[int, int] = {}
    for tip in created:
        assert tip.user_id is not None
        accepted[tip.user_id] = accepted.get(tip.user_id, 0) + 1
    assert accepted == {5000 + r: limit for r in range(readers_)}
    async with sessionmaker() as session:
        stored = list((await session.execute(select(Tip.id))).scalars())
    assert sorted(stored) == sorted(t.id for t in created)


async def test_concurrent_same_link_makes_one_tip_and_votes(sessionmaker: Sessions) -> None:
    outcomes = await asyncio.gather(
        *(
            _submit(sessionmaker, 6000 + r, _headline(r), "https://same.example/story")
            for r in range(20)
        )
    )
    created = [o for o in outcomes if isinstance(o, tips.Created)]
    duplicates = [o for o in outcomes if isinstance(o, tips.Duplicate)]
    assert len(created) == 1 and len(duplicates) == 19
    assert all(d.counted and d.original.id == created[0].tip.id for d in duplicates)
    tip = await _tip(sessionmaker, created[0].tip.id)
    assert tip.card_revision == 20
    async with sessionmaker() as session:
        assert await tips.vote_counts(session, [tip.id]) == {tip.id: 20}


# Review decisions


async def test_of_two_moderators_deciding_at_once_the_first_wins(sessionmaker: Sessions) -> None:
    tip = await _created(sessionmaker, AUTHOR, _headline(1))
    first, second = await asyncio.gather(
        _decide(sessionmaker, tip.id, TipStatus.APPROVED, moderator_id=7),
        _decide(sessionmaker, tip.id, TipStatus.REJECTED, moderator_id=8),
    )
    assert [first.won, second.won].count(True) == 1
    winner, loser = (first, second) if first.won else (second, first)
    assert (loser.tip.status, loser.tip.decided_by) == (winner.tip.status, winner.tip.decided_by)
    assert loser.tip.version == winner.tip.version == 2
    async with sessionmaker() as session:
        events = await tips.tip_events(session, tip.id)
    assert [e.action for e in events] == ["submitted", winner.tip.status.value]


async def test_decision_on_a_stale_version_changes_nothing(sessionmaker: Sessions) -> None:
    tip = await _created(sessionmaker, AUTHOR, _headline(1))
    first = await _decide(sessionmaker, tip.id, TipStatus.SHORTLISTED, moderator_id=7)
    stale = await _decide(sessionmaker, tip.id, TipStatus.REJECTED, moderator_id=8)
    assert first.won and not stale.won
    assert (stale.tip.status, stale.tip.decided_by) == (TipStatus.SHORTLISTED, 7)
    assert (stale.tip.version, stale.tip.card_revision) == (2, 2)
    async with sessionmaker() as session:
        assert len(await tips.tip_events(session, tip.id)) == 2


async def test_revised_decision_keeps_both_events(sessionmaker: Sessions) -> None:
    tip = await _created(sessionmaker, AUTHOR, _headline(1))
    await _decide(sessionmaker, tip.id, TipStatus.APPROVED)
    revised = await _decide(sessionmaker, tip.id, TipStatus.REJECTED, seen_version=2)
    assert revised.won
    assert (revised.tip.status, revised.tip.version, revised.tip.card_revision) == (
        TipStatus.REJECTED,
        3,
        3,
    )
    async with sessionmaker() as session:
        events = await tips.tip_events(session, tip.id)
    assert [(e.action, e.dm_status) for e in events] == [
        ("submitted", DmStatus.NONE),
        ("approved", DmStatus.PENDING),
        ("rejected", DmStatus.PENDING),
    ]


async def test_decision_on_a_missing_tip_raises(sessionmaker: Sessions) -> None:
    with pytest.raises(LookupError):
        await _decide(sessionmaker, 404, TipStatus.APPROVED)


async def test_pending_is_not_a_decision(sessionmaker: Sessions) -> None:
    tip = await _created(sessionmaker, AUTHOR, _headline(1))
    with pytest.raises(ValueError):
        await _decide(sessionmaker, tip.id, TipStatus.PENDING)


async def test_withdrawn_tip_cannot_be_decided(sessionmaker: Sessions) -> None:
    tip = await _created(sessionmaker, AUTHOR, _headline(1))
    async with sessionmaker.begin() as session:
        await tips.withdraw_tip(session, tip.id, user_id=AUTHOR)
    decision = await _decide(sessionmaker, tip.id, TipStatus.APPROVED, seen_version=2)
    assert not decision.won and decision.tip.status == TipStatus.WITHDRAWN


async def test_reader_withdraws_only_their_own_pending_tip(sessionmaker: Sessions) -> None:
    tip = await _created(sessionmaker, AUTHOR, _headline(1))
    decided = await _created(sessionmaker, AUTHOR, _headline(2))
    await _decide(sessionmaker, decided.id, TipStatus.APPROVED)
    async with sessionmaker.begin() as session:
        assert await tips.withdraw_tip(session, tip.id, user_id=READER) is None
        assert await tips.withdraw_tip(session, decided.id, user_id=AUTHOR) is None
        withdrawn = await tips.withdraw_tip(session, tip.id, user_id=AUTHOR)
        assert await tips.withdraw_tip(session, tip.id, user_id=AUTHOR) is None
    assert withdrawn is not None
    assert (withdrawn.status, withdrawn.version, withdrawn.card_revision) == (
        TipStatus.WITHDRAWN,
        2,
        2,
    )
    async with sessionmaker() as session:
        events = await tips.tip_events(session, tip.id)
    assert [(e.action, e.actor_id) for e in events][-1] == ("withdrawn", AUTHOR)


async def test_pending_queue_goes_oldest_first_and_counts(sessionmaker: Sessions) -> None:
    a, b, c = [await _created(sessionmaker, AUTHOR, _headline(n)) for n in range(3)]
    await _created(sessionmaker, AUTHOR, _headline(3), guild_id=2)
    await _decide(sessionmaker, b.id, TipStatus.APPROVED)
    async with sessionmaker() as session:
        first = await tips.pending_queue(session, 1)
        second = await tips.pending_queue(session, 1, after_id=a.id)
        past = await tips.pending_queue(session, 1, after_id=c.id)
    assert (first[0] and first[0].id, first[1]) == (a.id, 2)
    assert (second[0] and second[0].id, second[1]) == (c.id, 2)
    assert past == (None, 2)
    async with sessionmaker() as session:
        assert await tips.pending_count(session, 1) == 2


async def test_user_tips_newest_first(sessionmaker: Sessions) -> None:
    ids = [(await _created(sessionmaker, AUTHOR, _headline(n))).id for n in range(3)]
    await _created(sessionmaker, READER, _headline(9))
    async with sessionmaker() as session:
        mine = await tips.user_tips(session, AUTHOR, limit=2)
    assert [t.id for t in mine] == ids[::-1][:2]


# The review card outbox


async def _review_channel(sessionmaker: Sessions, guild_id: int, channel_id: int) -> None:
    async with sessionmaker.begin() as session:
        await guilds.update_settings(session, guild_id, review_channel_id=channel_id)


async def test_cards_are_posted_again_in_a_new_review_channel(sessionmaker: Sessions) -> None:
    await _review_channel(sessionmaker, 1, 100)
    tip = await _created(sessionmaker, AUTHOR, _headline(1))
    decided = await _created(sessionmaker, AUTHOR, _headline(2))
    await _decide(sessionmaker, decided.id, TipStatus.REJECTED)
    await _created(sessionmaker, AUTHOR, _headline(3), guild_id=2)  # no review channel
    async with sessionmaker.begin() as session:
        assert [(t.id, c) for t, c in await tips.cards_to_post(session)] == [(tip.id, 100)]
        await tips.record_card(session, tip.id, channel_id=100, message_id=1000, revision=1)
        assert await tips.cards_to_post(session) == []

    await _review_channel(sessionmaker, 1, 200)
    async with sessionmaker.begin() as session:
        assert [(t.id, c) for t, c in await tips.cards_to_post(session)] == [(tip.id, 200)]
        await tips.record_card(session, tip.id, channel_id=200, message_id=2000, revision=1)
        assert await tips.cards_to_post(session) == []
        cleanups = await tips.card_cleanups(session)
    assert [(c.channel_id, c.message_id) for c in cleanups] == [(100, 1000)]
    stored = await _tip(sessionmaker, tip.id)
    assert (stored.review_channel_id, stored.review_message_id) == (200, 2000)


async def test_deleted_card_of_a_pending_tip_is_posted_again(sessionmaker: Sessions) -> None:
    await _review_channel(sessionmaker, 1, 100)
    tip = await _created(sessionmaker, AUTHOR, _headline(1))
    async with sessionmaker.begin() as session:
        await tips.record_card(session, tip.id, channel_id=100, message_id=1000, revision=1)
        await tips.forget_card(session, tip.id, message_id=999)  # not its card: kept
        assert await tips.cards_to_post(session) == []
        await tips.forget_card(session, tip.id)
        assert [t.id for t, _ in await tips.cards_to_post(session)] == [tip.id]
    stored = await _tip(sessionmaker, tip.id)
    assert (stored.review_channel_id, stored.review_message_id) == (None, None)


async def test_changed_tips_cards_are_edited(sessionmaker: Sessions) -> None:
    await _review_channel(sessionmaker, 1, 100)
    tip = await _created(sessionmaker, AUTHOR, _headline(1))
    unposted = await _created(sessionmaker, AUTHOR, _headline(2))
    async with sessionmaker.begin() as session:
        await tips.record_card(session, tip.id, channel_id=100, message_id=1000, revision=1)
        assert await tips.cards_to_edit(session) == []
    await _decide(sessionmaker, tip.id, TipStatus.APPROVED)
    await _decide(sessionmaker, unposted.id, TipStatus.APPROVED)
    async with sessionmaker.begin() as session:
        assert [t.id for t in await tips.cards_to_edit(session)] == [tip.id]
        await tips.record_card_shown(session, tip.id, 2)
        await tips.record_card_shown(session, tip.id, 1)  # a late, older edit
        assert await tips.cards_to_edit(session) == []
    assert (await _tip(sessionmaker, tip.id)).card_posted_revision == 2


async def test_card_posted_for_a_deleted_tip_is_queued_for_deletion(
    sessionmaker: Sessions,
) -> None:
    async with sessionmaker.begin() as session:
        await tips.record_card(session, 404, channel_id=100, message_id=1000, revision=1)
        cleanups = await tips.card_cleanups(session)
        assert [(c.channel_id, c.message_id) for c in cleanups] == [(100, 1000)]
        await tips.done_cleanup(session, cleanups[0].id)
    assert await _count(sessionmaker, CardCleanup) == 0


async def test_review_failure_is_recorded_and_cleared(sessionmaker: Sessions) -> None:
    await _review_channel(sessionmaker, 1, 100)

    async def failure() -> str | None:
        async with sessionmaker() as session:
            settings = await guilds.get_settings(session, 1)
        assert settings is not None
        return settings.review_failure

    async with sessionmaker.begin() as session:
        await tips.set_review_failure(session, 1, "Missing Access")
    assert await failure() == "Missing Access"
    async with sessionmaker.begin() as session:
        await tips.set_review_failure(session, 1, None)
    assert await failure() is None


# The DM outbox


async def test_decisions_wait_in_the_dm_outbox_until_sent(sessionmaker: Sessions) -> None:
    tip = await _created(sessionmaker, AUTHOR, _headline(1))
    other = await _created(sessionmaker, READER, _headline(2))
    await _decide(sessionmaker, tip.id, TipStatus.APPROVED)
    await _decide(sessionmaker, other.id, TipStatus.REJECTED)
    async with sessionmaker.begin() as session:
        outbox = await tips.dms_to_send(session)
        assert [(e.action, t.id) for e, t in outbox] == [
            ("approved", tip.id),
            ("rejected", other.id),
        ]
        await tips.set_dm_status(session, outbox[0][0].id, DmStatus.SENT)
        await tips.set_dm_status(session, outbox[1][0].id, DmStatus.FAILED)
    async with sessionmaker() as session:
        assert await tips.dms_to_send(session) == []


async def test_dms_are_enabled_until_the_reader_turns_them_off(sessionmaker: Sessions) -> None:
    async with sessionmaker.begin() as session:
        assert await readers.dms_enabled(session, READER)
        await readers.set_dms_enabled(session, READER, False)
        assert not await readers.dms_enabled(session, READER)
        await readers.set_dms_enabled(session, READER, True)
        assert await readers.dms_enabled(session, READER)
        assert await readers.dms_enabled(session, OTHER)


# Export


async def test_stream_tips_filters_and_counts_votes(
    sessionmaker: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tips, "PAGE_SIZE", 2)  # several pages from a few tips
    old = await _created(sessionmaker, AUTHOR, _headline(0), now=T0 - timedelta(days=40))
    made = [await _created(sessionmaker, AUTHOR, _headline(n), now=T0) for n in range(1, 5)]
    elsewhere = await _created(sessionmaker, AUTHOR, _headline(5), guild_id=2, now=T0)
    await _submit(sessionmaker, READER, _headline(1), now=T0)
    await _decide(sessionmaker, made[1].id, TipStatus.APPROVED)

    async def export(
        guild_id: int | None = None,
        status: TipStatus | None = None,
        since: datetime | None = None,
    ) -> list[tuple[int, int]]:
        async with sessionmaker() as session:
            stream = tips.stream_tips(session, guild_id=guild_id, status=status, since=since)
            return [(tip.id, count) async for tip, count in stream]

    everything = [(old.id, 1), *((t.id, 1) for t in made), (elsewhere.id, 1)]
    everything[1] = (made[0].id, 2)
    assert await export() == everything
    assert await export(guild_id=2) == [(elsewhere.id, 1)]
    assert await export(status=TipStatus.APPROVED) == [(made[1].id, 1)]
    assert await export(guild_id=1, since=T0 - timedelta(days=1)) == everything[1:-1]

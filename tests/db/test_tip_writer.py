"""The tip writers (db/tip_writer.py): submit_tip's rules, on a connection of their own.

Every test runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL, against the writer
the bot uses for that database; what they store is read back through the ORM.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import string
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.models import Tip, TipEvent, TipVote
from db.query_runner import open_query_runner
from db.repositories import tips
from db.states import TipStatus
from db.tip_writer import (
    PostgresTipWriter,
    SessionTipWriter,
    SqliteTipWriter,
    Submission,
    TipWriter,
    hourly_retry_at,
    open_tip_writer,
)
from newsletter.tips import TipDraft

Sessions = async_sessionmaker[AsyncSession]

NEWSLETTER = "This Month in China"
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
AUTHOR, READER, OTHER = 1001, 1002, 1003


def _submission(
    user_id: int,
    headline: str,
    link: str | None = None,
    *,
    guild_id: int = 1,
    newsletter: str = NEWSLETTER,
    limit: int = 10,
    now: datetime = T0,
    why: str | None = None,
    anonymous: bool = False,
) -> Submission:
    return Submission(
        newsletter=newsletter,
        guild_id=guild_id,
        user_id=user_id,
        draft=TipDraft(headline=headline, link=link, why=why),
        anonymous=anonymous,
        for_month="2024-03",
        limit_per_hour=limit,
        now=now,
    )


def _headline(n: int) -> str:
    """Four made-up words of its own, unlike any other n's."""
    rng = random.Random(f"writer:{n}")
    return " ".join(
        "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 9)))
        for _ in range(4)
    ).capitalize()


def _writer(sessionmaker: Sessions, newsletter: str = NEWSLETTER) -> TipWriter:
    writer = open_tip_writer(sessionmaker, tips.HeadlineIndex(newsletter))
    # The bot's writer for a database on disk or a server: never the session fallback.
    assert isinstance(writer, SqliteTipWriter | PostgresTipWriter), writer
    return writer


@pytest.fixture
async def writer(sessionmaker: Sessions) -> AsyncIterator[TipWriter]:
    writer = _writer(sessionmaker)
    yield writer
    await writer.close()


def _dialect(sessionmaker: Sessions) -> str:
    return str(sessionmaker.kw["bind"].dialect.name)


async def _stored(sessionmaker: Sessions, tip_id: int) -> Tip:
    async with sessionmaker() as session:
        tip = await tips.get_tip(session, tip_id)
    assert tip is not None
    return tip


async def _count(sessionmaker: Sessions, model: type[object]) -> int:
    async with sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


def _columns(tip: Tip) -> dict[str, Any]:
    return {column.key: getattr(tip, column.key) for column in Tip.__table__.columns}


async def _created(writer: TipWriter, submission: Submission) -> Tip:
    outcome = await writer.submit(submission)
    assert isinstance(outcome, tips.Created), outcome
    return outcome.tip


# What is stored, and what the writer says it stored


async def test_a_new_tip_is_stored_as_the_writer_reports_it(
    sessionmaker: Sessions, writer: TipWriter
) -> None:
    tip = await _created(
        writer,
        _submission(
            AUTHOR,
            "Shanghai opens Asia's largest vertical farm",
            "https://WWW.Example.com/farm/?utm_source=x#top",
            guild_id=2**63 - 1,
            why="Food security, in one line.",
            anonymous=True,
        ),
    )
    stored = await _stored(sessionmaker, tip.id)
    assert _columns(tip) == _columns(stored)
    assert stored.canonical_link == "https://example.com/farm"
    assert stored.status is TipStatus.PENDING and stored.created_at == T0
    assert stored.anonymous is True and stored.guild_id == 2**63 - 1
    async with sessionmaker() as session:
        events = (await session.execute(select(TipEvent))).scalars().all()
    assert [(e.tip_id, e.actor_id, e.action, e.created_at) for e in events] == [
        (tip.id, AUTHOR, "submitted", T0)
    ]


async def test_hostile_text_is_stored_exactly_as_given(
    sessionmaker: Sessions, writer: TipWriter
) -> None:
    headline = "Robert'); DROP TABLE tips;-- :user_id $1 ? %s"
    why = '<@&123> @everyone [x](javascript:alert(1)) =HYPERLINK("x") 漢字 \u202e'
    tip = await _created(writer, _submission(AUTHOR, headline, why=why))
    stored = await _stored(sessionmaker, tip.id)
    assert (stored.headline, stored.why) == (headline, why)
    assert await _count(sessionmaker, Tip) == 1


def test_a_submission_refuses_what_a_session_would_refuse() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        _submission(AUTHOR, _headline(1), limit=0)
    with pytest.raises(ValueError, match="64-bit"):
        _submission(AUTHOR, _headline(1), guild_id=2**63)
    with pytest.raises(ValueError, match="64-bit"):
        _submission(-1, _headline(1))
    with pytest.raises(TypeError, match="must be an int"):
        _submission("1001", _headline(1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be an int"):
        _submission(True, _headline(1))  # a bool is an int to Python, not a Discord id
    with pytest.raises(ValueError, match="timezone-aware"):
        _submission(AUTHOR, _headline(1), now=datetime(2024, 3, 1, 12, 0))


# The rate limit


async def test_tips_and_votes_of_the_last_hour_count_and_the_window_rolls(
    sessionmaker: Sessions, writer: TipWriter
) -> None:
    await _created(writer, _submission(OTHER, "Alibaba splits into six groups", now=T0))
    vote = await writer.submit(_submission(READER, "Alibaba splits into six groups", limit=2))
    assert isinstance(vote, tips.Duplicate) and vote.counted
    later = T0 + timedelta(minutes=10)
    await _created(
        writer, _submission(READER, "Typhoon Doksuri reaches Fujian", limit=2, now=later)
    )
    before = [await _count(sessionmaker, m) for m in (Tip, TipVote, TipEvent)]

    refused = await writer.submit(
        _submission(READER, "Country Garden misses a payment", limit=2, now=later)
    )
    assert refused == tips.RateLimited(retry_at=T0 + timedelta(hours=1))
    assert [await _count(sessionmaker, m) for m in (Tip, TipVote, TipEvent)] == before
    almost = T0 + timedelta(minutes=59, seconds=59)
    still = await writer.submit(_submission(READER, _headline(1), limit=2, now=almost))
    assert isinstance(still, tips.RateLimited)
    after = T0 + timedelta(hours=1, microseconds=1)
    await _created(
        writer, _submission(READER, "Country Garden misses a payment", limit=2, now=after)
    )


async def test_the_hint_before_the_form_agrees_with_retry_at(
    sessionmaker: Sessions, writer: TipWriter
) -> None:
    queries = open_query_runner(sessionmaker)
    try:
        assert await hourly_retry_at(queries, READER, limit=1, now=T0) is None
        await _created(writer, _submission(AUTHOR, "Tencent shares slump on gaming curbs"))
        await writer.submit(_submission(READER, "Tencent shares slump on gaming curbs"))
        await _created(writer, _submission(READER, _headline(2), now=T0 + timedelta(minutes=5)))
        async with sessionmaker() as session:
            for limit in (1, 2, 3):
                for now in (T0, T0 + timedelta(minutes=30), T0 + timedelta(hours=1)):
                    expected = await tips.retry_at(session, READER, limit=limit, now=now)
                    hint = await hourly_retry_at(queries, READER, limit=limit, now=now)
                    assert hint == expected, (limit, now)
        # A vote at T0 and a tip at T0 + 5 min: the second of two waits for the first to age.
        half_past = T0 + timedelta(minutes=30)
        assert await hourly_retry_at(queries, READER, limit=2, now=half_past) == T0 + timedelta(
            hours=1
        )
        assert await hourly_retry_at(queries, READER, limit=3, now=half_past) is None
        with pytest.raises(ValueError, match="at least 1"):
            await hourly_retry_at(queries, READER, limit=0)
    finally:
        await queries.close()


# Duplicates


async def test_the_same_link_from_another_server_is_a_vote_with_its_count(
    sessionmaker: Sessions, writer: TipWriter
) -> None:
    original = await _created(
        writer, _submission(AUTHOR, "Evergrande ordered to liquidate", "https://example.com/a/")
    )
    outcome = await writer.submit(
        _submission(
            READER, "Court orders Evergrande wound up", "http://www.example.com/a", guild_id=2
        )
    )
    assert isinstance(outcome, tips.Duplicate) and outcome.counted
    assert outcome.original.id == original.id and outcome.votes == 2
    assert _columns(outcome.original) == _columns(await _stored(sessionmaker, original.id))
    assert outcome.original.card_revision == 2  # the card shows the count

    again = await writer.submit(
        _submission(READER, "Evergrande liquidation", "https://example.com/a")
    )
    own = await writer.submit(_submission(AUTHOR, "Evergrande, again", "https://example.com/a"))
    for repeat in (again, own):
        assert isinstance(repeat, tips.Duplicate) and not repeat.counted and repeat.votes == 2
    assert await _count(sessionmaker, Tip) == 1 and await _count(sessionmaker, TipVote) == 1


async def test_the_same_link_in_another_newsletter_is_a_new_tip(sessionmaker: Sessions) -> None:
    first, second = _writer(sessionmaker, "A"), _writer(sessionmaker, "B")
    try:
        await _created(first, _submission(AUTHOR, _headline(1), "https://x.org/a", newsletter="A"))
        await _created(second, _submission(READER, _headline(1), "https://x.org/a", newsletter="B"))
    finally:
        await first.close()
        await second.close()


async def test_near_identical_headlines_are_duplicates_and_other_stories_are_not(
    sessionmaker: Sessions, writer: TipWriter
) -> None:
    await _created(writer, _submission(OTHER, "Flooding hits Hunan province"))
    original = await _created(
        writer, _submission(AUTHOR, "China's population falls for second year")
    )
    await _created(writer, _submission(AUTHOR, "Record floods hit Guangdong province"))

    same = await writer.submit(
        _submission(READER, "Chinese population falls for the second year", "https://b.cn/x")
    )
    assert isinstance(same, tips.Duplicate) and same.original.id == original.id
    other = await writer.submit(_submission(READER, "Record floods hit Hunan province"))
    assert isinstance(other, tips.Created)


async def test_a_tip_withdrawn_after_the_index_saw_it_is_no_duplicate(
    sessionmaker: Sessions, writer: TipWriter
) -> None:
    original = await _created(writer, _submission(AUTHOR, "Huawei unveils Mate 60", "https://h.cn"))
    async with sessionmaker.begin() as session:
        assert await tips.withdraw_tip(session, original.id, user_id=AUTHOR) is not None
    by_link = await writer.submit(_submission(READER, "Huawei unveils Mate 60", "https://h.cn"))
    assert isinstance(by_link, tips.Created)
    async with sessionmaker.begin() as session:
        await tips.withdraw_tip(session, by_link.tip.id, user_id=READER)
    by_headline = await writer.submit(_submission(OTHER, "Huawei unveils the Mate 60"))
    assert isinstance(by_headline, tips.Created)


async def test_tips_stored_elsewhere_after_the_index_was_read_are_found(
    sessionmaker: Sessions, writer: TipWriter
) -> None:
    await _created(writer, _submission(AUTHOR, _headline(1)))  # the index is warm now
    async with sessionmaker.begin() as session:  # another process, through a session
        elsewhere = await tips.submit_tip(
            session,
            newsletter=NEWSLETTER,
            guild_id=9,
            user_id=OTHER,
            draft=TipDraft(headline="Beijing lifts its cap on car plates", link=None, why=None),
            anonymous=False,
            for_month="2024-03",
            limit_per_hour=10,
            now=T0,
        )
    assert isinstance(elsewhere, tips.Created)
    outcome = await writer.submit(_submission(READER, "Beijing lifts cap on car plates"))
    assert isinstance(outcome, tips.Duplicate) and outcome.original.id == elsewhere.tip.id


# The same decisions as submit_tip


async def _decisions(submit: Any, sessionmaker: Sessions) -> list[tuple[object, ...]]:
    """A mixed run of 120 submissions, each outcome with tips numbered by first sight."""
    rng = random.Random("tip-writer-decisions")
    stories = [(_headline(n), f"https://news.example/{n}" if n % 2 else None) for n in range(30)]
    numbers: dict[int, int] = {}
    decided: list[tuple[object, ...]] = []
    for step in range(120):
        headline, link = rng.choice(stories)
        if rng.random() < 0.3:  # reworded: a near-identical headline, or only the link
            headline = headline.upper() + "!" if rng.random() < 0.5 else _headline(1000 + step)
        now = T0 + timedelta(minutes=3 * step)
        outcome = await submit(
            _submission(
                2000 + rng.randrange(6),
                headline,
                link,
                guild_id=rng.randrange(1, 4),
                limit=4,
                now=now,
            )
        )
        if isinstance(outcome, tips.RateLimited):
            decided.append(("limited", outcome.retry_at))
        elif isinstance(outcome, tips.Created):
            numbers[outcome.tip.id] = len(numbers)
            decided.append(("created", numbers[outcome.tip.id]))
        else:
            original = outcome.original
            decided.append(
                (
                    "vote",
                    numbers[original.id],
                    outcome.counted,
                    outcome.votes,
                    original.card_revision,
                )
            )
    async with sessionmaker() as session:
        counts = [
            (await session.execute(select(func.count()).select_from(model))).scalar_one()
            for model in (Tip, TipVote, TipEvent)
        ]
    return [*decided, ("stored", *counts)]


async def test_the_writer_decides_every_submission_as_submit_tip_does(
    sessionmaker: Sessions,
) -> None:
    # submit_tip in a session: the reference every writer must agree with.
    reference = SessionTipWriter(sessionmaker, tips.HeadlineIndex(NEWSLETTER))
    expected = await _decisions(reference.submit, sessionmaker)
    async with sessionmaker.begin() as session:
        for model in (TipEvent, TipVote, Tip):
            await session.execute(delete(model))
    writer = _writer(sessionmaker)
    try:
        got = await _decisions(writer.submit, sessionmaker)
    finally:
        await writer.close()
    kinds = {entry[0] for entry in expected}
    assert kinds == {"created", "vote", "limited", "stored"}  # the run covers every path
    assert got == expected


# Submissions at once


async def test_two_processes_and_a_session_at_once_keep_the_limit_exactly(
    sessionmaker: Sessions,
) -> None:
    """200 tips of 50 readers through two writers (as two processes would have) and
    submit_tip in sessions, all at once."""
    readers, per_reader, limit = 50, 4, 3
    writers = [_writer(sessionmaker), _writer(sessionmaker)]

    async def send(n: int, user_id: int, headline: str, link: str) -> tips.SubmitOutcome:
        submission = _submission(user_id, headline, link, limit=limit, now=datetime.now(UTC))
        if n % 3 < 2:
            return await writers[n % 3].submit(submission)
        async with sessionmaker.begin() as session:
            return await tips.submit_tip(
                session,
                newsletter=NEWSLETTER,
                guild_id=1,
                user_id=user_id,
                draft=submission.draft,
                anonymous=False,
                for_month="2024-03",
                limit_per_hour=limit,
                now=submission.now,
            )

    jobs = [
        (5000 + r, _headline(r * per_reader + k), f"https://news.example/{r}/{k}")
        for k in range(per_reader)
        for r in range(readers)
    ]
    try:
        outcomes = await asyncio.gather(*(send(n, *job) for n, job in enumerate(jobs)))
    finally:
        for writer in writers:
            await writer.close()
    created = [o.tip for o in outcomes if isinstance(o, tips.Created)]
    assert all(isinstance(o, tips.Created | tips.RateLimited) for o in outcomes), outcomes
    accepted: dict[int | None, int] = {}
    for tip in created:
        accepted[tip.user_id] = accepted.get(tip.user_id, 0) + 1
    assert accepted == {5000 + r: limit for r in range(readers)}
    async with sessionmaker() as session:
        stored = list((await session.execute(select(Tip.id))).scalars())
        events = list((await session.execute(select(TipEvent.tip_id))).scalars())
    assert sorted(stored) == sorted(t.id for t in created) == sorted(events)


async def test_the_same_link_at_once_makes_one_tip_and_every_other_a_vote(
    sessionmaker: Sessions,
) -> None:
    writers = [_writer(sessionmaker), _writer(sessionmaker)]
    try:
        outcomes = await asyncio.gather(
            *(
                writers[r % 2].submit(_submission(6000 + r, _headline(r), "https://same.example/s"))
                for r in range(20)
            )
        )
    finally:
        for writer in writers:
            await writer.close()
    created = [o for o in outcomes if isinstance(o, tips.Created)]
    duplicates = [o for o in outcomes if isinstance(o, tips.Duplicate)]
    assert len(created) == 1 and len(duplicates) == 19
    assert all(d.counted and d.original.id == created[0].tip.id for d in duplicates)
    assert sorted(d.votes for d in duplicates) == list(range(2, 21))
    assert (await _stored(sessionmaker, created[0].tip.id)).card_revision == 20


# Failures


async def test_a_busy_sqlite_database_fails_cleanly_and_the_writer_goes_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "busy.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate.upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    writer = SqliteTipWriter(str(path), tips.HeadlineIndex(NEWSLETTER), busy_timeout=0.2)
    try:
        async with sessionmaker.begin() as session:
            await tips._serialize_submissions(session)  # another submission, taking long
            with pytest.raises(OperationalError) as raised:
                await writer.submit(_submission(AUTHOR, _headline(1)))
        assert isinstance(raised.value.orig, sqlite3.OperationalError)
        assert await _count(sessionmaker, Tip) == 0
        tip = await _created(writer, _submission(AUTHOR, _headline(1)))
        assert [t.id for t in await _all_tips(sessionmaker)] == [tip.id]
    finally:
        await writer.close()
        await engine.dispose()


async def _all_tips(sessionmaker: Sessions) -> list[Tip]:
    async with sessionmaker() as session:
        return list((await session.execute(select(Tip).order_by(Tip.id))).scalars())


async def test_a_failed_statement_leaves_nothing_and_the_writer_goes_on(
    sessionmaker: Sessions, writer: TipWriter
) -> None:
    if _dialect(sessionmaker) == "postgresql":
        # PostgreSQL text cannot hold NUL: the insert fails after the checks ran.
        with pytest.raises(DBAPIError):
            await writer.submit(_submission(AUTHOR, "Null \x00 in the headline"))
    else:
        # SQLite stores it as given; the rest of the test is the same.
        await _created(writer, _submission(AUTHOR, "Null \x00 in the headline"))
        async with sessionmaker.begin() as session:
            await session.execute(delete(TipEvent))
            await session.execute(delete(Tip))
    assert [await _count(sessionmaker, m) for m in (Tip, TipEvent)] == [0, 0]
    tip = await _created(writer, _submission(AUTHOR, _headline(3)))
    assert [t.id for t in await _all_tips(sessionmaker)] == [tip.id]


async def test_a_postgres_connection_lost_between_tips_is_replaced(
    sessionmaker: Sessions, writer: TipWriter
) -> None:
    if not isinstance(writer, PostgresTipWriter):
        # SQLite has no server to lose; the lost-connection path is PostgreSQL's alone.
        assert isinstance(writer, SqliteTipWriter)
        return
    first = await _created(writer, _submission(AUTHOR, _headline(4)))
    connection = writer._connection
    assert connection is not None
    async with sessionmaker() as session:  # a server restart, as far as the writer knows
        await session.execute(
            text("SELECT pg_terminate_backend(:pid)"), {"pid": connection.get_server_pid()}
        )
    second = await _created(writer, _submission(READER, _headline(5)))
    assert [t.id for t in await _all_tips(sessionmaker)] == [first.id, second.id]


# SQLite: on the event loop's thread, or on the writer's own


async def _sqlite_database(path: Path) -> tuple[Any, Sessions]:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate.upgrade(engine)
    return engine, create_sessionmaker(engine)


async def test_sqlite_decides_alike_inline_and_on_its_thread(tmp_path: Path) -> None:
    runs = []
    for budget in (60.0, 0.0):  # never over budget; over budget at once
        path = tmp_path / f"budget-{budget}.db"
        engine, sessionmaker = await _sqlite_database(path)
        writer = SqliteTipWriter(str(path), tips.HeadlineIndex(NEWSLETTER), inline_budget=budget)
        try:
            runs.append((await _decisions(writer.submit, sessionmaker), writer.moved))
        finally:
            await writer.close()
            await engine.dispose()
    (inline, inline_moved), (threaded, threaded_moved) = runs
    assert inline_moved == 0  # every submission ran on the loop's thread
    # The budget is checked every 1,000 SQLite steps: the longer submissions were moved.
    assert 0 < threaded_moved < len(threaded) - 1
    assert threaded == inline


async def test_a_sqlite_submission_waits_on_its_thread_for_another_writer(
    tmp_path: Path,
) -> None:
    path = tmp_path / "wait.db"
    engine, sessionmaker = await _sqlite_database(path)
    writer = SqliteTipWriter(str(path), tips.HeadlineIndex(NEWSLETTER), inline_budget=60.0)
    try:
        async with sessionmaker.begin() as session:
            await tips._serialize_submissions(session)  # another connection's submission
            sending = asyncio.create_task(writer.submit(_submission(AUTHOR, _headline(1))))
            await asyncio.sleep(0.3)
            assert not sending.done()  # waiting for the lock, off the loop
        outcome = await sending
        assert isinstance(outcome, tips.Created) and writer.moved == 1
        assert [t.id for t in await _all_tips(sessionmaker)] == [outcome.tip.id]
    finally:
        await writer.close()
        await engine.dispose()

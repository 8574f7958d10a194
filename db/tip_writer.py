"""Tip submissions as one unit of work, in as few hand-offs as the backend allows.

A submission is a lock, the rate limit, the duplicate checks and two inserts
(`db.repositories.tips.submit_tip`). Through an AsyncSession every statement is a trip
to aiosqlite's thread and back, or to the server, and those trips were most of the time
a reader waited for the receipt (bench/RESULTS.md, "Tip submission"). The writers here
keep submit_tip's rules and change only how the SQL travels:

- SQLite: the whole transaction is one call on a stdlib sqlite3 connection, on the event
  loop's thread when it is quick (or on a thread of its own: see SqliteTipWriter),
  instead of some twenty hand-offs to aiosqlite's thread. BEGIN IMMEDIATE takes the
  database's write lock before anything is read, as submit_tip's first write does, so
  submissions of every connection and process still run one at a time.
- PostgreSQL: four round trips on a connection of its own. BEGIN with the lock row's
  upsert (the row submit_tip locks), one query for the rate limit, the same link and the
  headlines added since the last look, one statement inserting the tip and its event,
  and COMMIT. The lock must be a statement of its own: a statement's reads see the
  database as it was when the statement started, before it waited for the lock.
- Anything else (an in-memory SQLite database, which only the engine's own connections
  see): submit_tip in a session.

Every writer commits before it returns: the caller tells the reader only after that.
Driver errors come out as SQLAlchemy's (`sqlalchemy.exc.DBAPIError` and subclasses), as
they do from a session.
"""

from __future__ import annotations

import asyncio
import functools
import math
import re
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import asyncpg
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.instrumentation import manager_of_class

from db.engine import CONNECT_TIMEOUT_SECONDS, SQLITE_BUSY_TIMEOUT_MS, sqlite_file
from db.models import Tip
from db.query_runner import QueryRunner
from db.repositories import tips
from db.repositories.tips import (
    CANONICAL_LINK_MAX,
    RATE_WINDOW,
    SUBMISSION_LOCK_KEY,
    Created,
    Duplicate,
    HeadlineIndex,
    RateLimited,
    SubmitOutcome,
    closest_headline,
    retry_after,
)
from db.states import DmStatus, TipStatus
from db.types import Snowflake, utcnow
from newsletter.tips import TipDraft, canonical_link

_ANY_DIALECT = sqlite.dialect()
# SQLite: the longest a submission's statements may hold the event loop (a submission
# takes 0.1-0.3 ms of them), checked every so many VM steps (tens of microseconds).
INLINE_BUDGET_SECONDS = 0.001
_STEPS_PER_BUDGET_CHECK = 1000
_MOVE_TO_THREAD = {"SQLITE_INTERRUPT", "SQLITE_BUSY", "SQLITE_LOCKED"}


@dataclass(frozen=True)
class Submission:
    """A checked tip as the reader sent it, and the rules it is submitted under."""

    newsletter: str
    guild_id: int
    user_id: int
    draft: TipDraft
    anonymous: bool
    for_month: str
    limit_per_hour: int
    now: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        if self.limit_per_hour < 1:
            raise ValueError("the limit must be at least 1")
        # What the Snowflake column type checks for a session, before any SQL is run.
        for discord_id in (self.guild_id, self.user_id):
            Snowflake().process_bind_param(discord_id, _ANY_DIALECT)
        if self.now.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware datetimes")

    @property
    def link_key(self) -> str | None:
        return link_key(self.draft.link) if self.draft.link else None


@functools.lru_cache(maxsize=10_000)
def link_key(link: str) -> str:
    """The link's canonical form as tips store it, computed once per link (~0.1 ms each:
    the same link is looked at before, during and after a submission, and published
    items' links on every submission)."""
    # Cut as submit_tip cuts it: the key may be longer than the link once encoded.
    return canonical_link(link)[:CANONICAL_LINK_MAX]


class TipWriter(Protocol):
    async def submit(self, submission: Submission) -> SubmitOutcome:
        """Store the tip, count it as a vote, or refuse it for the rate limit; committed
        when this returns."""
        ...

    async def close(self) -> None: ...


# The SQL, with `:name` parameters (numbered for asyncpg by _numbered).

_SENT_SINCE = """
    SELECT created_at AS at FROM tips WHERE user_id = :user_id AND created_at > :since
    UNION ALL
    SELECT created_at AS at FROM tip_votes WHERE user_id = :user_id AND created_at > :since
"""
RATE_STAMPS = f"SELECT at FROM ({_SENT_SINCE}) AS sent ORDER BY at"
SAME_LINK = """
    SELECT id FROM tips
    WHERE newsletter = :newsletter AND canonical_link = :link_key AND status <> :withdrawn
    ORDER BY id LIMIT 1
"""
# By the primary key alone (see HeadlineIndex): every newsletter's, few since the last look.
NEW_HEADLINES = "SELECT id, newsletter, headline FROM tips WHERE id > :after ORDER BY id"
INSERT_TIP = """
    INSERT INTO tips (newsletter, guild_id, user_id, anonymous, headline, link,
                      canonical_link, why, for_month, status, version, card_revision,
                      card_posted_revision, created_at)
    VALUES (:newsletter, :guild_id, :user_id, :anonymous, :headline, :link, :link_key,
            :why, :for_month, :pending, 1, 1, 0, :now)
"""
INSERT_EVENT_VALUES = "(:tip_id, :user_id, 'submitted', :dm_none, :now)"
INSERT_EVENT = (
    "INSERT INTO tip_events (tip_id, actor_id, action, dm_status, created_at) "
    f"VALUES {INSERT_EVENT_VALUES}"
)
INSERT_VOTE = """
    INSERT INTO tip_votes (tip_id, user_id, created_at) VALUES (:tip_id, :user_id, :now)
    ON CONFLICT (tip_id, user_id) DO NOTHING
"""
BUMP_CARD = "UPDATE tips SET card_revision = card_revision + 1 WHERE id = :tip_id"
VOTES = "SELECT count(*) AS votes FROM tip_votes WHERE tip_id = :tip_id"
TIP_COLUMNS = ", ".join(column.name for column in Tip.__table__.columns)
TIP_BY_ID = f"SELECT {TIP_COLUMNS} FROM tips WHERE id = :tip_id"

# PostgreSQL: what SQLite runs as separate statements, in one round trip each.
if "'" in SUBMISSION_LOCK_KEY:
    raise AssertionError("the lock key is written into SQL as a literal")
PG_BEGIN_AND_LOCK = f"""
    BEGIN;
    INSERT INTO bot_state (key, value) VALUES ('{SUBMISSION_LOCK_KEY}', 'serializes tips')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value
"""
PG_CHECKS = f"""
    SELECT ARRAY({RATE_STAMPS}) AS stamps,
           ({SAME_LINK}) AS same_link,
           added.ids, added.newsletters, added.headlines
    FROM (SELECT array_agg(id ORDER BY id) AS ids,
                 array_agg(newsletter ORDER BY id) AS newsletters,
                 array_agg(headline ORDER BY id) AS headlines
          FROM tips WHERE id > :after) AS added
"""
PG_INSERT_TIP_AND_EVENT = f"""
    WITH tip AS ({INSERT_TIP} RETURNING id)
    INSERT INTO tip_events (tip_id, actor_id, action, dm_status, created_at)
    SELECT id, :user_id, 'submitted', :dm_none, :now FROM tip
    RETURNING tip_id
"""
PG_TIPS_BY_IDS = f"SELECT {TIP_COLUMNS} FROM tips WHERE id = ANY(:tip_ids)"


def _parameters(submission: Submission, encode_time: Callable[[datetime], Any]) -> dict[str, Any]:
    draft = submission.draft
    return {
        "newsletter": submission.newsletter,
        "guild_id": submission.guild_id,
        "user_id": submission.user_id,
        "anonymous": submission.anonymous,
        "headline": draft.headline,
        "link": draft.link,
        "link_key": submission.link_key,
        "why": draft.why,
        "for_month": submission.for_month,
        "now": encode_time(submission.now),
        "since": encode_time(submission.now - RATE_WINDOW),
        "pending": TipStatus.PENDING.value,
        "withdrawn": TipStatus.WITHDRAWN.value,
        "dm_none": DmStatus.NONE.value,
    }


_TIP_CLASS = manager_of_class(Tip)
_TIP_KEYS = tuple(column.key for column in Tip.__table__.columns)


def _tip_of(values: Mapping[str, Any]) -> Tip:
    """A Tip holding `values` (None for the columns left out), built as the ORM builds a
    row it loads: straight into the instance. `Tip(**values)` runs an attribute event per
    column, ~30 µs when warm and ~150 µs in the bot between two submissions, which was a
    quarter of the writer's time."""
    if not Tip.__mapper__.configured:
        configure_mappers()  # as Tip() does first: the attributes work only after
    tip = _TIP_CLASS.new_instance()
    tip.__dict__.update(dict.fromkeys(_TIP_KEYS), **values)
    return tip


def _new_tip(submission: Submission, tip_id: int) -> Tip:
    """The tip just inserted, as submit_tip's session would hold it (undecided, no card:
    the other columns are None)."""
    draft = submission.draft
    return _tip_of(
        dict(
            id=tip_id,
            newsletter=submission.newsletter,
            guild_id=submission.guild_id,
            user_id=submission.user_id,
            anonymous=submission.anonymous,
            headline=draft.headline,
            link=draft.link,
            canonical_link=submission.link_key,
            why=draft.why,
            for_month=submission.for_month,
            status=TipStatus.PENDING,
            version=1,
            card_revision=1,
            card_posted_revision=0,
            created_at=submission.now,
        )
    )


@dataclass(frozen=True)
class _Lookahead:
    """The headline check against the index as it was before the transaction: the
    costly part (1-3 ms at 10,000 tips) runs before the lock is taken, and inside it only
    the headlines read under the lock are checked. (The index only grows, and only under
    the writer's own lock, which the caller holds from here to the commit.)"""

    headline: str
    known: int  # headlines the index held
    candidates: list[int]

    @classmethod
    def of(cls, index: HeadlineIndex, headline: str) -> _Lookahead:
        return cls(headline, len(index), index.candidates(headline))

    def with_added(self, index: HeadlineIndex) -> list[int]:
        return self.candidates + index.candidates(self.headline, start=self.known)


class _Columns:
    """Raw column values to and from what the models hold (times, states, booleans),
    by the column types' own conversions for the dialect."""

    def __init__(self, dialect: Dialect) -> None:
        columns = Tip.__table__.columns
        self._readers = [
            (column.key, column.type.dialect_impl(dialect).result_processor(dialect, None))
            for column in columns
        ]
        time_type = columns["created_at"].type.dialect_impl(dialect)
        self.encode_time: Callable[[datetime], Any] = (
            time_type.bind_processor(dialect) or _unchanged
        )
        self._read_time = time_type.result_processor(dialect, None) or _unchanged

    def decode_time(self, value: Any) -> datetime:
        decoded = self._read_time(value)
        assert isinstance(decoded, datetime)
        return decoded

    def tip(self, row: Any) -> Tip:
        """A Tip from a row read by column name (sqlite3.Row, asyncpg.Record)."""
        return _tip_of({key: read(row[key]) if read else row[key] for key, read in self._readers})


def _unchanged(value: Any) -> Any:
    return value


SQLITE_COLUMNS = _Columns(sqlite.dialect())
POSTGRES_COLUMNS = _Columns(postgresql.asyncpg.dialect())


# SQLite


class SqliteTipWriter:
    """Each submission runs start to commit in one go on a connection of its own.

    As `db.query_runner.SqliteQueryRunner` does for reads, it first runs right on the
    event loop's thread, within a time budget: a submission takes a fraction of a
    millisecond there, while handing it to a thread and back costs more than that, and
    much more on a busy machine (the GIL and the CPU taken back and forth). A submission
    that finds the database locked by another connection, or outruns the budget, is
    rolled back and run again on the writer's own thread, which waits for the lock up to
    `busy_timeout`: the loop is never held for longer than the budget.
    """

    def __init__(
        self,
        path: str,
        headlines: HeadlineIndex,
        *,
        busy_timeout: float = SQLITE_BUSY_TIMEOUT_MS / 1000,
        inline_budget: float = INLINE_BUDGET_SECONDS,
    ) -> None:
        self.path = path
        self.headlines = headlines
        self.busy_timeout = busy_timeout  # seconds to wait for another writer's lock
        self.inline_budget = inline_budget
        self.moved = 0  # submissions that had to go to the thread
        self._lock = asyncio.Lock()  # this process's submissions, one at a time
        self._inline: sqlite3.Connection | None = None
        self._deadline = math.inf
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tip-writer")
        self._threaded: sqlite3.Connection | None = None  # opened and used on that thread
        self._closed = False

    async def submit(self, submission: Submission) -> SubmitOutcome:
        async with self._lock:
            early = _Lookahead.of(self.headlines, submission.draft.headline)
            try:
                try:
                    return self._submit_inline(submission, early)
                except sqlite3.OperationalError as exc:
                    if exc.sqlite_errorname not in _MOVE_TO_THREAD:
                        raise
                self.moved += 1
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(
                    self._executor, self._submit_threaded, submission, early
                )
            except sqlite3.Error as exc:
                raise DBAPIError.instance(None, None, exc, sqlite3.Error) from exc

    async def close(self) -> None:
        """Close both connections and end the thread; closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        if self._inline is not None:
            self._inline.close()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._close_threaded)
        self._executor.shutdown(wait=False)

    def _submit_inline(self, submission: Submission, early: _Lookahead) -> SubmitOutcome:
        if self._inline is None:
            # No busy wait here: a locked database goes to the thread instead.
            self._inline = self._connect(busy_timeout=0.0)
            self._inline.set_progress_handler(self._over_budget, _STEPS_PER_BUDGET_CHECK)
        self._deadline = time.perf_counter() + self.inline_budget
        try:
            return self._transaction(self._inline, submission, early)
        finally:
            self._deadline = math.inf

    def _over_budget(self) -> bool:
        return time.perf_counter() > self._deadline  # true interrupts the statement

    def _submit_threaded(self, submission: Submission, early: _Lookahead) -> SubmitOutcome:
        if self._threaded is None:
            self._threaded = self._connect(busy_timeout=self.busy_timeout)
        return self._transaction(self._threaded, submission, early)

    def _close_threaded(self) -> None:
        if self._threaded is not None:
            self._threaded.close()

    def _connect(self, *, busy_timeout: float) -> sqlite3.Connection:
        # Autocommit mode: this class writes BEGIN and COMMIT itself. The pragmas are the
        # engine's (db/engine.py), so a commit is as durable as a session's.
        connection = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None)
        connection.row_factory = sqlite3.Row
        try:
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
                connection.execute(f"PRAGMA {pragma}")
        except sqlite3.Error:
            connection.close()  # e.g. busy: the next submission opens it again
            raise
        return connection

    def _transaction(
        self, db: sqlite3.Connection, submission: Submission, early: _Lookahead
    ) -> SubmitOutcome:
        db.execute("BEGIN IMMEDIATE")  # the write lock first, as submit_tip's first write
        try:
            outcome = self._unit(db, submission, early)
            self._deadline = math.inf  # never interrupt the commit
            db.execute("COMMIT")
        except BaseException:
            self._deadline = math.inf
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return outcome

    def _unit(
        self, db: sqlite3.Connection, submission: Submission, early: _Lookahead
    ) -> SubmitOutcome:
        columns = SQLITE_COLUMNS
        params = _parameters(submission, columns.encode_time)
        stamps = [columns.decode_time(row["at"]) for row in db.execute(RATE_STAMPS, params)]
        retry = retry_after(stamps, submission.limit_per_hour)
        if retry is not None:
            return RateLimited(retry_at=retry)

        original: Tip | None = None
        if params["link_key"] is not None:
            same = db.execute(SAME_LINK, params).fetchone()
            original = None if same is None else self._tip(db, same["id"])
        if original is None:
            index = self.headlines
            added = db.execute(NEW_HEADLINES, {"after": index.last_id})
            index.add((row["id"], row["newsletter"], row["headline"]) for row in added)
            found = [self._tip(db, tip_id) for tip_id in early.with_added(index)]
            original = closest_headline(params["headline"], [t for t in found if t is not None])
        if original is not None:
            return self._vote(db, original, params)

        tip_id = db.execute(INSERT_TIP, params).lastrowid
        assert tip_id is not None
        db.execute(INSERT_EVENT, {**params, "tip_id": tip_id})
        return Created(tip=_new_tip(submission, tip_id))

    def _vote(self, db: sqlite3.Connection, original: Tip, params: dict[str, Any]) -> Duplicate:
        voted = {**params, "tip_id": original.id}
        counted = (
            original.user_id != params["user_id"] and db.execute(INSERT_VOTE, voted).rowcount == 1
        )
        if counted:
            db.execute(BUMP_CARD, voted)
            refreshed = self._tip(db, original.id)
            assert refreshed is not None
            original = refreshed
        votes = 1 + int(db.execute(VOTES, voted).fetchone()["votes"])
        return Duplicate(original=original, counted=counted, votes=votes)

    def _tip(self, db: sqlite3.Connection, tip_id: int) -> Tip | None:
        row = db.execute(TIP_BY_ID, {"tip_id": tip_id}).fetchone()
        return None if row is None else SQLITE_COLUMNS.tip(row)


# PostgreSQL


_NAMED = re.compile(r"(?<![:\w]):(\w+)")


def _numbered(sql: str) -> tuple[str, list[str]]:
    """`:name` parameters as asyncpg's `$1`..., and the names in that order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    return _NAMED.sub(number, sql), names


class _Statement:
    def __init__(self, sql: str) -> None:
        self.sql, self._names = _numbered(sql)

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        return [params[name] for name in self._names]


_PG_CHECKS = _Statement(PG_CHECKS)
_PG_INSERT = _Statement(PG_INSERT_TIP_AND_EVENT)
_PG_TIPS = _Statement(PG_TIPS_BY_IDS)
_PG_VOTE = _Statement(INSERT_VOTE + " RETURNING id")
_PG_BUMP = _Statement(BUMP_CARD)
_PG_VOTES = _Statement(VOTES)

# Failures after which the connection is gone, not the statement wrong. (A connection
# the server closed while idle can fail its next query with InternalClientError, its
# notice of the close read in the middle of that query.)
_CONNECTION_LOST = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    ConnectionError,
    OSError,
)


class PostgresTipWriter:
    """A connection of its own, in asyncpg's terms; submissions of this process take
    turns on it (they would wait for each other on the lock row anyway)."""

    def __init__(self, url: URL, headlines: HeadlineIndex) -> None:
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.headlines = headlines
        self._lock = asyncio.Lock()
        self._connection: asyncpg.Connection | None = None

    async def submit(self, submission: Submission) -> SubmitOutcome:
        async with self._lock:
            early = _Lookahead.of(self.headlines, submission.draft.headline)
            try:
                return await self._submit(submission, early)
            except asyncpg.PostgresError as exc:
                raise DBAPIError(None, None, exc) from exc
            except _CONNECTION_LOST as exc:
                await self._drop()
                raise OperationalError(None, None, exc, connection_invalidated=True) from exc

    async def close(self) -> None:
        async with self._lock:
            await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.terminate()

    async def _begin(self) -> asyncpg.Connection:
        """A connection in a transaction holding the submissions' lock. A connection that
        died since its last use (a server restart) is replaced once: nothing was sent."""
        if self._connection is not None and not self._connection.is_closed():
            try:
                await self._connection.execute(PG_BEGIN_AND_LOCK)
                return self._connection
            except _CONNECTION_LOST:
                await self._drop()
        # Not asyncpg's 60 s: a reader's answer is due within Discord's 3 s.
        self._connection = await asyncpg.connect(self._dsn, timeout=CONNECT_TIMEOUT_SECONDS)
        await self._connection.execute(PG_BEGIN_AND_LOCK)
        return self._connection

    async def _submit(self, submission: Submission, early: _Lookahead) -> SubmitOutcome:
        db = await self._begin()
        try:
            outcome = await self._unit(db, submission, early)
            await db.execute("COMMIT")
        except BaseException:
            if not db.is_closed() and db.is_in_transaction():
                await db.execute("ROLLBACK")
            raise
        return outcome

    async def _unit(
        self, db: asyncpg.Connection, submission: Submission, early: _Lookahead
    ) -> SubmitOutcome:
        params = {**_parameters(submission, _unchanged), "after": self.headlines.last_id}
        checks = await db.fetchrow(_PG_CHECKS.sql, *_PG_CHECKS.args(params))
        assert checks is not None
        retry = retry_after(checks["stamps"], submission.limit_per_hour)
        if retry is not None:
            return RateLimited(retry_at=retry)

        added = (checks["ids"] or (), checks["newsletters"] or (), checks["headlines"] or ())
        self.headlines.add(zip(*added, strict=True))
        original: Tip | None = None
        if checks["same_link"] is not None:
            original = (await self._tips(db, [checks["same_link"]]))[0]
        else:
            candidates = early.with_added(self.headlines)
            found = await self._tips(db, candidates) if candidates else []
            original = closest_headline(params["headline"], found)
        if original is not None:
            return await self._vote(db, original, params)

        tip_id = await db.fetchval(_PG_INSERT.sql, *_PG_INSERT.args(params))
        return Created(tip=_new_tip(submission, tip_id))

    async def _vote(
        self, db: asyncpg.Connection, original: Tip, params: dict[str, Any]
    ) -> Duplicate:
        voted = {**params, "tip_id": original.id}
        counted = original.user_id != params["user_id"] and (
            await db.fetchval(_PG_VOTE.sql, *_PG_VOTE.args(voted)) is not None
        )
        if counted:
            await db.execute(_PG_BUMP.sql, *_PG_BUMP.args(voted))
            original = (await self._tips(db, [original.id]))[0]
        votes = 1 + int(await db.fetchval(_PG_VOTES.sql, *_PG_VOTES.args(voted)))
        return Duplicate(original=original, counted=counted, votes=votes)

    async def _tips(self, db: asyncpg.Connection, tip_ids: Sequence[int]) -> list[Tip]:
        rows = await db.fetch(_PG_TIPS.sql, *_PG_TIPS.args({"tip_ids": list(tip_ids)}))
        return [POSTGRES_COLUMNS.tip(row) for row in rows]


# Any other database


class SessionTipWriter:
    """submit_tip in a session of the engine's pool, one submission at a time."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], headlines: HeadlineIndex
    ) -> None:
        self.sessionmaker = sessionmaker
        self.headlines = headlines
        self._lock = asyncio.Lock()

    async def submit(self, submission: Submission) -> SubmitOutcome:
        async with self._lock, self.sessionmaker.begin() as session:
            return await tips.submit_tip(
                session,
                newsletter=submission.newsletter,
                guild_id=submission.guild_id,
                user_id=submission.user_id,
                draft=submission.draft,
                anonymous=submission.anonymous,
                for_month=submission.for_month,
                limit_per_hour=submission.limit_per_hour,
                now=submission.now,
                headlines=self.headlines,
            )

    async def close(self) -> None:
        """The engine's pool is the owner's."""


def open_tip_writer(
    sessionmaker: async_sessionmaker[AsyncSession], headlines: HeadlineIndex
) -> TipWriter:
    """The fastest writer for the sessionmaker's database; `headlines` is the
    newsletter's index, kept between submissions."""
    url = sessionmaker.kw["bind"].url
    database = sqlite_file(url)
    if database is not None:
        return SqliteTipWriter(database, headlines)
    if url.get_backend_name() == "postgresql":
        return PostgresTipWriter(url, headlines)
    return SessionTipWriter(sessionmaker, headlines)


# The hint before the form


async def hourly_retry_at(
    queries: QueryRunner, user_id: int, *, limit: int, now: datetime | None = None
) -> datetime | None:
    """tips.retry_at through the query runner: no session, and on SQLite usually not
    even a thread. Only a hint, as retry_at outside a submission is."""
    if limit < 1:
        raise ValueError("the limit must be at least 1")
    columns = SQLITE_COLUMNS if queries.dialect == "sqlite" else POSTGRES_COLUMNS
    since = (now or utcnow()) - RATE_WINDOW
    rows = await queries.rows(
        RATE_STAMPS, {"user_id": user_id, "since": columns.encode_time(since)}
    )
    return retry_after([columns.decode_time(row["at"]) for row in rows], limit)

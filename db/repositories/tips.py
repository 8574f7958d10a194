"""Reader tips: submission (rate limit, duplicates as votes), review decisions, the review
card and DM outboxes, export, and forgetting a user."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz, process, utils
from sqlalchemy import (
    case,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    CardCleanup,
    GuildSettings,
    ItemVote,
    ReaderPreferences,
    Tip,
    TipEvent,
    TipVote,
)
from db.repositories import state
from db.repositories.shards import on_shards
from db.states import DmStatus, TipStatus
from db.types import utcnow
from db.upsert import dialect_insert
from newsletter.tips import (
    HEADLINE_THRESHOLD,
    TipDraft,
    canonical_link,
    headline_similarity,
)

RATE_WINDOW = timedelta(hours=1)
SUBMISSION_LOCK_KEY = "tips:submissions"
DECISIONS = frozenset({TipStatus.APPROVED, TipStatus.SHORTLISTED, TipStatus.REJECTED})
# A decision may be revised while the tip is still under review or decided, not once it
# was withdrawn or used in an issue.
DECIDABLE = (TipStatus.PENDING, *sorted(DECISIONS))
# Forget me: tips that never made it are deleted; the ones the newsletter kept stay,
# without their author.
DELETED_WHEN_FORGOTTEN = (TipStatus.PENDING, TipStatus.REJECTED, TipStatus.WITHDRAWN)
# How far below HEADLINE_THRESHOLD the fast first pass of the headline check looks.
PREFILTER_MARGIN = 25.0
PAGE_SIZE = 1000
CANONICAL_LINK_MAX = 2048  # the column's length
# Parameters per IN list: far below SQLite's and asyncpg's limits of 32766/32767.
IN_CHUNK = 1000


@dataclass(frozen=True)
class Created:
    tip: Tip


@dataclass(frozen=True)
class Duplicate:
    """Someone suggested this before; `counted` is False when this reader wrote the
    original or had already voted for it."""

    original: Tip
    counted: bool
    votes: int  # readers behind the original now, its author included


@dataclass(frozen=True)
class RateLimited:
    retry_at: datetime  # when the reader may send again


SubmitOutcome = Created | Duplicate | RateLimited


@dataclass(frozen=True)
class Decision:
    """`won` is False when someone else decided first; `tip` is the tip as it is now."""

    won: bool
    tip: Tip


@dataclass(frozen=True)
class Forgotten:
    deleted: int
    anonymized: int
    votes: int


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i : i + IN_CHUNK] for i in range(0, len(ids), IN_CHUNK)]


async def get_tip(session: AsyncSession, tip_id: int) -> Tip | None:
    return await session.get(Tip, tip_id, populate_existing=True)


# Submission


async def _serialize_submissions(session: AsyncSession) -> None:
    """Wait until no other submission is in flight, until this transaction ends.

    The rate limit and the duplicate check read, then write: two submissions at once
    would both read "not there yet". So every submission starts with a lock, which must
    be the transaction's first statement (state.take_lock says why).
    """
    await state.take_lock(session, SUBMISSION_LOCK_KEY)


async def retry_at(
    session: AsyncSession, user_id: int, *, limit: int, now: datetime | None = None
) -> datetime | None:
    """When the reader may send a tip again, or None when they may now: their tips and
    votes of the last hour count. Outside submit_tip it is only a hint (another tip may
    be on its way), e.g. to refuse before the reader types anything."""
    if limit < 1:
        raise ValueError("the limit must be at least 1")
    now = now or utcnow()
    since = now - RATE_WINDOW
    sent = union_all(
        select(Tip.created_at.label("at")).where(Tip.user_id == user_id, Tip.created_at > since),
        select(TipVote.created_at.label("at")).where(
            TipVote.user_id == user_id, TipVote.created_at > since
        ),
    ).subquery()
    stamps = list((await session.execute(select(sent.c.at).order_by(sent.c.at))).scalars())
    return retry_after(stamps, limit)


def retry_after(stamps: Sequence[datetime], limit: int) -> datetime | None:
    """When the reader may send again, given the times (oldest first) of their tips and
    votes within the last hour; None when they may now."""
    if len(stamps) < limit:
        return None
    # Once all but limit - 1 of them have left the window (usually: the oldest).
    return stamps[len(stamps) - limit] + RATE_WINDOW


async def _same_link(session: AsyncSession, newsletter: str, link: str) -> Tip | None:
    stmt = (
        select(Tip)
        .where(
            Tip.newsletter == newsletter,
            Tip.canonical_link == link,
            Tip.status != TipStatus.WITHDRAWN,
        )
        .order_by(Tip.id)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


class HeadlineIndex:
    """A newsletter's tip headlines, kept in memory for the near-identical check.

    Reading every headline on every submission costs tens of milliseconds at 10,000
    tips, all of it under the submission lock. The index reads only the tips added since
    its last look (ids above the highest it has: submissions are serialized, so ids are
    committed in order), keeps each headline as rapidfuzz's processed key, and the
    database confirms the few candidates it finds (a tip may since have been withdrawn
    or forgotten). A fresh index, as a one-off caller gets, reads them all.

    The tips above the last id are read by the primary key alone, all newsletters
    together, and sorted out here: asked for `newsletter = ? AND id > ?`, SQLite's planner
    takes the newsletter's index and reads every tip of it (2 ms at 10,000). Keys are
    stored with their words sorted, so plain `fuzz.ratio` scores them exactly as
    `token_sort_ratio` would score the headlines, without sorting 10,000 keys again on
    every submission (1 ms instead of 5-11 ms at 10,000 tips).
    """

    def __init__(self, newsletter: str) -> None:
        self.newsletter = newsletter
        self._last_id = 0
        self._ids: list[int] = []
        self._keys: list[str] = []

    @property
    def last_id(self) -> int:
        """The highest tip id read so far, of any newsletter: read only the tips above it."""
        return self._last_id

    def add(self, rows: Iterable[tuple[int, str, str]]) -> None:
        """Tips above `last_id`, as (id, newsletter, headline) in id order."""
        for tip_id, newsletter, text in rows:
            if newsletter == self.newsletter:
                self._ids.append(tip_id)
                self._keys.append(sorted_headline_key(text))
            self._last_id = tip_id

    async def refresh(self, session: AsyncSession) -> None:
        stmt = (
            select(Tip.id, Tip.newsletter, Tip.headline)
            .where(Tip.id > self._last_id)
            .order_by(Tip.id)
        )
        self.add(
            (tip_id, newsletter, text) for tip_id, newsletter, text in await session.execute(stmt)
        )

    def __len__(self) -> int:
        return len(self._ids)

    def candidates(self, headline: str, *, start: int = 0) -> list[int]:
        """Ids whose headline rapidfuzz's C scorer puts within PREFILTER_MARGIN of the
        threshold (plain token_sort_ratio reads the labelled pairs of
        tests/newsletter/tip_pairs.py at most about 8 points lower than
        headline_similarity, which is Python: about 35 µs a pair). `start`: only among
        the headlines added after the first `start` (the rest were looked at already)."""
        found = process.extract(
            sorted_headline_key(headline),
            self._keys if start == 0 else self._keys[start:],
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=HEADLINE_THRESHOLD - PREFILTER_MARGIN,
            limit=None,
        )
        return [self._ids[start + index] for _, _, index in found]


@functools.lru_cache(maxsize=16_384)
def sorted_headline_key(headline: str) -> str:
    """rapidfuzz's processed key with its words sorted: token_sort_ratio's input. (Kept:
    published items' titles are keyed again whenever the cached list of them is renewed.)"""
    return " ".join(sorted(utils.default_process(_fold(headline)).split()))


async def _same_headline(session: AsyncSession, index: HeadlineIndex, headline: str) -> Tip | None:
    """The earlier tip (not withdrawn) whose headline is the most like this one, if
    same_headline says so."""
    await index.refresh(session)
    found = [await get_tip(session, tip_id) for tip_id in index.candidates(headline)]
    return closest_headline(headline, [tip for tip in found if tip is not None])


def closest_headline(headline: str, candidates: Iterable[Tip]) -> Tip | None:
    """Of the candidates (as the database has them now), the tip not withdrawn whose
    headline is near-identical to this one and the most alike; the oldest on a tie."""
    best: tuple[float, int, Tip] | None = None
    for tip in candidates:
        if tip.status is TipStatus.WITHDRAWN:
            continue
        score = headline_similarity(headline, tip.headline)
        if score >= HEADLINE_THRESHOLD and (best is None or (score, -tip.id) > best[:2]):
            best = (score, -tip.id, tip)
    return None if best is None else best[2]


def _fold(text: str) -> str:
    # Full-width letters and digits read as their ASCII forms, as headline_similarity does.
    return unicodedata.normalize("NFKC", text)


async def _vote(session: AsyncSession, original: Tip, user_id: int, now: datetime) -> Duplicate:
    async def votes() -> int:
        return (await vote_counts(session, [original.id]))[original.id]

    if original.user_id == user_id:
        return Duplicate(original=original, counted=False, votes=await votes())
    stmt = (
        dialect_insert(session)(TipVote)
        .values(tip_id=original.id, user_id=user_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["tip_id", "user_id"])
    )
    if _rowcount(await session.execute(stmt)) != 1:
        return Duplicate(original=original, counted=False, votes=await votes())
    await session.execute(
        update(Tip)
        .where(Tip.id == original.id)
        .values(card_revision=Tip.card_revision + 1)
        .execution_options(synchronize_session=False)
    )
    refreshed = await get_tip(session, original.id)
    assert refreshed is not None
    return Duplicate(original=refreshed, counted=True, votes=await votes())


async def submit_tip(
    session: AsyncSession,
    *,
    newsletter: str,
    guild_id: int,
    user_id: int,
    draft: TipDraft,
    anonymous: bool,
    for_month: str,
    limit_per_hour: int,
    now: datetime | None = None,
    headlines: HeadlineIndex | None = None,
) -> SubmitOutcome:
    """A reader's tip: stored, counted as a vote for the same earlier tip (of any server
    of the newsletter), or refused because the reader sent too many this hour.

    Call it first in its transaction (see _serialize_submissions), and commit soon:
    submissions wait for each other until commit. A long-lived caller passes its
    `headlines` index, kept between submissions. The bot submits through
    db/tip_writer.py, which keeps these rules in a fraction of the round trips; this is
    their reference (tests/db/test_tip_writer.py compares the two) and the writers'
    fallback for an in-memory database.
    """
    if limit_per_hour < 1:
        raise ValueError("the limit must be at least 1")
    now = now or utcnow()
    await _serialize_submissions(session)

    retry = await retry_at(session, user_id, limit=limit_per_hour, now=now)
    if retry is not None:
        return RateLimited(retry_at=retry)

    # Percent-encoding can make the key longer than the link; a cut key still matches
    # the same link, and two links alike for 2,048 characters are one page in practice.
    link = canonical_link(draft.link)[:CANONICAL_LINK_MAX] if draft.link else None
    original = await _same_link(session, newsletter, link) if link else None
    if original is None:
        index = headlines if headlines is not None else HeadlineIndex(newsletter)
        original = await _same_headline(session, index, draft.headline)
    if original is not None:
        return await _vote(session, original, user_id, now)

    tip = Tip(
        newsletter=newsletter,
        guild_id=guild_id,
        user_id=user_id,
        anonymous=anonymous,
        headline=draft.headline,
        link=draft.link,
        canonical_link=link,
        why=draft.why,
        for_month=for_month,
        status=TipStatus.PENDING,
        version=1,
        card_revision=1,
        card_posted_revision=0,
        created_at=now,
    )
    session.add(tip)
    await session.flush()
    session.add(
        TipEvent(
            tip_id=tip.id,
            actor_id=user_id,
            action="submitted",
            dm_status=DmStatus.NONE,
            created_at=now,
        )
    )
    await session.flush()
    return Created(tip=tip)


async def vote_counts(session: AsyncSession, tip_ids: Sequence[int]) -> dict[int, int]:
    """Readers behind each tip: its author and everyone who sent it again."""
    counts = dict.fromkeys(tip_ids, 1)
    unique = list(counts)
    for chunk in _chunks(unique):
        stmt = (
            select(TipVote.tip_id, func.count())
            .where(TipVote.tip_id.in_(chunk))
            .group_by(TipVote.tip_id)
        )
        for tip_id, votes in await session.execute(stmt):
            counts[tip_id] = 1 + int(votes)
    return counts


# Review


async def decide_tip(
    session: AsyncSession,
    tip_id: int,
    *,
    status: TipStatus,
    moderator_id: int,
    seen_version: int,
    reason: str | None,
) -> Decision:
    """Approve, shortlist or reject the tip as the moderator saw it (`seen_version`).

    One conditional UPDATE decides: of two moderators clicking at once, or one clicking
    on a card that is out of date, only the one who saw the current version changes
    anything; the other is shown what the tip is now.
    """
    if status not in DECISIONS:
        raise ValueError(f"{status!r} is not a decision")
    stmt = (
        update(Tip)
        .where(Tip.id == tip_id, Tip.version == seen_version, Tip.status.in_(DECIDABLE))
        .values(
            status=status,
            decided_by=moderator_id,
            decided_at=utcnow(),
            decision_reason=reason,
            version=Tip.version + 1,
            card_revision=Tip.card_revision + 1,
        )
        .returning(Tip.user_id)
        .execution_options(synchronize_session=False)
    )
    won = (await session.execute(stmt)).first()
    if won is not None:
        author = won[0]
        session.add(
            TipEvent(
                tip_id=tip_id,
                actor_id=moderator_id,
                action=status.value,
                reason=reason,
                dm_status=DmStatus.PENDING if author is not None else DmStatus.SKIPPED,
            )
        )
        await session.flush()
    tip = await get_tip(session, tip_id)
    if tip is None:
        raise LookupError(f"tip {tip_id} does not exist")
    return Decision(won=won is not None, tip=tip)


async def withdraw_tip(session: AsyncSession, tip_id: int, *, user_id: int) -> Tip | None:
    """The reader takes back their own tip while it is pending; None when it is not
    theirs, not pending any more, or gone."""
    stmt = (
        update(Tip)
        .where(Tip.id == tip_id, Tip.user_id == user_id, Tip.status == TipStatus.PENDING)
        .values(
            status=TipStatus.WITHDRAWN,
            version=Tip.version + 1,
            card_revision=Tip.card_revision + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if _rowcount(await session.execute(stmt)) != 1:
        return None
    session.add(
        TipEvent(tip_id=tip_id, actor_id=user_id, action="withdrawn", dm_status=DmStatus.NONE)
    )
    await session.flush()
    return await get_tip(session, tip_id)


async def pending_queue(
    session: AsyncSession, guild_id: int, *, after_id: int | None = None
) -> tuple[Tip | None, int]:
    """The guild's next pending tip after `after_id` (oldest first; the first without
    it, None past the last) and how many are pending in all."""
    pending = (Tip.guild_id == guild_id, Tip.status == TipStatus.PENDING)
    stmt = select(Tip).where(*pending)
    if after_id is not None:
        stmt = stmt.where(Tip.id > after_id)
    tip = (await session.execute(stmt.order_by(Tip.id).limit(1))).scalar_one_or_none()
    total = (await session.execute(select(func.count()).where(*pending))).scalar_one()
    return tip, int(total)


async def pending_count(session: AsyncSession, guild_id: int) -> int:
    stmt = select(func.count()).where(Tip.guild_id == guild_id, Tip.status == TipStatus.PENDING)
    return int((await session.execute(stmt)).scalar_one())


async def tip_events(session: AsyncSession, tip_id: int) -> list[TipEvent]:
    stmt = select(TipEvent).where(TipEvent.tip_id == tip_id).order_by(TipEvent.id)
    return list((await session.execute(stmt)).scalars())


async def user_tips(session: AsyncSession, user_id: int, *, limit: int = 25) -> list[Tip]:
    stmt = select(Tip).where(Tip.user_id == user_id).order_by(Tip.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())


# The review card outbox


async def cards_to_post(
    session: AsyncSession,
    *,
    limit: int = 50,
    shard_count: int = 1,
    shard_ids: Sequence[int] | None = None,
) -> list[tuple[Tip, int]]:
    """Pending tips whose card is not in their server's review channel (never posted, or
    the channel was changed since), with that channel, oldest first. A server whose
    channel refused a card is left out until a moderator sets the channel again.

    Driven from the servers with a review channel, through the partial index of pending
    tips (the status a literal, as in the index's condition): the pending tips of servers
    that never set one up are never read, however many there are. The two `+ 0` keep the
    planners to that order: without them SQLite looks up guild_settings for each pending
    tip, and both walk every tip by id to stop at `limit`, finding none."""
    channel = GuildSettings.review_channel_id
    stmt = (
        select(Tip, channel)
        .select_from(GuildSettings)
        .join(Tip, Tip.guild_id == GuildSettings.guild_id + 0)
        .where(
            channel.is_not(None),
            GuildSettings.review_failure.is_(None),
            Tip.status == literal_column(f"'{TipStatus.PENDING.value}'"),
            or_(Tip.review_channel_id.is_(None), Tip.review_channel_id != channel),
            on_shards(GuildSettings.guild_id, shard_count, shard_ids),
        )
        .order_by(Tip.id + 0)
        .limit(limit)
    )
    rows = await session.execute(stmt)
    return [(tip, channel_id) for tip, channel_id in rows if channel_id is not None]


async def cards_to_edit(
    session: AsyncSession,
    *,
    limit: int = 50,
    shard_count: int = 1,
    shard_ids: Sequence[int] | None = None,
) -> list[Tip]:
    """Tips whose card shows an older revision than the tip has. The terms are those of
    the partial index ix_tips_stale_card (models.STALE_CARD), so that index answers it."""
    stmt = (
        select(Tip)
        .where(
            Tip.review_message_id.is_not(None),
            Tip.card_posted_revision < Tip.card_revision,
            on_shards(Tip.guild_id, shard_count, shard_ids),
        )
        .order_by(Tip.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def lost_cards(
    session: AsyncSession,
    *,
    limit: int = 50,
    shard_count: int = 1,
    shard_ids: Sequence[int] | None = None,
) -> list[Tip]:
    """Decided tips still marked as having a card on its way: a crash came between
    Discord taking the card and the bot recording it, and the tip was decided before
    the card was looked for. (Pending tips are looked for as their card is posted.) The
    mark is the condition of the partial index ix_tips_card_sending."""
    stmt = (
        select(Tip)
        .where(
            Tip.card_sending_channel_id.is_not(None),
            Tip.status != TipStatus.PENDING,
            on_shards(Tip.guild_id, shard_count, shard_ids),
        )
        .order_by(Tip.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def clear_card_sending(session: AsyncSession, tip_id: int) -> None:
    """No lost card was found for a decided tip: nothing is on its way any more."""
    await session.execute(
        update(Tip)
        .where(Tip.id == tip_id)
        .values(card_sending_channel_id=None, card_sending_at=None)
        .execution_options(synchronize_session=False)
    )


async def mark_card_sending(
    session: AsyncSession, tip_id: int, *, channel_id: int, now: datetime | None = None
) -> None:
    """A card is about to be posted in `channel_id`. The first attempt's time is kept: a
    card from any attempt since may be in the channel, so the search starts there."""
    now = now or utcnow()
    same = Tip.card_sending_channel_id == channel_id
    await session.execute(
        update(Tip)
        .where(Tip.id == tip_id)
        .values(
            card_sending_channel_id=channel_id,
            card_sending_at=case((same, func.coalesce(Tip.card_sending_at, now)), else_=now),
        )
        .execution_options(synchronize_session=False)
    )


async def record_card(
    session: AsyncSession, tip_id: int, *, channel_id: int, message_id: int, revision: int
) -> None:
    """The tip's card was posted showing `revision`.

    A card it replaces (the review channel was changed) is queued for deletion, and so
    is the new one when the tip was deleted meanwhile (its author was forgotten).
    """
    replaced = select(Tip.review_channel_id, Tip.review_message_id).where(
        Tip.id == tip_id,
        Tip.review_channel_id.is_not(None),
        Tip.review_message_id.is_not(None),
        Tip.review_message_id != message_id,
    )
    await session.execute(insert(CardCleanup).from_select(["channel_id", "message_id"], replaced))
    result = await session.execute(
        update(Tip)
        .where(Tip.id == tip_id)
        .values(
            review_channel_id=channel_id,
            review_message_id=message_id,
            card_posted_revision=revision,
            card_sending_channel_id=None,
            card_sending_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != 1:
        session.add(CardCleanup(channel_id=channel_id, message_id=message_id))
        await session.flush()


async def record_card_shown(session: AsyncSession, tip_id: int, revision: int) -> None:
    """The card was edited to show `revision`; an edit that finished late for an older
    revision does not move it back."""
    await session.execute(
        update(Tip)
        .where(Tip.id == tip_id, Tip.card_posted_revision < revision)
        .values(card_posted_revision=revision)
        .execution_options(synchronize_session=False)
    )


async def forget_card(session: AsyncSession, tip_id: int, *, message_id: int | None = None) -> None:
    """The card's message is gone (a moderator deleted it): a pending tip's card is
    posted again. With `message_id`, only if the card is still that message."""
    stmt = update(Tip).where(Tip.id == tip_id)
    if message_id is not None:
        stmt = stmt.where(Tip.review_message_id == message_id)
    await session.execute(
        stmt.values(
            review_channel_id=None, review_message_id=None, card_posted_revision=0
        ).execution_options(synchronize_session=False)
    )


async def set_review_failure(session: AsyncSession, guild_id: int, reason: str | None) -> None:
    await session.execute(
        update(GuildSettings)
        .where(GuildSettings.guild_id == guild_id)
        .values(review_failure=reason)
        .execution_options(synchronize_session=False)
    )


async def card_cleanups(session: AsyncSession, limit: int = 50) -> list[CardCleanup]:
    stmt = select(CardCleanup).order_by(CardCleanup.id).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def done_cleanup(session: AsyncSession, cleanup_id: int) -> None:
    await session.execute(delete(CardCleanup).where(CardCleanup.id == cleanup_id))


# The DM outbox


async def dms_to_send(
    session: AsyncSession,
    *,
    limit: int = 50,
    shard_count: int = 1,
    shard_ids: Sequence[int] | None = None,
) -> list[tuple[TipEvent, Tip]]:
    """Decisions still to tell their tipsters, oldest first."""
    stmt = (
        select(TipEvent, Tip)
        .join(Tip, Tip.id == TipEvent.tip_id)
        .where(
            TipEvent.dm_status == DmStatus.PENDING,
            on_shards(Tip.guild_id, shard_count, shard_ids),
        )
        .order_by(TipEvent.id)
        .limit(limit)
    )
    return [(event, tip) for event, tip in await session.execute(stmt)]


async def mark_dm_sending(
    session: AsyncSession, event_id: int, *, now: datetime | None = None
) -> None:
    """The decision's DM is about to be sent; the first attempt's time is kept (the DM
    channel's history is searched from there after a crash)."""
    await session.execute(
        update(TipEvent)
        .where(TipEvent.id == event_id, TipEvent.dm_sending_at.is_(None))
        .values(dm_sending_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )


async def set_dm_status(session: AsyncSession, event_id: int, status: DmStatus) -> None:
    await session.execute(
        update(TipEvent)
        .where(TipEvent.id == event_id)
        .values(dm_status=status)
        .execution_options(synchronize_session=False)
    )


# Export


async def stream_tips(
    session: AsyncSession,
    *,
    guild_id: int | None,
    status: TipStatus | None,
    since: datetime | None,
) -> AsyncIterator[tuple[Tip, int]]:
    """(tip, readers behind it) in id order, read in keyset pages so that exporting
    100,000 tips holds one page at a time, on every backend and driver."""
    votes = select(func.count()).where(TipVote.tip_id == Tip.id).scalar_subquery()
    stmt = select(Tip, votes)
    if guild_id is not None:
        stmt = stmt.where(Tip.guild_id == guild_id)
    if status is not None:
        stmt = stmt.where(Tip.status == status)
    if since is not None:
        stmt = stmt.where(Tip.created_at >= since)
    after = 0
    while True:
        page = stmt.where(Tip.id > after).order_by(Tip.id).limit(PAGE_SIZE)
        rows = list(await session.execute(page))
        for tip, count in rows:
            yield tip, 1 + int(count)
        if len(rows) < PAGE_SIZE:
            return
        after = rows[-1][0].id
        # The identity map holds the tips weakly; dropping the page lets them go.
        del rows


# Forget me


async def forget_user(session: AsyncSession, user_id: int) -> Forgotten:
    """Remove a user's id from every tip record: their unused tips are deleted (cards
    queued for deletion), the ones the newsletter kept stay without an author, and their
    votes, decisions, helpful votes and preferences lose them. Cards that showed them are
    edited (card_revision goes up)."""
    # Not at the same time as a submission, which could vote for a tip deleted here.
    await _serialize_submissions(session)
    bump = {"card_revision": Tip.card_revision + 1}
    no_sync = {"synchronize_session": False}
    doomed = select(Tip.id).where(Tip.user_id == user_id, Tip.status.in_(DELETED_WHEN_FORGOTTEN))

    cards = select(Tip.review_channel_id, Tip.review_message_id).where(
        Tip.id.in_(doomed),
        Tip.review_channel_id.is_not(None),
        Tip.review_message_id.is_not(None),
    )
    await session.execute(insert(CardCleanup).from_select(["channel_id", "message_id"], cards))
    # Children first, rather than trusting ON DELETE CASCADE (SQLite needs a pragma).
    await session.execute(
        delete(TipVote).where(TipVote.tip_id.in_(doomed)), execution_options=no_sync
    )
    await session.execute(
        delete(TipEvent).where(TipEvent.tip_id.in_(doomed)), execution_options=no_sync
    )
    deleted = _rowcount(
        await session.execute(delete(Tip).where(Tip.id.in_(doomed)), execution_options=no_sync)
    )

    # Their kept tips: no DM goes to a forgotten author.
    kept = select(Tip.id).where(Tip.user_id == user_id)
    await session.execute(
        update(TipEvent)
        .where(TipEvent.tip_id.in_(kept), TipEvent.dm_status == DmStatus.PENDING)
        .values(dm_status=DmStatus.SKIPPED),
        execution_options=no_sync,
    )
    anonymized = _rowcount(
        await session.execute(
            update(Tip).where(Tip.user_id == user_id).values(user_id=None, **bump),
            execution_options=no_sync,
        )
    )

    await session.execute(
        update(TipEvent).where(TipEvent.actor_id == user_id).values(actor_id=None),
        execution_options=no_sync,
    )
    await session.execute(
        update(Tip).where(Tip.decided_by == user_id).values(decided_by=None, **bump),
        execution_options=no_sync,
    )

    voted = select(TipVote.tip_id).where(TipVote.user_id == user_id)
    await session.execute(
        update(Tip).where(Tip.id.in_(voted)).values(**bump), execution_options=no_sync
    )
    votes = _rowcount(
        await session.execute(
            delete(TipVote).where(TipVote.user_id == user_id), execution_options=no_sync
        )
    )

    await session.execute(
        delete(ItemVote).where(ItemVote.user_id == user_id), execution_options=no_sync
    )
    await session.execute(
        delete(ReaderPreferences).where(ReaderPreferences.user_id == user_id),
        execution_options=no_sync,
    )
    return Forgotten(deleted=deleted, anonymized=anonymized, votes=votes)


async def pending_everywhere(session: AsyncSession) -> int:
    stmt = select(func.count()).where(Tip.status == TipStatus.PENDING)
    return int((await session.execute(stmt)).scalar_one())

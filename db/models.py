"""The schema. Uniqueness rules live here so duplicates are impossible, not just unlikely."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.states import (
    DeliveryStatus,
    DmStatus,
    FeedEntryStatus,
    IssueStatus,
    PartStatus,
    ScheduleStatus,
    TipStatus,
    one_of,
    state_column,
)
from db.types import Snowflake, UTCDateTime, utcnow

# Stable constraint names, so Alembic migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Issue(Base):
    """One monthly issue of one newsletter; the parsed document is kept whole as JSON."""

    __tablename__ = "issues"
    __table_args__ = (
        UniqueConstraint("newsletter", "month"),
        CheckConstraint(one_of("status", IssueStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    newsletter: Mapped[str] = mapped_column(String(80))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    title: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[IssueStatus] = mapped_column(
        state_column(IssueStatus), default=IssueStatus.DRAFT
    )
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Goes up each time the text of a published issue is replaced (a correction); its
    # deliveries and their parts record which revision Discord shows.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    items: Mapped[list[Item]] = relationship(
        back_populates="issue",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="Item.number",
    )


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("issue_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    take: Mapped[str | None] = mapped_column(Text, nullable=True)
    url: Mapped[str | None] = mapped_column(String(2000), nullable=True)

    issue: Mapped[Issue] = relationship(back_populates="items", lazy="raise")


class GuildSettings(Base):
    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    announce_channel_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    ping_role_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    review_channel_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    moderator_role_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    # Why review cards cannot be posted (channel deleted, permissions): shown in /setup show.
    review_failure: Mapped[str | None] = mapped_column(String(300), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Delivery(Base):
    """An issue on its way to one channel; its parts record what was already sent."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("issue_id", "channel_id"),
        CheckConstraint(one_of("status", DeliveryStatus), name="status"),
        Index("ix_deliveries_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(Snowflake)
    channel_id: Mapped[int] = mapped_column(Snowflake)
    ping_role_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    status: Mapped[DeliveryStatus] = mapped_column(
        state_column(DeliveryStatus), default=DeliveryStatus.QUEUED
    )
    thread_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    # Times the thread was deleted and opened anew: part of the nonces of the parts resent.
    thread_round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failure_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The issue revision all of this delivery's messages show once it is done: below the
    # issue's, a correction is still to be made here.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DeliveryPart(Base):
    """One message of a delivery. The unique key makes a second copy impossible to record."""

    __tablename__ = "delivery_parts"
    __table_args__ = (
        UniqueConstraint("issue_id", "channel_id", "part_key"),
        CheckConstraint(one_of("status", PartStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(Snowflake)
    part_key: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[PartStatus] = mapped_column(state_column(PartStatus), default=PartStatus.PENDING)
    message_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Corrections, an outbox of edits: the issue revision the message shows and a digest
    # of its rendered text (None: posted before digests were kept); `editing_revision`
    # is set before an edit goes out, so a restart checks whether it landed.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    editing_revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # A moderator deleted the message: corrections skip it (and /setup show says so).
    message_deleted: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


# A card showing an older revision than its tip has: the condition of a partial index,
# which a query uses only when its WHERE contains the same terms.
STALE_CARD = "review_message_id IS NOT NULL AND card_posted_revision < card_revision"
CARD_SENDING = "card_sending_channel_id IS NOT NULL"


class Tip(Base):
    """A reader's news tip. `version` counts decisions: a decision names the version it
    saw, so of two moderators deciding at once the second changes nothing.

    The review card is an outbox: `card_revision` goes up whenever what the card shows
    changes, `card_posted_revision` is what the card in Discord shows (0: no card yet).
    `card_sending_*` say where and since when a card is being posted: set, a crash may
    have left a card there that was never recorded, which is looked for before another.
    """

    __tablename__ = "tips"
    __table_args__ = (
        CheckConstraint(one_of("status", TipStatus), name="status"),
        Index("ix_tips_guild_status", "guild_id", "status"),
        Index("ix_tips_user_created", "user_id", "created_at"),
        Index("ix_tips_canonical_link", "newsletter", "canonical_link"),
        # The review outbox's two questions, asked after every tip: partial indexes, so
        # neither reads the tips that never get a card or whose card is up to date.
        Index(
            "ix_tips_pending_card",
            "guild_id",
            "status",
            "review_channel_id",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index(
            "ix_tips_stale_card",
            "id",
            sqlite_where=text(STALE_CARD),
            postgresql_where=text(STALE_CARD),
        ),
        # The cards a crash may have left unrecorded: none, nearly always.
        Index(
            "ix_tips_card_sending",
            "id",
            sqlite_where=text(CARD_SENDING),
            postgresql_where=text(CARD_SENDING),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    newsletter: Mapped[str] = mapped_column(String(80))
    guild_id: Mapped[int] = mapped_column(Snowflake)
    # None once the author asked to be forgotten (the tip itself was approved and stays).
    user_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    headline: Mapped[str] = mapped_column(String(150))
    link: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    canonical_link: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    why: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    for_month: Mapped[str] = mapped_column(String(7))
    status: Mapped[TipStatus] = mapped_column(state_column(TipStatus), default=TipStatus.PENDING)
    version: Mapped[int] = mapped_column(Integer, default=1)
    decided_by: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    review_channel_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    review_message_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    card_revision: Mapped[int] = mapped_column(Integer, default=1)
    card_posted_revision: Mapped[int] = mapped_column(Integer, default=0)
    card_sending_channel_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    card_sending_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Where a used tip went: an issue and an item's number (a correction that removes the
    # item deletes its row, and the credit still names what was published).
    used_issue_id: Mapped[int | None] = mapped_column(
        ForeignKey("issues.id", ondelete="SET NULL"), nullable=True
    )
    used_item_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TipVote(Base):
    """A reader who sent a tip that was already suggested: a vote for the original."""

    __tablename__ = "tip_votes"
    __table_args__ = (
        UniqueConstraint("tip_id", "user_id"),
        Index("ix_tip_votes_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TipEvent(Base):
    """The audit trail: who did what to a tip, when, and why.

    A decision is also a DM to the tipster, sent by a worker: `dm_status` is its outbox
    state, so a crash neither loses nor repeats it (`dm_sending_at`: when sending began;
    a crash after it may have sent the DM, which is looked for in the DM channel first).
    """

    __tablename__ = "tip_events"
    __table_args__ = (
        CheckConstraint(one_of("dm_status", DmStatus), name="dm_status"),
        Index("ix_tip_events_dm_status", "dm_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    # None once the actor asked to be forgotten.
    actor_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    dm_status: Mapped[DmStatus] = mapped_column(state_column(DmStatus), default=DmStatus.NONE)
    dm_sending_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReaderPreferences(Base):
    """A reader's preferences; a reader without a row has the defaults."""

    __tablename__ = "reader_preferences"

    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    dms_enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class CardCleanup(Base):
    """A review card whose tip was deleted (forget me): the worker deletes the message."""

    __tablename__ = "card_cleanups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(Snowflake)
    message_id: Mapped[int] = mapped_column(Snowflake)


class ItemVote(Base):
    """A reader's "Helpful?" answer on a posted item: one per reader per item."""

    __tablename__ = "item_votes"
    __table_args__ = (UniqueConstraint("item_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(Snowflake)
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BotState(Base):
    """Small key/value facts the bot keeps across restarts (e.g. the command-tree hash)."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Feed(Base):
    """An RSS or Atom feed watched for new issues (`/setup feed`).

    Its polling state is kept here so that every process shares it: `next_poll_at` is
    also the lease of the process polling it, and `failures` sets the back-off.
    """

    __tablename__ = "feeds"
    __table_args__ = (UniqueConstraint("url_key"), Index("ix_feeds_next_poll_at", "next_poll_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    # SHA-256 of the URL: unique on every backend, however long the URL (a PostgreSQL
    # index entry holds at most ~2.7 kB, and a URL of non-ASCII characters is longer).
    url_key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    # Where previews go: this server's review channel, else a DM to `added_by`.
    guild_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    added_by: Mapped[int] = mapped_column(Snowflake)
    etag: Mapped[str | None] = mapped_column(String(512), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    next_poll_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedEntry(Base):
    """An entry of a watched feed, recorded once (the unique key) before its preview is
    sent; the preview's buttons act on this row."""

    __tablename__ = "feed_entries"
    __table_args__ = (
        UniqueConstraint("feed_id", "entry_key"),
        CheckConstraint(one_of("status", FeedEntryStatus), name="status"),
        Index("ix_feed_entries_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(String(64))  # SHA-256 of its guid, else link
    title: Mapped[str] = mapped_column(String(300))
    link: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    status: Mapped[FeedEntryStatus] = mapped_column(
        state_column(FeedEntryStatus), default=FeedEntryStatus.PENDING
    )
    # The parsed issue (JSON), or why the entry could not be read.
    document: Mapped[str | None] = mapped_column(Text, nullable=True)
    problem: Mapped[str | None] = mapped_column(String(300), nullable=True)
    note: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # Set before each attempt to send the preview: a crash after it may have sent one.
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    channel_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    message_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    decided_by: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Schedule(Base):
    """An issue to be published at a set time. Every process's scheduler looks for due
    ones; the one whose conditional update moves it out of `scheduled` publishes it, in
    the same transaction, so it is published once however many processes run."""

    __tablename__ = "schedules"
    __table_args__ = (
        CheckConstraint(one_of("status", ScheduleStatus), name="status"),
        Index("ix_schedules_status_publish_at", "status", "publish_at"),
        # One waiting schedule per issue: setting another time moves it.
        Index(
            "uq_schedules_waiting_issue",
            "issue_id",
            unique=True,
            sqlite_where=text("status = 'scheduled'"),
            postgresql_where=text("status = 'scheduled'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    publish_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[ScheduleStatus] = mapped_column(
        state_column(ScheduleStatus), default=ScheduleStatus.SCHEDULED
    )
    # The editor who set it (None: the command line), and who cancelled it.
    created_by: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    cancelled_by: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    # Channels queued when it fired.
    queued: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ItemLookup(Base):
    """How often readers opened an item with /item and its Full text button. Processes
    add their counted batches to these totals; no reader ids are kept."""

    __tablename__ = "item_lookups"

    # The item's number, not its row id: a correction rewrites an issue's items.
    issue_id: Mapped[int] = mapped_column(
        ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True
    )
    item_number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    item_opens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    full_text_opens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class MissedSearch(Base):
    """A normalized /search query that found nothing, counted per newsletter and hour."""

    __tablename__ = "missed_searches"

    newsletter: Mapped[str] = mapped_column(String(80), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    query: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class RateLease(Base):
    """One process's lease of the bot token's global rate limit (requests per second),
    renewed every second while the process lives (db/repositories/rate_leases.py)."""

    __tablename__ = "rate_leases"
    __table_args__ = (
        CheckConstraint("wanted >= 0", name="wanted"),
        CheckConstraint("granted >= 0", name="granted"),
        CheckConstraint("held >= 0", name="held"),
    )

    holder: Mapped[str] = mapped_column(String(100), primary_key=True)
    wanted: Mapped[float] = mapped_column(Float)
    granted: Mapped[int] = mapped_column(Integer)
    # A grant just lowered still counts at its old rate until held_until: the holder sent
    # at that rate within the last second.
    held: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    held_until: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Until when Discord asked the whole token to wait (a global 429's retry_after).
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

"""The schema. Uniqueness rules live here so duplicates are impossible, not just unlikely."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.types import Snowflake, UTCDateTime, utcnow

# Stable constraint names, so Alembic migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ISSUE_STATUSES = ("draft", "published")
DELIVERY_STATUSES = ("queued", "delivering", "done", "failed")
PART_STATUSES = ("pending", "sent")
TIP_STATUSES = ("pending", "approved", "shortlisted", "rejected", "withdrawn", "duplicate")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Issue(Base):
    """One monthly issue of one newsletter; the parsed document is kept whole as JSON."""

    __tablename__ = "issues"
    __table_args__ = (
        UniqueConstraint("newsletter", "month"),
        CheckConstraint(_one_of("status", ISSUE_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    newsletter: Mapped[str] = mapped_column(String(80))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    title: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

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
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Delivery(Base):
    """An issue on its way to one channel; its parts record what was already sent."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("issue_id", "channel_id"),
        CheckConstraint(_one_of("status", DELIVERY_STATUSES), name="status"),
        Index("ix_deliveries_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(Snowflake)
    channel_id: Mapped[int] = mapped_column(Snowflake)
    ping_role_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    thread_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    # Times the thread was deleted and opened anew: part of the nonces of the parts resent.
    thread_round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failure_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DeliveryPart(Base):
    """One message of a delivery. The unique key makes a second copy impossible to record."""

    __tablename__ = "delivery_parts"
    __table_args__ = (
        UniqueConstraint("issue_id", "channel_id", "part_key"),
        CheckConstraint(_one_of("status", PART_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(Snowflake)
    part_key: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    message_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Tip(Base):
    """A reader's news tip. `version` guards decisions: a stale decision updates no row."""

    __tablename__ = "tips"
    __table_args__ = (
        CheckConstraint(_one_of("status", TIP_STATUSES), name="status"),
        Index("ix_tips_guild_status", "guild_id", "status"),
        Index("ix_tips_user_created", "user_id", "created_at"),
        Index("ix_tips_normalized_link", "guild_id", "normalized_link"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    user_id: Mapped[int] = mapped_column(Snowflake)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    headline: Mapped[str] = mapped_column(String(150))
    link: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    normalized_link: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    why: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    for_month: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("tips.id", ondelete="SET NULL"), nullable=True
    )
    votes: Mapped[int] = mapped_column(Integer, default=1)
    review_channel_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    review_message_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    decided_by: Mapped[int | None] = mapped_column(Snowflake, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TipEvent(Base):
    """The audit trail: who did what to a tip, when, and why."""

    __tablename__ = "tip_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(Snowflake)
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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

"""Tips and review: tips reshaped, votes for already-suggested tips, the DM outbox,
reader preferences, card clean-ups, and review-channel failures.

No release wrote tips before this revision, so its two tables are made anew rather than
altered column by column (which SQLite could only do by copying them anyway).

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIP_STATUSES = "'pending', 'approved', 'shortlisted', 'rejected', 'withdrawn', 'used'"
DM_STATUSES = "'none', 'pending', 'sent', 'skipped', 'failed'"


def upgrade() -> None:
    op.drop_table("tip_events")
    op.drop_table("tips")
    op.create_table(
        "tips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("newsletter", sa.String(length=80), nullable=False),
        sa.Column("guild_id", db.types.Snowflake(), nullable=False),
        sa.Column("user_id", db.types.Snowflake(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("headline", sa.String(length=150), nullable=False),
        sa.Column("link", sa.String(length=2048), nullable=True),
        sa.Column("canonical_link", sa.String(length=2048), nullable=True),
        sa.Column("why", sa.String(length=1000), nullable=True),
        sa.Column("for_month", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("decided_by", db.types.Snowflake(), nullable=True),
        sa.Column("decided_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.String(length=1000), nullable=True),
        sa.Column("review_channel_id", db.types.Snowflake(), nullable=True),
        sa.Column("review_message_id", db.types.Snowflake(), nullable=True),
        sa.Column("card_revision", sa.Integer(), nullable=False),
        sa.Column("card_posted_revision", sa.Integer(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"status IN ({TIP_STATUSES})", name=op.f("ck_tips_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tips")),
    )
    op.create_index("ix_tips_guild_status", "tips", ["guild_id", "status"])
    op.create_index("ix_tips_user_created", "tips", ["user_id", "created_at"])
    op.create_index("ix_tips_canonical_link", "tips", ["newsletter", "canonical_link"])
    op.create_index("ix_tips_card", "tips", ["card_posted_revision", "card_revision"])
    op.create_table(
        "tip_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("user_id", db.types.Snowflake(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tip_id"], ["tips.id"], name=op.f("fk_tip_votes_tip_id_tips"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_votes")),
        sa.UniqueConstraint("tip_id", "user_id", name=op.f("uq_tip_votes_tip_id_user_id")),
    )
    op.create_index("ix_tip_votes_user_created", "tip_votes", ["user_id", "created_at"])
    op.create_table(
        "tip_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", db.types.Snowflake(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("dm_status", sa.String(length=16), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"dm_status IN ({DM_STATUSES})", name=op.f("ck_tip_events_dm_status")),
        sa.ForeignKeyConstraint(
            ["tip_id"], ["tips.id"], name=op.f("fk_tip_events_tip_id_tips"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_events")),
    )
    op.create_index("ix_tip_events_tip_id", "tip_events", ["tip_id"])
    op.create_index("ix_tip_events_dm_status", "tip_events", ["dm_status"])
    op.create_table(
        "reader_preferences",
        sa.Column("user_id", db.types.Snowflake(), autoincrement=False, nullable=False),
        sa.Column("dms_enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_reader_preferences")),
    )
    op.create_table(
        "card_cleanups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", db.types.Snowflake(), nullable=False),
        sa.Column("message_id", db.types.Snowflake(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_cleanups")),
    )
    with op.batch_alter_table("guild_settings") as batch:
        batch.add_column(sa.Column("review_failure", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("guild_settings") as batch:
        batch.drop_column("review_failure")
    op.drop_table("card_cleanups")
    op.drop_table("reader_preferences")
    op.drop_table("tip_events")
    op.drop_table("tip_votes")
    op.drop_table("tips")
    # The tables as revision 0001 made them.
    op.create_table(
        "tips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", db.types.Snowflake(), nullable=False),
        sa.Column("user_id", db.types.Snowflake(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("headline", sa.String(length=150), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=True),
        sa.Column("normalized_link", sa.String(length=2000), nullable=True),
        sa.Column("why", sa.String(length=1000), nullable=True),
        sa.Column("for_month", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("review_channel_id", db.types.Snowflake(), nullable=True),
        sa.Column("review_message_id", db.types.Snowflake(), nullable=True),
        sa.Column("decided_by", db.types.Snowflake(), nullable=True),
        sa.Column("decided_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.String(length=1000), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'shortlisted', 'rejected', 'withdrawn',"
            " 'duplicate')",
            name=op.f("ck_tips_status"),
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"],
            ["tips.id"],
            name=op.f("fk_tips_duplicate_of_id_tips"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tips")),
    )
    op.create_index("ix_tips_guild_status", "tips", ["guild_id", "status"])
    op.create_index("ix_tips_normalized_link", "tips", ["guild_id", "normalized_link"])
    op.create_index("ix_tips_user_created", "tips", ["user_id", "created_at"])
    op.create_table(
        "tip_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", db.types.Snowflake(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tip_id"], ["tips.id"], name=op.f("fk_tip_events_tip_id_tips"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_events")),
    )
    op.create_index("ix_tip_events_tip_id", "tip_events", ["tip_id"])

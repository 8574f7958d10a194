"""Scheduled publishing: an issue to be published at a set time.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEDULE_STATUSES = "'scheduled', 'published', 'cancelled'"
WAITING = sa.text("status = 'scheduled'")


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("publish_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", db.types.Snowflake(), nullable=True),
        sa.Column("cancelled_by", db.types.Snowflake(), nullable=True),
        sa.Column("queued", sa.Integer(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"status IN ({SCHEDULE_STATUSES})", name=op.f("ck_schedules_status")),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["issues.id"],
            name=op.f("fk_schedules_issue_id_issues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
    )
    op.create_index("ix_schedules_status_publish_at", "schedules", ["status", "publish_at"])
    op.create_index(
        "uq_schedules_waiting_issue",
        "schedules",
        ["issue_id"],
        unique=True,
        sqlite_where=WAITING,
        postgresql_where=WAITING,
    )


def downgrade() -> None:
    op.drop_index("uq_schedules_waiting_issue", table_name="schedules")
    op.drop_index("ix_schedules_status_publish_at", table_name="schedules")
    op.drop_table("schedules")

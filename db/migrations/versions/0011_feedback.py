"""Feedback: how often readers opened each item, and the searches that found nothing.

Both tables hold counters that processes add to (an upsert adding a batch), never rows
per reader: no user ids are kept. Lookups are keyed by item number, not item row id,
because a correction rewrites an issue's items. Missed searches are counted per
newsletter, hour (UTC, start of the hour) and normalized query.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item_lookups",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("item_number", sa.Integer(), nullable=False),
        sa.Column("item_opens", sa.Integer(), server_default="0", nullable=False),
        sa.Column("full_text_opens", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["issues.id"],
            name=op.f("fk_item_lookups_issue_id_issues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("issue_id", "item_number", name=op.f("pk_item_lookups")),
    )
    op.create_table(
        "missed_searches",
        sa.Column("newsletter", sa.String(length=80), nullable=False),
        sa.Column("hour", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("newsletter", "hour", "query", name=op.f("pk_missed_searches")),
    )


def downgrade() -> None:
    op.drop_table("missed_searches")
    op.drop_table("item_lookups")

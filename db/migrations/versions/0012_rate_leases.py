"""Rate leases: the bot token's global rate limit shared by every process

One row per running bot process that delivers: what rate it wants, what it was granted,
a grant just lowered that still counts until `held_until`, when the lease runs out, and
until when a global 429 asked every process to wait.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_leases",
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("wanted", sa.Float(), nullable=False),
        sa.Column("granted", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), server_default="0", nullable=False),
        sa.Column("held_until", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("paused_until", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("wanted >= 0", name=op.f("ck_rate_leases_wanted")),
        sa.CheckConstraint("granted >= 0", name=op.f("ck_rate_leases_granted")),
        sa.CheckConstraint("held >= 0", name=op.f("ck_rate_leases_held")),
        sa.PrimaryKeyConstraint("holder", name=op.f("pk_rate_leases")),
    )


def downgrade() -> None:
    op.drop_table("rate_leases")

"""Review outbox: cards and decision DMs exactly once after any outage; cheaper queries

`tips.card_sending_channel_id` / `card_sending_at` and `tip_events.dm_sending_at` mark a
card or a DM as being sent: after a crash, the channel's history is searched for it
before anything is sent again (Discord remembers a nonce for minutes only). The index on
(card_posted_revision, card_revision) could not answer "posted < revision"; two partial
indexes replace it: the pending tips by server and card channel, and the stale cards.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = "status = 'pending'"
STALE_CARD = "review_message_id IS NOT NULL AND card_posted_revision < card_revision"


def upgrade() -> None:
    with op.batch_alter_table("tips") as batch_op:
        batch_op.add_column(
            sa.Column("card_sending_channel_id", db.types.Snowflake(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("card_sending_at", db.types.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("tip_events") as batch_op:
        batch_op.add_column(
            sa.Column("dm_sending_at", db.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.drop_index("ix_tips_card", table_name="tips")
    op.create_index(
        "ix_tips_pending_card",
        "tips",
        ["guild_id", "status", "review_channel_id"],
        sqlite_where=sa.text(PENDING),
        postgresql_where=sa.text(PENDING),
    )
    op.create_index(
        "ix_tips_stale_card",
        "tips",
        ["id"],
        sqlite_where=sa.text(STALE_CARD),
        postgresql_where=sa.text(STALE_CARD),
    )


def downgrade() -> None:
    op.drop_index("ix_tips_stale_card", table_name="tips")
    op.drop_index("ix_tips_pending_card", table_name="tips")
    op.create_index("ix_tips_card", "tips", ["card_posted_revision", "card_revision"])
    with op.batch_alter_table("tip_events") as batch_op:
        batch_op.drop_column("dm_sending_at")
    with op.batch_alter_table("tips") as batch_op:
        batch_op.drop_column("card_sending_at")
        batch_op.drop_column("card_sending_channel_id")

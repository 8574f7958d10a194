"""Lost review cards of decided tips

A card a crash left unrecorded is looked for in its channel's history before the tip's
card is posted again; but a tip decided before that happened was never looked at again,
and its card showed "pending" for ever. The outbox now looks for the lost cards of every
marked tip, through this partial index of the (nearly always no) tips marked as sending.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CARD_SENDING = "card_sending_channel_id IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_tips_card_sending",
        "tips",
        ["id"],
        sqlite_where=sa.text(CARD_SENDING),
        postgresql_where=sa.text(CARD_SENDING),
    )


def downgrade() -> None:
    op.drop_index("ix_tips_card_sending", table_name="tips")

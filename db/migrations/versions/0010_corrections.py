"""Corrections: issue revisions, and what each posted message shows

`issues.revision` goes up when the text of a published issue is replaced, and
`issues.corrected_at` says when. A delivery's `revision` is the one all its messages show;
each part records its own `revision`, a digest of what it shows (`content_hash`, unknown
for parts posted before this revision), the revision an edit in flight goes to
(`editing_revision`), and whether a moderator deleted the message (`message_deleted`).
Everything posted so far shows revision 1.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("issues") as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(
            sa.Column("corrected_at", db.types.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("delivery_parts") as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("editing_revision", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("message_deleted", sa.Boolean(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery_parts") as batch_op:
        batch_op.drop_column("message_deleted")
        batch_op.drop_column("editing_revision")
        batch_op.drop_column("content_hash")
        batch_op.drop_column("revision")
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_column("revision")
    with op.batch_alter_table("issues") as batch_op:
        batch_op.drop_column("corrected_at")
        batch_op.drop_column("revision")

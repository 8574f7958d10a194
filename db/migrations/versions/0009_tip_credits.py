"""Tipsters credited: where a used tip went (an issue, and an item's number).

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tips") as batch:
        batch.add_column(sa.Column("used_issue_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("used_item_number", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_tips_used_issue_id_issues"),
            "issues",
            ["used_issue_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("tips") as batch:
        batch.drop_constraint(op.f("fk_tips_used_issue_id_issues"), type_="foreignkey")
        batch.drop_column("used_item_number")
        batch.drop_column("used_issue_id")

"""CJK bigram index over items (SQLite only)

Neither tokenizer splits a run of CJK characters into words, so a Chinese term used to be
matched with LIKE over every body. SQLite gets an FTS5 table of each item's CJK runs
written as overlapping character bigrams: a term becomes a phrase of its bigrams, which
finds the few candidate items that the substring check then confirms. The bigram text is
derived in Python (db/repositories/search.py, `cjk_bigrams`), so items that are stored
fill it from `store_issue`; a trigger removes the row of a deleted item. PostgreSQL keeps
matching CJK substrings directly and gets nothing here.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The index must be written exactly as the search query reads it: one definition.
from db.repositories.search import cjk_bigrams

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.execute("CREATE VIRTUAL TABLE items_cjk USING fts5(bigrams, tokenize='unicode61')")
    op.execute(
        "CREATE TRIGGER items_cjk_delete AFTER DELETE ON items BEGIN "
        "DELETE FROM items_cjk WHERE rowid = old.id; END"
    )
    # Items stored before this revision: only those holding CJK text get a row.
    rows = bind.execute(sa.text("SELECT id, title, body FROM items")).all()
    bigrams = [
        {"id": row.id, "bigrams": text}
        for row in rows
        if (text := cjk_bigrams(row.title, row.body))
    ]
    if bigrams:
        bind.execute(
            sa.text("INSERT INTO items_cjk (rowid, bigrams) VALUES (:id, :bigrams)"), bigrams
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS items_cjk_delete")
    op.execute("DROP TABLE IF EXISTS items_cjk")

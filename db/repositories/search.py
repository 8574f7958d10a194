"""Full-text search over the items of published issues: SQLite FTS5 or PostgreSQL.

Whatever a reader types is turned into plain terms before it reaches either engine, so
quotes, operators and emoji can never make a query fail. Runs of CJK characters are not
split into words by either tokenizer, so they are matched as substrings instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

MAX_QUERY_TERMS = 12
_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
TITLE_WEIGHT = 10.0  # bm25 column weights in SQLite
BODY_WEIGHT = 1.0
PG_WEIGHTS = "'{0, 0, 0.1, 1.0}'::float4[]"  # weights of D, C, B (body), A (title)
PG_VECTOR = (
    "setweight(to_tsvector('english', coalesce(i.title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(i.body, '')), 'B')"
)

SQLITE_CANDIDATES = 64  # items ranked by score alone before any join (see _ranked_sqlite)
_SQLITE_RANK = f"bm25(items_fts, {TITLE_WEIGHT}, {BODY_WEIGHT})"
_SQLITE_SNIPPET = "snippet(items_fts, 1, '**', '**', '…', 16) AS snippet"
_SQLITE_FILTER = (
    "s.newsletter = :newsletter AND s.status = 'published' AND (:month IS NULL OR s.month = :month)"
)
_SQLITE_FULL = f"""
    SELECT i.id, s.month, s.title AS issue_title, i.number, i.title, {_SQLITE_SNIPPET}
    FROM items_fts
    JOIN items i ON i.id = items_fts.rowid
    JOIN issues s ON s.id = i.issue_id
    WHERE items_fts MATCH :match AND {_SQLITE_FILTER}
    ORDER BY {_SQLITE_RANK}, s.month DESC, i.number
    LIMIT :limit
"""
_SQLITE_CANDIDATES = f"""
    WITH candidates AS (
        SELECT rowid AS id, {_SQLITE_RANK} AS score FROM items_fts
        WHERE items_fts MATCH :match ORDER BY score LIMIT :candidates
    ), worst AS (SELECT count(*) AS matched, max(score) AS cutoff FROM candidates)
    SELECT i.id, s.month, s.title AS issue_title, i.number, i.title, c.score,
           worst.matched, worst.cutoff, {_SQLITE_SNIPPET}
    FROM candidates c
    CROSS JOIN worst
    JOIN items i ON i.id = c.id
    JOIN issues s ON s.id = i.issue_id
    JOIN items_fts ON items_fts.rowid = c.id AND items_fts MATCH :match
    WHERE {_SQLITE_FILTER}
    ORDER BY c.score, s.month DESC, i.number
    LIMIT :limit
"""


@dataclass(frozen=True)
class SearchHit:
    item_id: int
    month: str
    issue_title: str
    number: int
    title: str
    snippet: str


def query_terms(query: str) -> list[str]:
    """The words of a reader's query, deduplicated, in order; punctuation dropped."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(query.casefold()):
        if not _CJK.fullmatch(word):
            seen.setdefault(word, None)
    return list(seen)[:MAX_QUERY_TERMS]


def cjk_terms(query: str) -> list[str]:
    return _CJK.findall(query)[:MAX_QUERY_TERMS]


async def search_items(
    session: AsyncSession,
    query: str,
    *,
    newsletter: str,
    month: str | None = None,
    limit: int = 5,
) -> list[SearchHit]:
    """Best matches first: title matches weigh more than body matches."""
    words, cjk = query_terms(query), cjk_terms(query)
    if not words and not cjk:
        return []
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    hits: list[SearchHit] = []
    if words:
        search = _search_sqlite if dialect == "sqlite" else _search_postgres
        hits = await search(session, words, newsletter, month, limit)
    if cjk and len(hits) < limit:
        seen = {h.item_id for h in hits}
        extra = await _search_substrings(session, cjk, newsletter, month, limit)
        hits += [h for h in extra if h.item_id not in seen][: limit - len(hits)]
    return hits


async def _search_sqlite(
    session: AsyncSession, words: list[str], newsletter: str, month: str | None, limit: int
) -> list[SearchHit]:
    # Every term double-quoted: FTS5 then reads it as a plain string, never as syntax.
    match = " ".join('"' + w.replace('"', '""') + '"' for w in words)
    hits = await _ranked_sqlite(session, match, newsletter, month, limit)
    if not hits and len(words) > 1:
        # No item has every word: fall back to any word, still ranked.
        any_word = " OR ".join(match.split(" "))
        hits = await _ranked_sqlite(session, any_word, newsletter, month, limit)
    return hits


async def _ranked_sqlite(
    session: AsyncSession, match: str, newsletter: str, month: str | None, limit: int
) -> list[SearchHit]:
    """The best `limit` items for an FTS5 query, by bm25 then newest.

    A common word matches most of the archive. Ranking every match is unavoidable, but
    joining each one to its issue and sorting them all is not: the best CANDIDATES by
    score alone come first, and only they are joined and filtered. That answer is exact
    when every hit scores strictly better than the worst candidate (no other item can
    come before it) or when the candidates are all the matches; otherwise (an issue
    filter, other newsletters, ties) the full query decides.
    """
    params = {"match": match, "newsletter": newsletter, "month": month, "limit": limit}
    if month is None:
        rows = (
            await session.execute(
                text(_SQLITE_CANDIDATES), {**params, "candidates": SQLITE_CANDIDATES}
            )
        ).all()
        complete = bool(rows) and rows[0].matched < SQLITE_CANDIDATES
        if complete or (len(rows) == limit and all(r.score < r.cutoff for r in rows)):
            return [_hit(row) for row in rows]
    return await _fetch(session, _SQLITE_FULL, **params)


async def _search_postgres(
    session: AsyncSession, words: list[str], newsletter: str, month: str | None, limit: int
) -> list[SearchHit]:
    params: dict[str, object] = {"newsletter": newsletter, "month": month, "limit": limit}
    params.update({f"w{n}": w for n, w in enumerate(words)})
    hits = await _fetch(session, _postgres_sql(len(words), "&&"), **params)
    if not hits and len(words) > 1:
        hits = await _fetch(session, _postgres_sql(len(words), "||"), **params)
    return hits


def _postgres_sql(n_words: int, operator: str) -> str:
    # plainto_tsquery reads each word as plain text, whatever characters it holds.
    query = f" {operator} ".join(f"plainto_tsquery('english', :w{n})" for n in range(n_words))
    return f"""
        SELECT i.id, s.month, s.title AS issue_title, i.number, i.title,
               ts_headline('english', i.body, q,
                   'StartSel=**, StopSel=**, MaxWords=30, MinWords=12') AS snippet
        FROM items i
        JOIN issues s ON s.id = i.issue_id
        CROSS JOIN (SELECT {query} AS q) AS terms
        WHERE ({PG_VECTOR}) @@ q AND s.newsletter = :newsletter
          AND s.status = 'published'
          AND (CAST(:month AS varchar) IS NULL OR s.month = :month)
        ORDER BY ts_rank_cd({PG_WEIGHTS}, ({PG_VECTOR}), q) DESC, s.month DESC, i.number
        LIMIT :limit
    """


async def _search_substrings(
    session: AsyncSession, terms: list[str], newsletter: str, month: str | None, limit: int
) -> list[SearchHit]:
    conditions = " OR ".join(
        f"(i.title LIKE :t{n} ESCAPE '\\' OR i.body LIKE :t{n} ESCAPE '\\')"
        for n in range(len(terms))
    )
    sql = f"""
        SELECT i.id, s.month, s.title AS issue_title, i.number, i.title,
               substr(i.body, 1, 160) AS snippet
        FROM items i JOIN issues s ON s.id = i.issue_id
        WHERE ({conditions}) AND s.newsletter = :newsletter AND s.status = 'published'
          AND (CAST(:month AS varchar) IS NULL OR s.month = :month)
        ORDER BY s.month DESC, i.number
        LIMIT :limit
    """
    likes = {f"t{n}": f"%{_escape_like(t)}%" for n, t in enumerate(terms)}
    return await _fetch(session, sql, newsletter=newsletter, month=month, limit=limit, **likes)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def _fetch(session: AsyncSession, sql: str, **params: object) -> list[SearchHit]:
    stmt = text(sql).bindparams(*(bindparam(k) for k in params))
    return [_hit(row) for row in (await session.execute(stmt, params)).all()]


def _hit(row: Row[Any]) -> SearchHit:
    return SearchHit(
        item_id=row.id,
        month=row.month,
        issue_title=row.issue_title,
        number=row.number,
        title=row.title,
        snippet=" ".join((row.snippet or "").split()),
    )

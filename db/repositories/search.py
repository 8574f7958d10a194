"""Full-text search over the items of published issues: SQLite FTS5 or PostgreSQL.

Whatever a reader types is turned into plain terms before it reaches either engine, so
quotes, operators and emoji can never make a query fail. Runs of CJK characters are not
split into words by either tokenizer, so they are matched as substrings instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import bindparam, text
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
    sql = f"""
        SELECT i.id, s.month, s.title AS issue_title, i.number, i.title,
               snippet(items_fts, 1, '**', '**', '…', 16) AS snippet
        FROM items_fts
        JOIN items i ON i.id = items_fts.rowid
        JOIN issues s ON s.id = i.issue_id
        WHERE items_fts MATCH :match AND s.newsletter = :newsletter
          AND s.status = 'published' AND (:month IS NULL OR s.month = :month)
        ORDER BY bm25(items_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}), s.month DESC, i.number
        LIMIT :limit
    """
    params = {"newsletter": newsletter, "month": month, "limit": limit}
    hits = await _fetch(session, sql, match=match, **params)
    if not hits and len(words) > 1:
        # No item has every word: fall back to any word, still ranked.
        hits = await _fetch(session, sql, match=" OR ".join(match.split(" ")), **params)
    return hits


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
    rows = (await session.execute(stmt, params)).all()
    return [
        SearchHit(
            item_id=row.id,
            month=row.month,
            issue_title=row.issue_title,
            number=row.number,
            title=row.title,
            snippet=" ".join((row.snippet or "").split()),
        )
        for row in rows
    ]

"""Full-text search over the items of published issues: SQLite FTS5 or PostgreSQL.

Whatever a reader types is turned into plain terms before it reaches either engine, so
quotes, operators and emoji can never make a query fail. Runs of CJK characters are not
split into words by either tokenizer, so they are matched as substrings instead; on SQLite
an index of their character bigrams (`items_cjk`, kept by `index_cjk`) first narrows the
items to read down to the few that can hold them.

Searches read through a `db.query_runner.QueryRunner` rather than a session: on SQLite that saves
most of the cost of a search (see db/query_runner.py). Writing the index takes a session.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from db.query_runner import QueryRunner, Row

MAX_QUERY_TERMS = 12
_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
TITLE_WEIGHT = 10.0  # bm25 column weights in SQLite
BODY_WEIGHT = 1.0
PG_WEIGHTS = "'{0, 0, 0.1, 1.0}'::float4[]"  # weights of D, C, B (body), A (title)

SQLITE_CANDIDATES = 64  # items ranked by score alone before any join (see _ranked_sqlite)
SQLITE_SCAN = 2000  # the most recently stored matches that are ranked (see _ranked_sqlite)
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
# Snippets are made last, for the page of hits only: one costs as much as ranking
# dozens of matches.
_SQLITE_CANDIDATES = f"""
    WITH scan AS (
        SELECT rowid AS id, {_SQLITE_RANK} AS score FROM items_fts
        WHERE items_fts MATCH :match ORDER BY rowid DESC LIMIT :scan
    ), candidates AS (SELECT id, score FROM scan ORDER BY score LIMIT :candidates),
    worst AS (
        SELECT count(*) AS matched, max(score) AS cutoff, (SELECT count(*) FROM scan) AS scanned
        FROM candidates
    ), hits AS (
        SELECT i.id, s.month, s.title AS issue_title, i.number, i.title, c.score,
               worst.matched, worst.cutoff, worst.scanned
        FROM candidates c
        CROSS JOIN worst
        JOIN items i ON i.id = c.id
        JOIN issues s ON s.id = i.issue_id
        WHERE {_SQLITE_FILTER}
        ORDER BY c.score, s.month DESC, i.number
        LIMIT :limit
    )
    SELECT hits.*, {_SQLITE_SNIPPET}
    FROM hits
    JOIN items_fts ON items_fts.rowid = hits.id AND items_fts MATCH :match
    ORDER BY hits.score, hits.month DESC, hits.number
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


def cjk_bigrams(*texts: str) -> str:
    """The CJK runs of `texts` as the tokens of the bigram index: each run's overlapping
    character pairs in order, then its last character alone.

    A run of n characters holds every substring of 2+ characters as a phrase of
    consecutive bigrams, and every single character as the first half of a bigram or
    as the last character, so a prefix query finds it (see `_cjk_match`).
    """
    tokens: list[str] = []
    for text_ in texts:
        for run in _CJK.findall(text_ or ""):
            tokens += [run[n : n + 2] for n in range(len(run) - 1)]
            tokens.append(run[-1])
    return " ".join(tokens)


async def index_cjk(session: AsyncSession, issue_id: int) -> None:
    """Rewrite the bigram rows of an issue's items after they were stored or replaced.

    Only SQLite has the index (PostgreSQL reads CJK substrings directly). Search then
    confirms each candidate with a substring check, so the index need only hold every
    item's runs: a row left over can cost a lookup, never a wrong hit.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    ids = "SELECT id FROM items WHERE issue_id = :issue_id"
    await session.execute(
        text(f"DELETE FROM items_cjk WHERE rowid IN ({ids})"), {"issue_id": issue_id}
    )
    rows = (
        await session.execute(
            text("SELECT id, title, body FROM items WHERE issue_id = :issue_id"),
            {"issue_id": issue_id},
        )
    ).all()
    bigrams = [
        {"id": row.id, "bigrams": text_}
        for row in rows
        if (text_ := cjk_bigrams(row.title, row.body))
    ]
    if bigrams:
        insert = "INSERT INTO items_cjk (rowid, bigrams) VALUES (:id, :bigrams)"
        await session.execute(text(insert), bigrams)


async def search_items(
    queries: QueryRunner,
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
    hits: list[SearchHit] = []
    if words:
        search = _search_sqlite if queries.dialect == "sqlite" else _search_postgres
        hits = await search(queries, words, newsletter, month, limit)
    if cjk and len(hits) < limit:
        seen = {h.item_id for h in hits}
        extra = await _search_substrings(queries, cjk, newsletter, month, limit)
        hits += [h for h in extra if h.item_id not in seen][: limit - len(hits)]
    return hits


async def _search_sqlite(
    queries: QueryRunner, words: list[str], newsletter: str, month: str | None, limit: int
) -> list[SearchHit]:
    # Every term double-quoted: FTS5 then reads it as a plain string, never as syntax.
    match = " ".join('"' + w.replace('"', '""') + '"' for w in words)
    hits = await _ranked_sqlite(queries, match, newsletter, month, limit)
    if not hits and len(words) > 1:
        # No item has every word: fall back to any word, still ranked.
        any_word = " OR ".join(match.split(" "))
        hits = await _ranked_sqlite(queries, any_word, newsletter, month, limit)
    return hits


async def _ranked_sqlite(
    queries: QueryRunner, match: str, newsletter: str, month: str | None, limit: int
) -> list[SearchHit]:
    """The best `limit` items for an FTS5 query, by bm25 then newest.

    A common word matches most of the archive, and bm25 costs about a microsecond per
    match: ranking all 66,000 items that say "China" took 40 ms. So without an issue
    filter only the SCAN most recently stored matches are ranked (FTS5 reads them in
    rowid order without scoring the rest). That is exact for every query matching fewer
    items, which at one issue of 7 items a month is every query for centuries; beyond
    that an older item can be missed, which costs little: a word in most items has an
    inverse document frequency near zero, so bm25 hardly tells its matches apart anyway.

    Joining every ranked match to its issue and sorting them all is avoidable too: the
    best CANDIDATES by score alone come first, and only they are joined and filtered.
    That answer is exact (within the scan) when every hit scores strictly better than
    the worst candidate (no other item can come before it) or when the candidates are
    all the matches scanned. Otherwise (an issue filter, other newsletters, ties, or too
    few of this newsletter's items among the newest matches) the full query decides,
    over every match.
    """
    params = {"match": match, "newsletter": newsletter, "month": month, "limit": limit}
    if month is None:
        candidates = {**params, "candidates": SQLITE_CANDIDATES, "scan": SQLITE_SCAN}
        rows = await queries.rows(_SQLITE_CANDIDATES, candidates)
        if _candidates_decide(rows, limit):
            return [_hit(row) for row in rows]
    return await _fetch(queries, _SQLITE_FULL, **params)


def _candidates_decide(rows: Sequence[Row], limit: int) -> bool:
    """Whether the candidates' answer is the one the full query gives within the scan."""
    if len(rows) == limit and all(r["score"] < r["cutoff"] for r in rows):
        return True
    if not rows or rows[0]["matched"] >= SQLITE_CANDIDATES:
        return False
    # Every scanned match was joined: the answer is whole if the scan saw every match
    # or if it still filled the page.
    return rows[0]["scanned"] < SQLITE_SCAN or len(rows) == limit


async def _search_postgres(
    queries: QueryRunner, words: list[str], newsletter: str, month: str | None, limit: int
) -> list[SearchHit]:
    params: dict[str, object] = {"newsletter": newsletter, "month": month, "limit": limit}
    params.update({f"w{n}": w for n, w in enumerate(words)})
    hits = await _fetch(queries, _postgres_sql(len(words), "&&"), **params)
    if not hits and len(words) > 1:
        hits = await _fetch(queries, _postgres_sql(len(words), "||"), **params)
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
        WHERE i.search_vector @@ q AND s.newsletter = :newsletter
          AND s.status = 'published'
          AND (CAST(:month AS varchar) IS NULL OR s.month = :month)
        ORDER BY ts_rank_cd({PG_WEIGHTS}, i.search_vector, q) DESC, s.month DESC, i.number
        LIMIT :limit
    """


def _cjk_match(terms: list[str]) -> str:
    """An FTS5 query of the bigram index for items that may hold any of the CJK terms.

    A term of 2+ characters is the phrase of its bigrams ("中国芯片" -> "中国 国芯 芯片");
    a lone character is a prefix query, which also matches it as a run's last character.
    The phrase can match across two runs of one item, hence the substring check after.
    """
    phrases = []
    for term in terms:
        if len(term) == 1:
            phrases.append(f'"{term}"*')
        else:
            phrases.append('"' + " ".join(term[n : n + 2] for n in range(len(term) - 1)) + '"')
    return " OR ".join(phrases)


async def _search_substrings(
    queries: QueryRunner, terms: list[str], newsletter: str, month: str | None, limit: int
) -> list[SearchHit]:
    conditions = " OR ".join(
        f"(i.title LIKE :t{n} ESCAPE '\\' OR i.body LIKE :t{n} ESCAPE '\\')"
        for n in range(len(terms))
    )
    params: dict[str, object] = {f"t{n}": f"%{_escape_like(t)}%" for n, t in enumerate(terms)}
    items = "items i"
    # The FTS5 tokenizer drops CJK punctuation such as "・", so a term holding any
    # can only be found by reading the bodies, as before the index.
    if queries.dialect == "sqlite" and all(term.isalnum() for term in terms):
        # Read only the items the bigram index names, not every body. CROSS JOIN fixes
        # the join order: left to itself SQLite walks all the newsletter's issues by
        # month and tests each item against the index.
        items = "items_cjk c CROSS JOIN items i ON i.id = c.rowid"
        conditions = f"c.items_cjk MATCH :cjk AND ({conditions})"
        params["cjk"] = _cjk_match(terms)
    sql = f"""
        SELECT i.id, s.month, s.title AS issue_title, i.number, i.title,
               substr(i.body, 1, 160) AS snippet
        FROM {items} JOIN issues s ON s.id = i.issue_id
        WHERE ({conditions}) AND s.newsletter = :newsletter AND s.status = 'published'
          AND (CAST(:month AS varchar) IS NULL OR s.month = :month)
        ORDER BY s.month DESC, i.number
        LIMIT :limit
    """
    return await _fetch(queries, sql, newsletter=newsletter, month=month, limit=limit, **params)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def _fetch(queries: QueryRunner, sql: str, **params: object) -> list[SearchHit]:
    return [_hit(row) for row in await queries.rows(sql, params)]


def _hit(row: Row) -> SearchHit:
    return SearchHit(
        item_id=row["id"],
        month=row["month"],
        issue_title=row["issue_title"],
        number=row["number"],
        title=row["title"],
        snippet=" ".join((row["snippet"] or "").split()),
    )

"""SQLite ranks the best candidates by score alone before joining: the answer must be the
one the full query gives, whatever the candidates miss (other newsletters, drafts, ties)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import search
from db.repositories.search import search_items
from tests.db.search_helpers import NEWSLETTER, open_query_runner, publish_items

Sessions = async_sessionmaker[AsyncSession]


async def _store(sessionmaker: Sessions, newsletter: str, month: str, titles: list[str]) -> None:
    items = [(title, f"{title}. More about chips.") for title in titles]
    await publish_items(sessionmaker, month, items, newsletter=newsletter)


async def _ranked(sessionmaker: Sessions, query: str) -> list[tuple[str, int]]:
    async with open_query_runner(sessionmaker) as queries:
        hits = await search_items(queries, query, newsletter=NEWSLETTER)
    return [(h.month, h.number) for h in hits]


async def test_few_candidates_give_the_full_answer(
    sessionmaker: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another newsletter's items rank best, and many of ours tie on score.
    await _store(sessionmaker, "Other", "2023-12", ["Chip chip chip", "Chip chip"] * 3)
    for month in ("2023-10", "2023-11", "2023-12"):
        await _store(sessionmaker, NEWSLETTER, month, ["Chip plant", "Chip rules", "Rice"])
    full = await _ranked(sessionmaker, "chip")
    both = await _ranked(sessionmaker, "chip plant")
    assert len(full) == 5 and both
    for candidates in [*range(1, 14), 100]:
        monkeypatch.setattr(search, "SQLITE_CANDIDATES", candidates)
        assert await _ranked(sessionmaker, "chip") == full, candidates
        assert await _ranked(sessionmaker, "chip plant") == both, candidates


async def test_beyond_the_scan_only_the_newest_matches_are_ranked(
    sessionmaker: Sessions, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    await _store(sessionmaker, NEWSLETTER, "2023-01", ["Chip chip chip"])
    for month in ("2023-10", "2023-11", "2023-12"):
        await _store(sessionmaker, NEWSLETTER, month, ["Chip plant", "Chip rules", "Rice"])
    assert (await _ranked(sessionmaker, "chip"))[0] == ("2023-01", 1)
    monkeypatch.setattr(search, "SQLITE_SCAN", 6)
    ranked = await _ranked(sessionmaker, "chip")
    if backend == "sqlite":  # PostgreSQL ranks every match
        # The oldest item would rank first, but only the 6 newest matches are scored.
        assert ranked[0] != ("2023-01", 1) and {m for m, _ in ranked} == {"2023-11", "2023-12"}
    # Another newsletter's newer items fill the scan: ours come from the full query.
    await _store(sessionmaker, "Other", "2024-01", ["Chip"] * 6)
    assert (await _ranked(sessionmaker, "chip"))[0] == ("2023-01", 1)

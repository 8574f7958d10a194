"""Lookups counted in memory and written in batches, so `/item` keeps its speed.

`/item`, the /latest menu, the Full text button and a `/search` that found nothing only
add one to a counter here. `run()` (started by cogs.items) adds what was counted to the
stored totals every FLUSH_SECONDS, and `flush()` once more as the bot closes. The writes
are additive upserts, so every process and shard adds its own counts. A crash loses at
most the counts of the last few seconds. Queries are kept normalized and without who
typed them.
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import feedback
from db.repositories.feedback import ItemKey, SearchKey, hour_of
from db.types import utcnow
from masthead.utils.background import wait_for_wakeup

log = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0
MAX_QUERY_CHARS = 200  # the stored column's length, and /search's own limit
# Distinct queries held between writes: beyond this a flood of new ones is not counted
# (and the write is brought forward), so memory stays bounded while the database is down.
MAX_PENDING_SEARCHES = 5_000
# Joiners shape words in several scripts and emoji; every other format character
# (zero-width spaces, direction marks) is dropped so it cannot split one query in two.
KEPT_FORMAT = {"\u200c", "\u200d"}


def normalize_query(text: str) -> str:
    """NFKC, casefolded, control characters as spaces, whitespace collapsed, cut to the
    stored length. Unpaired surrogates and private or unassigned code points go."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    kept = []
    for char in folded:
        category = unicodedata.category(char)
        if category == "Cc":
            kept.append(" ")
        elif category in ("Cs", "Co", "Cn") or (category == "Cf" and char not in KEPT_FORMAT):
            continue
        else:
            kept.append(char)
    return " ".join("".join(kept).split())[:MAX_QUERY_CHARS].rstrip()


@dataclass
class Batch:
    item_opens: Counter[ItemKey] = field(default_factory=Counter)
    full_text_opens: Counter[ItemKey] = field(default_factory=Counter)
    missed_searches: Counter[SearchKey] = field(default_factory=Counter)

    def __bool__(self) -> bool:
        return bool(self.item_opens or self.full_text_opens or self.missed_searches)

    def add(self, other: Batch) -> None:
        self.item_opens.update(other.item_opens)
        self.full_text_opens.update(other.full_text_opens)
        self.missed_searches.update(other.missed_searches)


class LookupCounts:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        newsletter: str,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._newsletter = newsletter
        self._clock = clock
        self._batch = Batch()
        self._writing = asyncio.Lock()
        self._wakeup = asyncio.Event()
        self.dropped_searches = 0
        self._asked_early = False

    def item_opened(self, issue_id: int, number: int) -> None:
        self._batch.item_opens[issue_id, number] += 1

    def full_text_opened(self, issue_id: int, number: int) -> None:
        self._batch.full_text_opens[issue_id, number] += 1

    def search_missed(self, query: str) -> None:
        normalized = normalize_query(query)
        if not normalized:
            return
        key = (hour_of(self._clock()), normalized)
        pending = self._batch.missed_searches
        if key not in pending and len(pending) >= MAX_PENDING_SEARCHES:
            self.dropped_searches += 1
            if not self._asked_early:  # once: a database that is down is not hammered
                self._asked_early = True
                self._wakeup.set()
                log.warning(
                    "%d searches wait to be written: new ones are not counted", len(pending)
                )
            return
        pending[key] += 1

    async def flush(self) -> None:
        """Add everything counted so far to the stored totals. If the write fails, the
        counts stay pending for the next one."""
        async with self._writing:
            batch, self._batch = self._batch, Batch()
            if not batch:
                return
            try:
                async with self._sessionmaker.begin() as session:
                    await feedback.add_lookups(session, batch.item_opens, batch.full_text_opens)
                    await feedback.add_missed_searches(
                        session, self._newsletter, batch.missed_searches
                    )
            except BaseException:
                batch.add(self._batch)
                self._batch = batch
                raise
            self._asked_early = False

    async def run(self) -> None:
        failing = False
        while True:
            await wait_for_wakeup(self._wakeup, FLUSH_SECONDS)
            self._wakeup.clear()
            try:
                # Shielded: stopping the bot must not cut a write in half (and count its
                # batch again); the closing flush() waits for this one to finish.
                await asyncio.shield(self.flush())
            except asyncio.CancelledError:
                raise
            except Exception:
                if not failing:  # one traceback per outage, not one every few seconds
                    log.exception("writing lookup counts failed; they are kept for the next try")
                failing = True
            else:
                if failing:
                    log.info("lookup counts are written again")
                failing = False

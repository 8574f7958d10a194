"""What reader commands ask for, kept in memory: published issues and jump links.

/latest and /item ask for the same few published issues over and over, and those change
only when an issue is published or replaced. Changes clear the cache at once (the
`issues_changed` event, the delivery worker), those of other processes too as they are
announced (masthead/change_listener.py); entries also live only `ttl` seconds, in case
an announcement was missed. While the database cannot be reached, an expired entry is
still served: readers keep /latest and /item for what was asked before the outage.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Issue
from db.repositories import deliveries, issues
from masthead.importing import load_document
from masthead.utils.db_faults import database_unavailable
from newsletter.document import IssueDocument

DEFAULT_TTL_SECONDS = 30.0
MAX_ENTRIES = 4096  # a bound, not a tuning knob: past it the cache simply starts over


class PublishedIssues:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        newsletter: str,
        *,
        ttl: float = DEFAULT_TTL_SECONDS,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.newsletter = newsletter
        self.ttl = ttl
        self._entries: dict[tuple[Any, ...], tuple[float, Any]] = {}

    def clear(self) -> None:
        self._entries.clear()

    def document(self, issue: Issue) -> IssueDocument:
        """The issue's parsed document; parsed once per stored text, not once per answer."""
        key = ("document", issue.id, issue.content_hash)
        hit = self._entries.get(key)
        if hit is None:
            hit = (time.monotonic(), load_document(issue))
            self._entries[key] = hit
        document: IssueDocument = hit[1]
        return document

    async def latest(self) -> Issue | None:
        """The latest published issue, its items loaded."""
        return await self._get(("latest",), self._load_latest)

    async def resolve(self, text: str) -> Issue | None:
        """A published issue by month or title, its items loaded."""
        key = ("issue", text.strip().lower())
        return await self._get(key, lambda: self._load_resolved(text))

    async def item_refs(self) -> list[issues.ItemRef]:
        """Every published item, briefly: what a tip is checked against."""
        return await self._get(("item_refs",), self._load_item_refs)

    async def posted_item(
        self, issue_id: int, guild_id: int, number: int
    ) -> tuple[int, int] | None:
        """(thread id, message id) where an item was posted in a server, if it was."""
        key = ("posted", issue_id, guild_id, number)
        return await self._get(key, lambda: self._load_posted(issue_id, guild_id, number))

    async def _get(self, key: tuple[Any, ...], load: Callable[[], Awaitable[Any]]) -> Any:
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        try:
            value = await load()
        except Exception as exc:
            if hit is not None and database_unavailable(exc):
                return hit[1]  # outdated beats nothing while the database is away
            raise
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (now, value)
        return value

    async def _load_latest(self) -> Issue | None:
        async with self.sessionmaker() as session:
            return await issues.latest_published(session, self.newsletter, with_items=True)

    async def _load_item_refs(self) -> list[issues.ItemRef]:
        async with self.sessionmaker() as session:
            return await issues.published_item_refs(session, self.newsletter)

    async def _load_resolved(self, text: str) -> Issue | None:
        async with self.sessionmaker() as session:
            return await issues.resolve_issue(session, self.newsletter, text)

    async def _load_posted(
        self, issue_id: int, guild_id: int, number: int
    ) -> tuple[int, int] | None:
        async with self.sessionmaker() as session:
            return await deliveries.posted_message(
                session, issue_id=issue_id, guild_id=guild_id, part_key=f"item:{number}"
            )

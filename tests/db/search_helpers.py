"""What the search tests share: published items to find, and the bot's query runner to find them."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import query_runner
from db.repositories import issues

NEWSLETTER = "This Month in China"


async def publish_items(
    sessionmaker: async_sessionmaker[AsyncSession],
    month: str,
    items: list[tuple[str, str]],
    *,
    newsletter: str = NEWSLETTER,
) -> None:
    """Store (or replace) the month's issue with these (title, body) items, published."""
    data = issues.IssueData(
        newsletter=newsletter,
        month=month,
        title=month,
        document_json="{}",
        content_hash=hashlib.sha256(repr((newsletter, items)).encode()).hexdigest(),
        items=[
            issues.ItemData(number=n, title=t, body=b, summary=b, take=None, url=None)
            for n, (t, b) in enumerate(items, start=1)
        ],
    )
    async with sessionmaker.begin() as session:
        issue, _ = await issues.store_issue(session, data, replace=True)
        await issues.mark_published(session, issue)


@asynccontextmanager
async def open_query_runner(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[query_runner.QueryRunner]:
    """The query runner the bot would use for this database, closed after use."""
    opened = query_runner.open_query_runner(sessionmaker)
    try:
        yield opened
    finally:
        await opened.close()

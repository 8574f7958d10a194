"""The reader cache: fresh after a local change, bounded staleness for other processes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import issues
from masthead.published_issues import PublishedIssues

NEWSLETTER = "This Month in China"


async def _publish(sessionmaker: async_sessionmaker[AsyncSession], month: str) -> None:
    data = issues.IssueData(
        newsletter=NEWSLETTER,
        month=month,
        title=month,
        document_json="{}",
        content_hash=month,
        items=[issues.ItemData(1, "Title", "Body.", "Body.", None, None)],
    )
    async with sessionmaker.begin() as session:
        issue, _ = await issues.store_issue(session, data)
        await issues.mark_published(session, issue)


async def test_answers_are_kept_until_cleared(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    cache = PublishedIssues(sessionmaker, NEWSLETTER, ttl=3600)
    assert await cache.latest() is None
    await _publish(sessionmaker, "2024-01")
    assert await cache.latest() is None  # another process published: not seen yet
    cache.clear()
    latest = await cache.latest()
    assert latest is not None and latest.month == "2024-01"
    assert [item.number for item in latest.items] == [1]  # items usable after the session


async def test_entries_expire_after_the_ttl(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    cache = PublishedIssues(sessionmaker, NEWSLETTER, ttl=0.0)
    await _publish(sessionmaker, "2024-01")
    assert (await cache.resolve("2024-01")) is not None
    await _publish(sessionmaker, "2024-02")
    latest = await cache.latest()
    assert latest is not None and latest.month == "2024-02"

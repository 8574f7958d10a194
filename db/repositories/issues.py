"""Issues and their items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from db.models import Issue, Item
from db.repositories import search
from db.states import IssueStatus
from db.types import utcnow


@dataclass(frozen=True)
class ItemData:
    number: int
    title: str
    body: str
    summary: str
    take: str | None
    url: str | None


@dataclass(frozen=True)
class IssueData:
    newsletter: str
    month: str
    title: str
    document_json: str
    content_hash: str
    items: Sequence[ItemData]


class IssueConflictError(Exception):
    """The month is already stored with different text and replacing was not asked for."""


StoreOutcome = Literal["created", "unchanged", "replaced"]


async def store_issue(
    session: AsyncSession, data: IssueData, *, replace: bool = False
) -> tuple[Issue, StoreOutcome]:
    """Insert an issue, or keep the stored one when the text is the same.

    Changed text for a stored month raises IssueConflictError unless `replace`.
    """
    return await _store_issue(session, data, replace=replace, first_try=True)


async def _store_issue(
    session: AsyncSession, data: IssueData, *, replace: bool, first_try: bool
) -> tuple[Issue, StoreOutcome]:
    existing = await get_issue(session, data.newsletter, data.month)
    if existing is not None:
        if existing.content_hash == data.content_hash:
            return existing, "unchanged"
        if not replace:
            raise IssueConflictError(
                f"{data.month} is already imported with different text; use --replace"
            )
        existing.title = data.title
        existing.document = data.document_json
        existing.content_hash = data.content_hash
        existing.imported_at = utcnow()
        if existing.status == IssueStatus.PUBLISHED:
            # A correction: the delivery worker edits what was posted to this revision
            # (counted in SQL, so two corrections at once get two revisions).
            existing.revision = Issue.revision + 1
            existing.corrected_at = existing.imported_at
        await _replace_items(session, existing.id, data.items)
        await session.refresh(existing, ["revision"])
        await search.index_cjk(session, existing.id)
        return existing, "replaced"

    issue = Issue(
        newsletter=data.newsletter,
        month=data.month,
        title=data.title,
        document=data.document_json,
        content_hash=data.content_hash,
        status=IssueStatus.DRAFT,
    )
    try:
        async with session.begin_nested():
            session.add(issue)
    except IntegrityError:
        if not first_try:
            raise
        # The month was imported elsewhere at the same moment (the CLI and /issue import):
        # decided against that one now, as if this import had come second.
        return await _store_issue(session, data, replace=replace, first_try=False)
    session.add_all(_items(issue.id, data.items))
    await session.flush()
    await search.index_cjk(session, issue.id)
    return issue, "created"


async def _replace_items(session: AsyncSession, issue_id: int, items: Sequence[ItemData]) -> None:
    """Update items in place by number: posted buttons carry item ids, and votes hang
    on them, so an edited text must not give the same item a new id."""
    stmt = select(Item).where(Item.issue_id == issue_id)
    stored = {item.number: item for item in (await session.execute(stmt)).scalars()}
    wanted = {data.number: data for data in items}
    gone = [number for number in stored if number not in wanted]
    if gone:
        await session.execute(delete(Item).where(Item.issue_id == issue_id, Item.number.in_(gone)))
    for fresh in _items(issue_id, items):
        item = stored.get(fresh.number)
        if item is None:
            session.add(fresh)
            continue
        for field in ("title", "body", "summary", "take", "url"):
            setattr(item, field, getattr(fresh, field))
    await session.flush()


def _items(issue_id: int, items: Sequence[ItemData]) -> list[Item]:
    return [
        Item(
            issue_id=issue_id,
            number=i.number,
            title=i.title,
            body=i.body,
            summary=i.summary,
            take=i.take,
            url=i.url,
        )
        for i in items
    ]


async def get_issue(
    session: AsyncSession, newsletter: str, month: str, *, with_items: bool = False
) -> Issue | None:
    stmt = select(Issue).where(Issue.newsletter == newsletter, Issue.month == month)
    if with_items:
        stmt = stmt.options(selectinload(Issue.items))
    return (await session.execute(stmt)).scalar_one_or_none()


async def latest_published(
    session: AsyncSession, newsletter: str, *, with_items: bool = False
) -> Issue | None:
    stmt = (
        select(Issue)
        .where(Issue.newsletter == newsletter, Issue.status == IssueStatus.PUBLISHED)
        .order_by(Issue.month.desc())
        .limit(1)
    )
    if with_items:
        # One round trip, not two: /latest and /item ask for this on every use. The
        # LIMIT applies to issues (SQLAlchemy nests it), and scalar_one_or_none reads
        # every joined row, so the item list is whole.
        stmt = stmt.options(joinedload(Issue.items))
    return (await session.execute(stmt)).unique().scalar_one_or_none()


async def mark_published(session: AsyncSession, issue: Issue) -> bool:
    """Mark the issue published; False when it already was."""
    if issue.status == IssueStatus.PUBLISHED:
        return False
    issue.status = IssueStatus.PUBLISHED
    issue.published_at = utcnow()
    await session.flush()
    return True


async def get_issue_by_id(session: AsyncSession, issue_id: int) -> Issue | None:
    return await session.get(Issue, issue_id)


async def item_ids(session: AsyncSession, issue_id: int) -> dict[int, int]:
    """Item number → item id for one issue."""
    stmt = select(Item.number, Item.id).where(Item.issue_id == issue_id)
    return {number: item_id for number, item_id in (await session.execute(stmt)).all()}


async def find_issues(
    session: AsyncSession,
    newsletter: str,
    text: str = "",
    *,
    published_only: bool = True,
    limit: int = 25,
) -> list[Issue]:
    """Issues whose month or title contains `text`, newest first (for autocomplete)."""
    stmt = select(Issue).where(Issue.newsletter == newsletter)
    if published_only:
        stmt = stmt.where(Issue.status == IssueStatus.PUBLISHED)
    needle = text.strip().lower()
    if needle:
        stmt = stmt.where(
            Issue.month.contains(needle, autoescape=True)
            | func.lower(Issue.title).contains(needle, autoescape=True)
        )
    stmt = stmt.order_by(Issue.month.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def resolve_issue(
    session: AsyncSession, newsletter: str, text: str, *, published_only: bool = True
) -> Issue | None:
    """An issue named by month ("2023-12") or exact title ("December 2023")."""
    stmt = select(Issue).where(
        Issue.newsletter == newsletter,
        (Issue.month == text.strip()) | (func.lower(Issue.title) == text.strip().lower()),
    )
    if published_only:
        stmt = stmt.where(Issue.status == IssueStatus.PUBLISHED)
    return (await session.execute(stmt.options(selectinload(Issue.items)))).scalars().first()


async def item_with_issue(session: AsyncSession, item_id: int) -> tuple[Issue, Item, int] | None:
    """The item, its issue, and how many items that issue has."""
    item = await session.get(Item, item_id)
    if item is None:
        return None
    issue = await session.get(Issue, item.issue_id)
    assert issue is not None
    return issue, item, await _count_items(session, issue.id)


async def item_by_number(
    session: AsyncSession, issue_id: int, number: int
) -> tuple[Issue, Item, int] | None:
    stmt = select(Item).where(Item.issue_id == issue_id, Item.number == number)
    item = (await session.execute(stmt)).scalar_one_or_none()
    return await item_with_issue(session, item.id) if item is not None else None


async def _count_items(session: AsyncSession, issue_id: int) -> int:
    stmt = select(func.count()).select_from(Item).where(Item.issue_id == issue_id)
    return int((await session.execute(stmt)).scalar_one())


@dataclass(frozen=True)
class ItemRef:
    """Enough of a published item to recognise a tip about it, and to point to it."""

    issue_id: int
    issue_title: str
    number: int
    title: str
    url: str | None


async def published_item_refs(session: AsyncSession, newsletter: str) -> list[ItemRef]:
    stmt = (
        select(Issue.id, Issue.title, Item.number, Item.title, Item.url)
        .join(Item, Item.issue_id == Issue.id)
        .where(Issue.newsletter == newsletter, Issue.status == IssueStatus.PUBLISHED)
        .order_by(Issue.month.desc(), Item.number)
    )
    return [ItemRef(*row) for row in (await session.execute(stmt)).all()]

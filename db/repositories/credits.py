"""Tipsters credited: an approved or shortlisted tip that an issue took up becomes used.

When an issue is published, its items are matched against the newsletter's approved and
shortlisted tips by canonical link or near-identical title; an editor credits by hand
what the match missed. A tip is used once: the UPDATE only changes a tip still approved
or shortlisted, so publishing again, or two editors at once, credit no one twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Issue, Item, Tip, TipEvent
from db.states import DmStatus, TipStatus
from newsletter.tips import canonical_link, same_headline

CREDITABLE = (TipStatus.APPROVED, TipStatus.SHORTLISTED)


@dataclass(frozen=True)
class Credit:
    tip_id: int
    issue_id: int
    number: int


async def credit_tip(
    session: AsyncSession, tip_id: int, *, issue_id: int, number: int, actor_id: int | None
) -> bool:
    """Mark one tip used by an item; False when it is not approved or shortlisted (any
    more). The tipster's DM is queued like a decision's."""
    stmt = (
        update(Tip)
        .where(Tip.id == tip_id, Tip.status.in_(CREDITABLE))
        .values(
            status=TipStatus.USED,
            used_issue_id=issue_id,
            used_item_number=number,
            version=Tip.version + 1,
            card_revision=Tip.card_revision + 1,
        )
        .returning(Tip.user_id)
        .execution_options(synchronize_session=False)
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        return False
    session.add(
        TipEvent(
            tip_id=tip_id,
            actor_id=actor_id,
            action=TipStatus.USED.value,
            dm_status=DmStatus.PENDING if row[0] is not None else DmStatus.SKIPPED,
        )
    )
    await session.flush()
    return True


async def credit_published(session: AsyncSession, issue: Issue) -> list[Credit]:
    """Credit every approved or shortlisted tip of the issue's newsletter that one of its
    items took up, by canonical link or near-identical title."""
    items = (
        await session.execute(
            select(Item.number, Item.title, Item.url).where(Item.issue_id == issue.id)
        )
    ).all()
    tips = (
        await session.execute(
            select(Tip.id, Tip.headline, Tip.canonical_link)
            .where(Tip.newsletter == issue.newsletter, Tip.status.in_(CREDITABLE))
            .order_by(Tip.id)
        )
    ).all()
    credits = []
    for tip_id, headline, link in tips:
        for number, title, url in items:
            by_link = link is not None and url is not None and canonical_link(url) == link
            if by_link or same_headline(headline, title):
                if await credit_tip(
                    session, tip_id, issue_id=issue.id, number=number, actor_id=None
                ):
                    credits.append(Credit(tip_id, issue.id, number))
                break
    return credits


async def used_in(session: AsyncSession, tip: Tip) -> tuple[Issue, int] | None:
    """The issue and item number a used tip went into, when that issue still exists."""
    if tip.used_issue_id is None or tip.used_item_number is None:
        return None
    issue = await session.get(Issue, tip.used_issue_id)
    return None if issue is None else (issue, tip.used_item_number)

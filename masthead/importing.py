"""Between the domain and the database: store a parsed issue, publish it, load it back."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Issue
from db.repositories import deliveries, issues
from newsletter.document import IssueDocument


def issue_data(document: IssueDocument) -> issues.IssueData:
    return issues.IssueData(
        newsletter=document.newsletter,
        month=document.month,
        title=document.title,
        document_json=document.to_json(),
        content_hash=document.content_hash(),
        items=[
            issues.ItemData(
                number=item.number,
                title=item.title,
                body=item.body,
                summary=item.summary,
                take=item.take,
                url=item.url,
            )
            for item in document.items
        ],
    )


async def store_document(
    session: AsyncSession, document: IssueDocument, *, replace: bool = False
) -> tuple[Issue, issues.StoreOutcome]:
    return await issues.store_issue(session, issue_data(document), replace=replace)


async def publish(session: AsyncSession, issue: Issue) -> int:
    """Mark the issue published and queue it for every subscribed channel.

    Queueing is idempotent, so publishing twice never delivers twice; returns how many
    channels were newly queued.
    """
    await issues.mark_published(session, issue)
    return await deliveries.queue_for_subscribers(session, issue.id)


def load_document(issue: Issue) -> IssueDocument:
    return IssueDocument.from_dict(json.loads(issue.document))

"""Between the domain and the database: store a parsed issue, publish it, load it back."""

from __future__ import annotations

import json
from datetime import UTC, date, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Issue
from db.repositories import changes, credits, deliveries, issues, schedules
from db.states import IssueStatus
from newsletter.corrections import IssueDiff, diff_documents, part_digest
from newsletter.document import IssueDocument
from newsletter.render import Part, render_issue


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
    """Store the issue; replacing the text of a published one is a correction, which the
    delivery worker then makes in every channel it was posted to."""
    if replace:
        await _keep_posted_digests(session, document)
    issue, outcome = await issues.store_issue(session, issue_data(document), replace=replace)
    if outcome == "replaced" and issue.status == IssueStatus.PUBLISHED:
        await changes.announce(session, "issues_changed")
    return issue, outcome


async def pending_changes(session: AsyncSession, document: IssueDocument) -> IssueDiff | None:
    """How `document` differs from the stored text of its month (None: a new month, or
    the same text)."""
    existing = await issues.get_issue(session, document.newsletter, document.month)
    if existing is None or existing.content_hash == document.content_hash():
        return None
    return diff_documents(load_document(existing), document)


async def _keep_posted_digests(session: AsyncSession, document: IssueDocument) -> None:
    """Parts posted before digests were kept show the stored text: say so before it is
    replaced, so the correction leaves the unchanged ones alone."""
    existing = await issues.get_issue(session, document.newsletter, document.month)
    if (
        existing is None
        or existing.status != IssueStatus.PUBLISHED
        or existing.content_hash == document.content_hash()
    ):
        return
    digests = {part.key: part_digest(part) for part in render_stored(existing)}
    await deliveries.fill_missing_digests(session, existing.id, digests)


async def publish(session: AsyncSession, issue: Issue) -> int:
    """Mark the issue published, credit the tips it took up, and queue it for every
    subscribed channel.

    Queueing is idempotent, so publishing twice never delivers twice; returns how many
    channels were newly queued. (Credited tips' cards and DMs follow from the review
    outbox: the caller dispatches `tips_changed`, or the outbox's next poll sees them.)
    """
    if await issues.mark_published(session, issue):
        await credits.credit_published(session, issue)
        # Published before its set time: the schedule has nothing left to do.
        await schedules.cancel_for_issue(session, issue.id, by=None)
    await changes.announce(session, "issues_changed")  # the other processes deliver too
    return await deliveries.queue_for_subscribers(session, issue.id)


def load_document(issue: Issue) -> IssueDocument:
    return IssueDocument.from_dict(json.loads(issue.document))


def corrected_on(issue: Issue, zone: tzinfo = UTC) -> date | None:
    """The day of the issue's latest correction, which its header shows: in `zone`, the
    TIMEZONE setting, so that it is the editors' own date."""
    if issue.corrected_at is None:
        return None
    return issue.corrected_at.astimezone(zone).date()


def render_stored(issue: Issue, zone: tzinfo = UTC) -> list[Part]:
    """The messages the stored text of an issue is posted as (corrected on a day in
    `zone`)."""
    return render_issue(load_document(issue), corrected_on=corrected_on(issue, zone))

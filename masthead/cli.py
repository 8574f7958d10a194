"""The CLI commands that work on issue files (and URLs): preview and import.

Each prints for a person (or JSON), and turns every expected problem into a CliError whose
message names the file, so bot.py can print one line and exit 2.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Issue
from db.repositories import deliveries, schedules
from db.repositories.issues import IssueConflictError
from db.states import IssueStatus
from masthead.fetching import FetchError, fetch_document, limits_for, looks_like_url
from masthead.importing import pending_changes, publish, store_document
from masthead.publish_time import local_text
from newsletter.decode import MAX_BYTES
from newsletter.document import IssueDocument
from newsletter.errors import IssueFormatError
from newsletter.parse import parse_issue
from newsletter.preview_page import issue_page


class CliError(Exception):
    """An expected failure of a CLI command; the message is the one line to print."""


def read_issue(path: str, newsletter: str, month: str | None = None) -> IssueDocument:
    file = Path(path)
    try:
        if not file.is_file():
            raise CliError(f"{path}: no such file")
        if file.stat().st_size > MAX_BYTES:
            raise CliError(f"{path}: file is larger than 2 MB")
        data = file.read_bytes()
    except OSError as exc:
        raise CliError(f"{path}: cannot read the file ({exc.strerror})") from None
    try:
        return parse_issue(data, newsletter=newsletter, filename=file.name, month=month)
    except IssueFormatError as exc:
        raise CliError(f"{path}: {exc}") from None


def preview_text(document: IssueDocument) -> str:
    lines = [f"{document.newsletter} — {document.title} ({document.month})"]
    lines += [f"Layout: {document.layout}", ""] if document.layout else [""]
    if document.editorial is not None:
        lines += [f"Editorial: {document.editorial.heading}", f"  {document.editorial.summary}", ""]
    for item in document.items:
        lines.append(f"{item.number}. {item.title}")
        if item.url:
            lines.append(f"   {item.url}")
        lines.append(f"   Summary: {item.summary}")
        if item.take:
            lines.append(f"   Editor's take: {item.take}")
        lines.append(
            f"   ({len(item.body)} characters, {item.body.count(chr(10) * 2) + 1} paragraphs)"
        )
    for extra in document.extras:
        lines += ["", f"Extra: {extra.heading}"]
    for warning in document.warnings:
        lines.append(f"warning: {warning}")
    return "\n".join(lines)


def preview(
    path: str,
    newsletter: str,
    *,
    as_json: bool,
    month: str | None = None,
    html: str | None = None,
    allow_private: bool = False,
) -> str:
    """The issue in a file, or at a URL (a page, or a feed's newest entry); with `html`,
    its page as posted is written to that file instead."""
    if looks_like_url(path):
        fetched = fetch_issues([path], newsletter, month, allow_private=allow_private)
        document = asyncio.run(fetched)[path]
    else:
        document = read_issue(path, newsletter, month)
    if html is not None:
        return write_page(document, html)
    return document.to_json(indent=2) if as_json else preview_text(document)


def write_page(document: IssueDocument, output: str) -> str:
    page = issue_page(document)
    try:
        Path(output).write_text(page, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"{output}: cannot write the file ({exc.strerror})") from None
    warned = f", {len(document.warnings)} warning(s)" if document.warnings else ""
    return f"{output}: {document.title} as it will be posted ({len(document.items)} items{warned})"


async def fetch_issues(
    paths: Sequence[str], newsletter: str, month: str | None = None, *, allow_private: bool = False
) -> dict[str, IssueDocument]:
    """The issues at the URLs among `paths` (a page, or a feed's newest entry);
    `allow_private`: the FETCH_ALLOW_PRIVATE setting."""
    limits = limits_for(allow_private)
    fetched: dict[str, IssueDocument] = {}
    for path in paths:
        if looks_like_url(path):
            try:
                fetched[path] = await fetch_document(
                    path, newsletter=newsletter, month=month, limits=limits
                )
            except FetchError as exc:
                raise CliError(str(exc)) from None
    return fetched


def read_issues(
    paths: Sequence[str],
    newsletter: str,
    fetched: Mapping[str, IssueDocument] | None = None,
    month: str | None = None,
) -> list[tuple[str, IssueDocument]]:
    """Parse every file (or take what was `fetched` for a URL) before anything is
    stored; one month per file."""
    fetched = fetched or {}
    documents = [
        (path, fetched[path] if path in fetched else read_issue(path, newsletter, month))
        for path in paths
    ]
    months: dict[str, str] = {}
    for path, document in documents:
        if document.month in months:
            raise CliError(
                f"{path}: {document.month} is also in {months[document.month]}; "
                "a second issue of a month is imported on its own with --month YYYY-MM"
            )
        months[document.month] = path
    return documents


async def import_issues(
    sessionmaker: async_sessionmaker[AsyncSession],
    documents: Sequence[tuple[str, IssueDocument]],
    *,
    replace: bool,
    publish_now: bool,
    publish_at: datetime | None = None,
    zone: ZoneInfo | None = None,
) -> list[str]:
    """Store every parsed file in one transaction: all or nothing. With `publish_at`
    each is scheduled to be published then (a running bot publishes it). A changed month
    says what changed; replacing a published one corrects what was posted."""
    report: list[str] = []
    async with sessionmaker.begin() as session:
        for path, document in documents:
            changes = await pending_changes(session, document)
            try:
                issue, outcome = await store_document(session, document, replace=replace)
            except IssueConflictError as exc:
                what = f" — {changes.summary()}" if changes else ""
                raise CliError(
                    f"{path}: {exc} (or --month YYYY-MM for a second issue of that month)"
                    f"{what}; nothing was stored"
                ) from None
            line = f"{path}: {document.month} {outcome} ({len(document.items)} items)"
            if changes is not None:
                line += f": {changes.summary()}"
                if issue.status == IssueStatus.PUBLISHED:
                    reach = await deliveries.count_to_correct(session, issue.id)
                    line += f"; correcting what was posted in {reach} channel(s)"
            if publish_now:
                queued = await publish(session, issue)
                line += f", published, queued for {queued} channel(s)"
            elif publish_at is not None:
                line += await _schedule(session, path, issue, publish_at, zone or ZoneInfo("UTC"))
            report.append(line)
    return report


async def _schedule(
    session: AsyncSession, path: str, issue: Issue, when: datetime, zone: ZoneInfo
) -> str:
    if issue.status == IssueStatus.PUBLISHED:
        raise CliError(f"{path}: {issue.month} is already published; nothing was stored")
    previous = await schedules.schedule_issue(session, issue.id, when, by=None)
    line = f", to be published {local_text(when, zone)}"
    return line + (f" (was {local_text(previous, zone)})" if previous is not None else "")

"""The CLI commands that work on issue files: preview and import.

Each prints for a person (or JSON), and turns every expected problem into a CliError whose
message names the file, so bot.py can print one line and exit 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories.issues import IssueConflictError
from masthead.importing import publish, store_document
from newsletter.decode import MAX_BYTES
from newsletter.document import IssueDocument
from newsletter.errors import IssueFormatError
from newsletter.parse import parse_issue


class CliError(Exception):
    """An expected failure of a CLI command; the message is the one line to print."""


def read_issue(path: str, newsletter: str) -> IssueDocument:
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
        return parse_issue(data, newsletter=newsletter, filename=file.name)
    except IssueFormatError as exc:
        raise CliError(f"{path}: {exc}") from None


def preview_text(document: IssueDocument) -> str:
    lines = [f"{document.newsletter} — {document.title} ({document.month})", ""]
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


def preview(path: str, newsletter: str, *, as_json: bool) -> str:
    document = read_issue(path, newsletter)
    return document.to_json(indent=2) if as_json else preview_text(document)


def read_issues(paths: Sequence[str], newsletter: str) -> list[tuple[str, IssueDocument]]:
    """Parse every file before anything is stored; one month per file."""
    documents = [(path, read_issue(path, newsletter)) for path in paths]
    months: dict[str, str] = {}
    for path, document in documents:
        if document.month in months:
            raise CliError(f"{path}: {document.month} is also in {months[document.month]}")
        months[document.month] = path
    return documents


async def import_issues(
    sessionmaker: async_sessionmaker[AsyncSession],
    documents: Sequence[tuple[str, IssueDocument]],
    *,
    replace: bool,
    publish_now: bool,
) -> list[str]:
    """Store every parsed file in one transaction: all or nothing."""
    report: list[str] = []
    async with sessionmaker.begin() as session:
        for path, document in documents:
            try:
                issue, outcome = await store_document(session, document, replace=replace)
            except IssueConflictError as exc:
                raise CliError(f"{path}: {exc}; nothing was stored") from None
            line = f"{path}: {document.month} {outcome} ({len(document.items)} items)"
            if publish_now:
                queued = await publish(session, issue)
                line += f", published, queued for {queued} channel(s)"
            report.append(line)
    return report

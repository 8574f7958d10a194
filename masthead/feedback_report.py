"""The feedback report as plain text and as JSON, for `python bot.py feedback`. (`/feedback`
shows the same numbers in an embed: cogs/feedback.)"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories.feedback import Feedback, issue_feedback
from masthead.delivery_status import find_issue

TITLE_CHARS = 60
COLUMNS = ("#", "Helpful", "Not helpful", "/item", "Full text")


async def load_feedback(
    sessionmaker: async_sessionmaker[AsyncSession], newsletter: str, month: str | None
) -> Feedback:
    """The report for `month`'s issue, or the latest published one (NoSuchIssue if none)."""
    async with sessionmaker() as session:
        issue = await find_issue(session, newsletter, month)
        return await issue_feedback(session, issue)


def _printable(text: str) -> str:
    # Stored queries are normalized already; a terminal must still never get an escape.
    return "".join(c if c.isprintable() else " " for c in text)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tips_text(report: Feedback) -> str:
    if not report.tips_by_status:
        return "none yet"
    return ", ".join(f"{status.value} {n}" for status, n in report.tips_by_status.items())


def terminal_report(report: Feedback) -> str:
    issue = report.issue
    lines = [f"{issue.newsletter} — {issue.title} ({issue.month}): feedback", ""]
    widths = [max(len(c), 3) for c in COLUMNS]
    lines.append("  ".join(c.rjust(w) for c, w in zip(COLUMNS, widths, strict=True)) + "  Title")
    for item in report.items:
        values = (
            item.number,
            item.helpful,
            item.not_helpful,
            item.item_opens,
            item.full_text_opens,
        )
        cells = "  ".join(str(v).rjust(w) for v, w in zip(values, widths, strict=True))
        lines.append(f"{cells}  {_printable(_cut(item.title, TITLE_CHARS))}")
    if not report.items:
        lines.append("(no items)")
    lines += ["", "Searches that found nothing, while this issue was the latest:"]
    if report.missed_searches:
        lines += [f"  {n:>6}  {_printable(query)}" for query, n in report.missed_searches]
    else:
        lines.append("  none")
    lines += ["", f"Tips for {report.tips_month}: {tips_text(report)}"]
    return "\n".join(lines)


def report_json(report: Feedback) -> dict[str, Any]:
    issue = report.issue
    return {
        "newsletter": issue.newsletter,
        "month": issue.month,
        "title": issue.title,
        "published_at": issue.published_at.isoformat() if issue.published_at else None,
        "items": [
            {
                "number": i.number,
                "title": i.title,
                "helpful": i.helpful,
                "not_helpful": i.not_helpful,
                "item_opens": i.item_opens,
                "full_text_opens": i.full_text_opens,
            }
            for i in report.items
        ],
        "missed_searches": [{"query": q, "count": n} for q, n in report.missed_searches],
        "tips": {
            "month": report.tips_month,
            "by_status": {status.value: n for status, n in report.tips_by_status.items()},
        },
    }


def json_report(report: Feedback) -> str:
    return json.dumps(report_json(report), indent=2)

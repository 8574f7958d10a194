"""Tips as a file: Markdown, CSV or JSON, written row by row as the database streams them,
so 100,000 tips take no more memory than a hundred. Used by `/tips export` and by
`python bot.py tips export`.

The author of an anonymous tip is never written, not even to an editor's file. CSV cells
that a spreadsheet would run as a formula are neutralized.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Tip
from db.repositories import tips
from db.states import TipStatus
from newsletter.tips import neutralize_csv_cell

FORMATS = ("md", "csv", "json")
COLUMNS = (
    "id",
    "month",
    "status",
    "headline",
    "link",
    "why",
    "votes",
    "sent_by",
    "server",
    "sent_at",
    "decided_at",
    "decision_reason",
)


def _row(tip: Tip, votes: int) -> dict[str, Any]:
    return {
        "id": tip.id,
        "month": tip.for_month,
        "status": tip.status.value,
        "headline": tip.headline,
        "link": tip.link,
        "why": tip.why,
        "votes": votes,
        "sent_by": None if tip.anonymous or tip.user_id is None else str(tip.user_id),
        "server": str(tip.guild_id),
        "sent_at": tip.created_at.isoformat(),
        "decided_at": tip.decided_at.isoformat() if tip.decided_at else None,
        "decision_reason": tip.decision_reason,
    }


def _md_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


async def write_tips(
    session: AsyncSession,
    out: TextIO,
    *,
    format: str,
    guild_id: int | None = None,
    status: TipStatus | None = None,
    since: datetime | None = None,
) -> int:
    """Write the tips asked for to `out`; returns how many."""
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    rows = tips.stream_tips(session, guild_id=guild_id, status=status, since=since)
    count = 0
    if format == "csv":
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        async for tip, votes in rows:
            row = _row(tip, votes)
            writer.writerow(
                neutralize_csv_cell(v) if isinstance(v, str) else ("" if v is None else v)
                for v in row.values()
            )
            count += 1
    elif format == "json":
        out.write("[")
        async for tip, votes in rows:
            out.write(",\n" if count else "\n")
            out.write(json.dumps(_row(tip, votes), ensure_ascii=False))
            count += 1
        out.write("\n]\n")
    else:
        out.write("| " + " | ".join(COLUMNS) + " |\n")
        out.write("|" + "---|" * len(COLUMNS) + "\n")
        async for tip, votes in rows:
            out.write("| " + " | ".join(_md_cell(v) for v in _row(tip, votes).values()) + " |\n")
            count += 1
    return count

"""The parsed issue: immutable values with a JSON shape fixed by docs/issue-document.md."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    body: str
    summary: str

    def to_dict(self) -> dict[str, Any]:
        return {"heading": self.heading, "body": self.body, "summary": self.summary}


@dataclass(frozen=True, slots=True)
class Item:
    number: int
    title: str
    body: str
    summary: str
    take: str | None = None
    url: str | None = None
    section: str | None = None  # the heading the item falls under; None without sections

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "section": self.section,
            "title": self.title,
            "body": self.body,
            "summary": self.summary,
            "take": self.take,
            "url": self.url,
        }


@dataclass(frozen=True, slots=True)
class Extra:
    heading: str
    body: str

    def to_dict(self) -> dict[str, Any]:
        return {"heading": self.heading, "body": self.body}


@dataclass(frozen=True, slots=True)
class IssueDocument:
    newsletter: str
    month: str  # "YYYY-MM"
    title: str  # "December 2023"
    editorial: Section | None
    items: tuple[Item, ...]
    extras: tuple[Extra, ...] = ()
    warnings: tuple[str, ...] = ()
    # How the parser read the items, for `preview`; not part of the stored document.
    layout: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "newsletter": self.newsletter,
            "month": self.month,
            "title": self.title,
            "editorial": self.editorial.to_dict() if self.editorial else None,
            "items": [item.to_dict() for item in self.items],
            "extras": [extra.to_dict() for extra in self.extras],
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IssueDocument:
        """Read a stored document back; documents stored before items had a `section` read
        as items without sections."""
        editorial = data.get("editorial")
        return cls(
            newsletter=data["newsletter"],
            month=data["month"],
            title=data["title"],
            editorial=Section(**editorial) if editorial else None,
            items=tuple(Item(**item) for item in data["items"]),
            extras=tuple(Extra(**extra) for extra in data.get("extras", ())),
            warnings=tuple(data.get("warnings", ())),
        )

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def content_hash(self) -> str:
        """sha256 of the canonical JSON: equal hashes mean re-importing changes nothing.

        An item without a section is hashed without the key, so a document stored before
        sections existed keeps its hash and re-importing its file still changes nothing."""
        data = self.to_dict()
        for item in data["items"]:
            if item["section"] is None:
                del item["section"]
        canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

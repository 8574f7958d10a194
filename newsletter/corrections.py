"""Corrections to a published issue: what changed between two texts of one month, what a
posted message shows (as a digest), and what a withdrawn part is edited to say."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date

from .document import IssueDocument
from .render import (
    FOOTER_LIMIT,
    Embed,
    Part,
    correction_date,
    month_footer,
    neutralize_mentions,
    truncate,
)

_PART_KEY = re.compile(r"(?P<kind>item|extra):(?P<number>\d+)(?::(?P<page>\d+))?$")


@dataclass(frozen=True, slots=True)
class IssueDiff:
    """Item numbers changed, added and removed, and which other sections changed."""

    changed: tuple[int, ...] = ()
    added: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()
    editorial_changed: bool = False
    title_changed: bool = False
    extras_changed: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.changed
            or self.added
            or self.removed
            or self.editorial_changed
            or self.title_changed
            or self.extras_changed
        )

    def lines(self) -> list[str]:
        """For a person: one line per kind of change, "none" where nothing changed."""
        lines = [
            f"Items changed: {_numbers(self.changed)}",
            f"Items added: {_numbers(self.added)}",
            f"Items removed: {_numbers(self.removed)}",
            f"Editorial: {'changed' if self.editorial_changed else 'unchanged'}",
        ]
        if self.title_changed:
            lines.append("Title: changed")
        if self.extras_changed:
            lines.append("Extras: changed")
        return lines

    def summary(self) -> str:
        """The same on one line."""
        return "; ".join(line.lower() for line in self.lines())


def diff_documents(old: IssueDocument, new: IssueDocument) -> IssueDiff:
    """What a correction from `old` to `new` changes, items matched by number."""
    before = {item.number: item for item in old.items}
    after = {item.number: item for item in new.items}
    return IssueDiff(
        changed=tuple(n for n in sorted(after) if n in before and before[n] != after[n]),
        added=tuple(n for n in sorted(after) if n not in before),
        removed=tuple(n for n in sorted(before) if n not in after),
        editorial_changed=old.editorial != new.editorial,
        title_changed=old.title != new.title,
        extras_changed=old.extras != new.extras,
    )


def part_digest(part: Part) -> str:
    """What a posted message shows, as a short fingerprint: equal digests mean an edit
    would change nothing."""
    canonical = json.dumps(
        {"content": part.content, "embeds": part.embeds},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def render_withdrawn(doc: IssueDocument, key: str, corrected_on: date) -> Part:
    """What a posted part says once a correction removed it: an item withdrawn, or the
    rest of an item's text that became shorter."""
    match = _PART_KEY.match(key)
    when = f"(corrected on {correction_date(corrected_on)})"
    if match is None:
        title, text = "Withdrawn", f"This part of the issue was withdrawn {when}."
    elif match["kind"] == "extra":
        title, text = "Withdrawn", f"This section was withdrawn {when}."
    elif match["page"] is not None and any(i.number == int(match["number"]) for i in doc.items):
        title = f"Item {match['number']} (continued)"
        text = f"The corrected item fits in fewer messages: read it above {when}."
    else:
        title = f"Item {match['number']} — withdrawn"
        text = f"This item was withdrawn from the issue {when}."
    embed: Embed = {
        "title": title,
        "description": text,
        "footer": {"text": truncate(neutralize_mentions(month_footer(doc)), FOOTER_LIMIT)},
    }
    return Part(key, "extra" if match and match["kind"] == "extra" else "item", None, (embed,))


def describe_part(key: str) -> str:
    """A part key for a person: "header", "item:3" and "item:3:2" as "the header",
    "item 3" and "item 3 (part 2)"."""
    if key == "header":
        return "the header"
    match = _PART_KEY.match(key)
    if match is None:
        return key
    page = f" (part {match['page']})" if match["page"] else ""
    return f"{match['kind']} {match['number']}{page}"


def _numbers(numbers: tuple[int, ...]) -> str:
    return ", ".join(str(n) for n in numbers) if numbers else "none"

"""The common currency of the readers: a flat sequence of typed text blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

# Item numbers as newsletters write them, each with the style it is reported as. Numbers
# have at most three digits: "2024." or "12345)" is a year or a count, not an item number.
_NUMBER_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("1.", re.compile(r"^\s*(\d{1,3})\s*\.\s+(\S.*)$")),
    ("1)", re.compile(r"^\s*(\d{1,3})\s*\)\s+(\S.*)$")),
    ("1、", re.compile(r"^\s*(\d{1,3})\s*[、，]\s*(\S.*)$")),
    ("(1)", re.compile(r"^\s*[(（]\s*(\d{1,3})\s*[)）]\s*(\S.*)$")),
    ("#1", re.compile(r"^\s*#(\d{1,3})\b[\s.:：)-]*(\S.*)$")),
    ("No. 1", re.compile(r"^\s*No\.?\s*(\d{1,3})\b[\s.:：)-]*(\S.*)$")),
)


class Kind(Enum):
    HEADING = "heading"  # explicit heading (Markdown '#', HTML <h1-6>)
    NUMBERED = "numbered"  # "3. Title" line or <ol><li>
    PARAGRAPH = "paragraph"


@dataclass(frozen=True, slots=True)
class Block:
    kind: Kind
    text: str
    number: int | None = None  # for NUMBERED blocks and headings that start "3. "
    url: str | None = None  # link target when the source links the whole title
    level: int = 0  # heading level, 0 when not a heading
    style: str = ""  # how the number is written: "1.", "1)", "1、", "(1)", "#1", "No. 1"
    bullet: bool = False  # an entry of an unordered list (its text starts "- ")
    depth: int = 0  # list nesting: 0 outside lists and at the top; >0 inside an entry
    lead: str | None = None  # the text of the link the block opens with ("[Title](url) …")
    lead_url: str | None = None  # that link's target
    quoted: bool = False  # inside a block quote: someone else's words
    link: str | None = None  # a list entry's first link, wherever it stands in the entry


def split_number(text: str) -> tuple[int, str, str] | None:
    """'3. Xiaomi founder…' -> (3, 'Xiaomi founder…', '1.'); '01、标题' -> (1, '标题', '1、')."""
    for style, pattern in _NUMBER_STYLES:
        match = pattern.match(text)
        if match:
            return int(match.group(1)), match.group(2).strip(), style
    return None


def line_block(
    text: str,
    url: str | None = None,
    *,
    lead: str | None = None,
    lead_url: str | None = None,
    quoted: bool = False,
) -> Block:
    numbered = split_number(text)
    if numbered:
        number, rest, style = numbered
        return Block(
            Kind.NUMBERED,
            rest,
            number=number,
            url=url,
            style=style,
            lead=lead,
            lead_url=lead_url,
            quoted=quoted,
        )
    return Block(Kind.PARAGRAPH, text, url=url, lead=lead, lead_url=lead_url, quoted=quoted)


def heading_block(text: str, level: int, url: str | None = None) -> Block:
    numbered = split_number(text)
    if numbered:
        number, rest, style = numbered
        return Block(Kind.HEADING, rest, number=number, url=url, level=level, style=style)
    return Block(Kind.HEADING, text, url=url, level=level)

"""The common currency of the readers: a flat sequence of typed text blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

_NUMBERED = re.compile(r"^\s*(\d{1,2})\s*[.)]\s+(\S.*)$")


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


def split_number(text: str) -> tuple[int, str] | None:
    """'3. Xiaomi founder…' -> (3, 'Xiaomi founder…')."""
    match = _NUMBERED.match(text)
    if not match:
        return None
    return int(match.group(1)), match.group(2).strip()


def line_block(text: str, url: str | None = None) -> Block:
    numbered = split_number(text)
    if numbered:
        return Block(Kind.NUMBERED, numbered[1], number=numbered[0], url=url)
    return Block(Kind.PARAGRAPH, text, url=url)


def heading_block(text: str, level: int, url: str | None = None) -> Block:
    numbered = split_number(text)
    if numbered:
        return Block(Kind.HEADING, numbered[1], number=numbered[0], url=url, level=level)
    return Block(Kind.HEADING, text, url=url, level=level)

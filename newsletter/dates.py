"""Which month an issue belongs to.

In order: the month given by the caller; the issue's metadata (a month field, a month
named in its title, its publication date); the first date line in its text (English,
Chinese or ISO); its file name. A weekly issue takes the month of its date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

from .blocks import Block, Kind
from .headings import MONTH_NAMES, month_from_filename, month_in
from .metadata import Metadata

_MONTH_WORDS = {name.lower(): n for n, name in enumerate(MONTH_NAMES, start=1)}
_MONTH_WORDS.update({name[:3].lower(): n for n, name in enumerate(MONTH_NAMES, start=1)})
_MONTH_WORDS["sept"] = 9
_WORD = "|".join(sorted(_MONTH_WORDS, key=len, reverse=True))
_YEAR = r"((?:19|20)\d\d)"
# "March 4, 2017" and "4 March 2017"; "March 2017" is month_in's.
_MONTH_DAY_YEAR = re.compile(rf"\b({_WORD})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+{_YEAR}\b", re.I)
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_WORD})\.?,?\s+{_YEAR}\b", re.I)
_CHINESE = re.compile(rf"{_YEAR}\s*年\s*(\d{{1,2}})\s*月")
_ISO_DAY = re.compile(rf"(?<![\d.-]){_YEAR}[-/.](\d{{1,2}})[-/.](\d{{1,2}})(?![\d.])")
_EXPLICIT = re.compile(r"^((?:19|20)\d\d)-(0[1-9]|1[0-2])$")
_LINE_LIMIT = 120  # a date line is a heading or a short line, not a date inside a story


@dataclass(frozen=True, slots=True)
class Month:
    month: str  # "2024-07"
    title: str  # "July 2024"
    source: str  # where it came from, for warnings and preview
    block: int | None = None  # the text line it was read from


def month_value(year: int | str, month: int) -> tuple[str, str] | None:
    year = int(year)
    if not 1 <= month <= 12 or not 1900 <= year <= 2099:
        return None
    return f"{year}-{month:02d}", f"{MONTH_NAMES[month - 1]} {year}"


def parse_explicit(text: str) -> tuple[str, str]:
    """'2024-07' -> ('2024-07', 'July 2024'); ValueError for anything else."""
    match = _EXPLICIT.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a month like 2024-07")
    found = month_value(match.group(1), int(match.group(2)))
    assert found is not None
    return found


def date_in(text: str) -> tuple[str, str] | None:
    """The first month named or dated in a line, in any of the forms issues use."""
    candidates: list[tuple[int, tuple[str, str]]] = []
    english = month_in(text)
    if english:
        match = re.search(english[1].split()[0][:3], text, re.I)
        candidates.append((match.start() if match else len(text), english))
    for pattern, month_group, year_group in (
        (_MONTH_DAY_YEAR, 1, 3),
        (_DAY_MONTH_YEAR, 2, 3),
    ):
        match = pattern.search(text)
        if match:
            number = _MONTH_WORDS[match.group(month_group).lower()]
            found = month_value(match.group(year_group), number)
            if found:
                candidates.append((match.start(), found))
    match = _CHINESE.search(text)
    if match and (found := month_value(match.group(1), int(match.group(2)))):
        candidates.append((match.start(), found))
    for match in _ISO_DAY.finditer(text):
        day = int(match.group(3))
        if 1 <= day <= 31 and (found := month_value(match.group(1), int(match.group(2)))):
            candidates.append((match.start(), found))
            break
    return min(candidates)[1] if candidates else None


def _parse_date(value: str) -> tuple[str, str] | None:
    value = value.strip()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        pass
    else:
        return month_value(moment.year, moment.month)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        pass
    else:
        return month_value(moment.year, moment.month)
    return date_in(value)


def from_metadata(meta: Metadata) -> Month | None:
    if meta.month and (found := _parse_date(meta.month) or date_in(meta.month)):
        return Month(*found, "the issue's month field")
    if meta.title and (found := month_in(meta.title) or _chinese_month(meta.title)):
        return Month(*found, "the issue's title")
    for value in meta.dates:
        if found := _parse_date(value):
            return Month(*found, "the issue's publication date")
    if meta.title and (found := date_in(meta.title)):
        return Month(*found, "the date in the issue's title")
    return None


def _chinese_month(text: str) -> tuple[str, str] | None:
    match = _CHINESE.search(text)
    return month_value(match.group(1), int(match.group(2))) if match else None


def from_text(blocks: list[Block], header_end: int) -> Month | None:
    """The first heading or short line that names a month ('December 2023', anywhere, as
    issues have always been read), else the first date in the issue's header, the text
    before its items: a date inside a story is that story's, not the issue's."""
    for i, block in enumerate(blocks):
        if block.kind is Kind.HEADING or len(block.text) <= _LINE_LIMIT:
            found = month_in(block.text)
            if found:
                return Month(*found, "a date line", i)
    for i, block in enumerate(blocks[:header_end]):
        if block.kind is Kind.HEADING or len(block.text) <= _LINE_LIMIT:
            found = date_in(block.text)
            if found:
                return Month(*found, "a date line", i)
    return None


def from_filename(filename: str | None) -> Month | None:
    if filename and (found := month_from_filename(filename)):
        return Month(*found, f"the file name {filename!r}")
    return None

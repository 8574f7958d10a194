"""Recognise headings in plain text and find the issue's month."""

from __future__ import annotations

import re

from .textutil import STOPWORDS, has_cjk, is_all_caps, strip_quotes, words

MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_MONTH_LOOKUP = {name.lower(): n for n, name in enumerate(MONTH_NAMES, start=1)}
_MONTH_LOOKUP.update({name[:3].lower(): n for n, name in enumerate(MONTH_NAMES, start=1)})
_MONTH_LOOKUP["sept"] = 9
_MONTH_YEAR = re.compile(
    r"\b(" + "|".join(sorted(_MONTH_LOOKUP, key=len, reverse=True)) + r")\.?,?\s+((?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_FILENAME_MONTH = re.compile(r"((?:19|20)\d\d)[-_.]?(0[1-9]|1[0-2])(?!\d)")
_INNER_SENTENCE_END = re.compile(r"[.!?…][\"”’)]*\s+[A-Z“\"‘]")
_QUOTED = re.compile(r"^[\"“‘'«].+[\"”’'»]$")
_EXTRA_WORDS = re.compile(
    r"\b(?:of the (?:month|week|year)|recommend\w*|bonus|interview|podcast|book|reading|"
    r"event|events|video|watch|listen|further|worth|also)\b",
    re.IGNORECASE,
)


def month_in(text: str) -> tuple[str, str] | None:
    """'CHINESE INNOVATION NEWS – DECEMBER 2023' -> ('2023-12', 'December 2023')."""
    match = _MONTH_YEAR.search(text)
    if not match:
        return None
    number = _MONTH_LOOKUP[match.group(1).lower()]
    year = match.group(2)
    return f"{year}-{number:02d}", f"{MONTH_NAMES[number - 1]} {year}"


def month_from_filename(filename: str) -> tuple[str, str] | None:
    match = _FILENAME_MONTH.search(filename)
    if match:
        year, number = match.group(1), int(match.group(2))
        return f"{year}-{number:02d}", f"{MONTH_NAMES[number - 1]} {year}"
    return month_in(filename.replace("-", " ").replace("_", " "))


def looks_like_heading(text: str) -> bool:
    """A plain-text line that reads as a heading: short, one phrase, and shouted, quoted or
    mostly capitalised."""
    if len(text) > 100 or text.startswith(("- ", "• ", "* ")):
        return False
    if text.rstrip()[-1:] in ".,;:。，；：！？" or _INNER_SENTENCE_END.search(text):
        return False
    if has_cjk(text) and not _QUOTED.match(text.strip()):
        return False  # capitals tell nothing in Chinese; only explicit headings count
    tokens = words(text)
    if not tokens or len(tokens) > 14:
        return False
    if is_all_caps(text) or _QUOTED.match(text.strip()):
        return True
    content = [token for token in tokens if token.lower() not in STOPWORDS]
    if not content:
        return False
    capitalised = sum(1 for token in content if token[0].isupper() or token[0].isdigit())
    return capitalised * 2 >= len(content)


def is_quoted(text: str) -> bool:
    return bool(_QUOTED.match(text.strip())) and strip_quotes(text) != ""


_EDITORIAL_NAMES = re.compile(
    r"^(?:editorial|editor[’']?s? (?:note|letter)|introduction|intro|foreword|preface)\b|"
    r"^(?:序言|前言|卷首语|编者按|写在前面|开篇)",
    re.IGNORECASE,
)


def names_editorial(text: str) -> bool:
    """'Editorial: Batteries Everywhere', '序言': the editor's introduction, not a story."""
    return bool(_EDITORIAL_NAMES.match(text.strip()))


def names_an_extra(text: str) -> bool:
    """Headings such as 'Recommended interview of the month: TEMU' or 'Book of the month'."""
    return bool(_EXTRA_WORDS.search(text))

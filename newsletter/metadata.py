"""What an issue says about itself outside its text: front matter and page metadata.

Front matter comes in several dialects (YAML between '---', TOML between '+++', Pelican's
'Key: value' header, Cryogen's EDN map). Only a few scalar keys matter here (title, month,
date), so they are read line by line instead of with a parser per dialect: a YAML or TOML
library would add a dependency and still not read Pelican or EDN headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_YAML = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_TOML = re.compile(r"\A\+\+\+[ \t]*\n(?P<body>.*?)\n\+\+\+[ \t]*(?:\n|\Z)", re.DOTALL)
_EDN = re.compile(r"\A\{(?P<body>:.*?)\}[ \t]*(?:\n|\Z)", re.DOTALL)
_YAML_PAIR = re.compile(r"^(?P<key>[A-Za-z][\w -]{0,40}?)\s*:\s*(?P<value>\S.*?)\s*$")
_TOML_PAIR = re.compile(r"^\s*(?P<key>[A-Za-z][\w-]{0,40})\s*=\s*(?P<value>\S.*?)\s*$")
_EDN_PAIR = re.compile(r":(?P<key>[\w-]{1,40})\s+(?P<value>\"(?:[^\"\\]|\\.)*\"|[^\s{}\[\]]+)")
# A Pelican/MultiMarkdown header: 'Title: …' lines up to the first blank line.
_HEADER_LINE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z _-]{0,30}):[ \t]+(?P<value>\S.*?)\s*$")
_HEADER_KEYS = frozenset(["title", "date", "author", "authors", "category", "tags", "slug"])
_TITLE_KEYS = frozenset(["title"])
_MONTH_KEYS = frozenset(["month", "issue_month"])
_DATE_KEYS = frozenset(
    ["date", "published", "pubdate", "publish_date", "published_at", "publishdate", "created"]
)


@dataclass(frozen=True, slots=True)
class Metadata:
    title: str | None = None
    month: str | None = None  # an explicit month field, as written ("January 2023")
    dates: tuple[str, ...] = ()  # publication dates, as written ("2024-07-17")


def split_front_matter(text: str) -> tuple[Metadata, str]:
    """The front matter's metadata and the text after it (the whole text when there is none)."""
    for pattern, pair in ((_YAML, _YAML_PAIR), (_TOML, _TOML_PAIR)):
        match = pattern.match(text)
        if match:
            pairs = [pair.match(line) for line in match.group("body").split("\n")]
            found = [(m.group("key"), m.group("value")) for m in pairs if m]
            return _metadata(found), text[match.end() :]
    match = _EDN.match(text)
    if match:
        found = [(m.group("key"), m.group("value")) for m in _EDN_PAIR.finditer(match.group(0))]
        if found:
            return _metadata(found), text[match.end() :]
    return _pelican_header(text)


def _pelican_header(text: str) -> tuple[Metadata, str]:
    found: list[tuple[str, str]] = []
    end = 0
    for line in text.split("\n"):
        if not line.strip():
            break
        match = _HEADER_LINE.match(line)
        if not match:
            return Metadata(), text
        found.append((match.group("key"), match.group("value")))
        end += len(line) + 1
    keys = {key.lower() for key, _ in found}
    if len(found) < 2 or not keys & _HEADER_KEYS or not keys & (_TITLE_KEYS | _DATE_KEYS):
        return Metadata(), text
    return _metadata(found), text[end:]


def _metadata(pairs: list[tuple[str, str]]) -> Metadata:
    title: str | None = None
    month: str | None = None
    dates: list[str] = []
    for raw_key, raw_value in pairs:
        key = raw_key.strip().lower().replace(" ", "_")
        value = _unquote(raw_value)
        if not value:
            continue
        if key in _TITLE_KEYS and title is None:
            title = value
        elif key in _MONTH_KEYS and month is None:
            month = value
        elif key in _DATE_KEYS:
            dates.append(value)
    return Metadata(title=title, month=month, dates=tuple(dates))


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value.strip()

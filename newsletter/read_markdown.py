"""Markdown reader: ATX headings, numbered lists with linked titles, paragraphs."""

from __future__ import annotations

import re

from .blocks import Block, Kind, heading_block, line_block
from .textutil import clean_line

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ORDERED = re.compile(r"^\s{0,3}(\d{1,2})[.)]\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_RULE = re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)([^*_].*?)\1\s*:?\s*$")
_WHOLE_LINK = re.compile(r"^[*_]*\[(?P<text>[^\]]+)\]\((?P<url>[^)\s]+)(?:\s+\"[^\"]*\")?\)[*_]*$")
# Repeats are bounded: unbounded ones backtrack quadratically on a long line of "[" or "*".
_IMAGE = re.compile(r"!\[[^\]\n]{0,500}\]\([^)\n]{0,2000}\)")
_LINK = re.compile(r"\[([^\]\n]{1,500})\]\([^)\n]{0,2000}\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|(?<!\w)_)(?=\S)(.{1,300}?)(?<=\S)\1(?!\w)")
_CODE = re.compile(r"`([^`]*)`")


def strip_inline(text: str) -> str:
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    for _ in range(2):  # nested emphasis such as ***bold italic***
        text = _EMPHASIS.sub(r"\2", text)
    return clean_line(text.replace("\\", ""))


def _title_and_url(text: str) -> tuple[str, str | None]:
    match = _WHOLE_LINK.match(text.strip())
    if match:
        return strip_inline(match.group("text")), match.group("url")
    return strip_inline(text), None


def read_markdown(text: str) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            joined = strip_inline(" ".join(paragraph))
            if joined:
                blocks.append(line_block(joined))
            paragraph.clear()

    for raw in text.split("\n"):
        line = raw.rstrip()
        if not line.strip() or _RULE.match(line):
            flush()
            continue
        line = re.sub(r"^\s*>\s?", "", line)  # block quotes read as plain paragraphs
        if heading := _HEADING.match(line):
            flush()
            title, url = _title_and_url(heading.group(2))
            if title:
                blocks.append(heading_block(title, len(heading.group(1)), url))
        elif ordered := _ORDERED.match(line):
            flush()
            title, url = _title_and_url(ordered.group(2))
            if title:
                blocks.append(Block(Kind.NUMBERED, title, number=int(ordered.group(1)), url=url))
        elif bullet := _BULLET.match(line):
            flush()
            blocks.append(Block(Kind.PARAGRAPH, "- " + strip_inline(bullet.group(1))))
        elif bold := _BOLD_LINE.match(line):
            flush()  # a line that is all bold acts as a heading in many newsletters
            title, url = _title_and_url(bold.group(2))
            blocks.append(heading_block(title, 4, url))
        else:
            paragraph.append(line.strip())
    flush()
    return blocks

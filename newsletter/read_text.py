"""Plain text reader: one block per line, re-joining hard-wrapped paragraphs."""

from __future__ import annotations

import re

from .blocks import Block, line_block
from .textutil import clean_line

_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_LIST_START = re.compile(r"^(?:[-*•]\s|\d{1,2}[.)]\s)")
_SENTENCE_END = re.compile(r"[.!?:…\"”’)]$")


def read_text(text: str) -> list[Block]:
    blocks: list[Block] = []
    for chunk in _BLANK_LINES.split(text):
        lines = [clean_line(line) for line in chunk.split("\n")]
        lines = [line for line in lines if line]
        if _looks_hard_wrapped(lines):
            lines = _unwrap(lines)
        blocks.extend(line_block(line) for line in lines)
    return blocks


def _looks_hard_wrapped(lines: list[str]) -> bool:
    """Text copied from a web page has one paragraph per line; e-mail style text is wrapped
    at a fixed width, which shows as many similar-length lines that end mid-sentence."""
    if len(lines) < 2 or max(len(line) for line in lines) > 100:
        return False
    body = lines[:-1]
    mid_sentence = sum(1 for line in body if not _SENTENCE_END.search(line))
    long_enough = sum(1 for line in body if len(line) >= 40)
    return mid_sentence * 2 >= len(body) and long_enough * 2 >= len(body)


def _unwrap(lines: list[str]) -> list[str]:
    joined: list[str] = []
    for line in lines:
        if joined and not _LIST_START.match(line):
            joined[-1] = f"{joined[-1]} {line}"
        else:
            joined.append(line)
    return joined

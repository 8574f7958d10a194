"""Splitting a typed line into words and `name:value` options, the way the sandbox reads
them: values may hold spaces (`query:DRAM chips`) or be quoted (`query:"DRAM chips"`)."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

# Discord's option names: lowercase letters, digits, `-` and `_`, at most 32. Modal field
# ids are looser, so any word character is accepted here.
_OPTION = re.compile(r"(?P<name>[\w-]{1,32}):(?P<value>.*)", re.DOTALL)


class SandboxError(Exception):
    """A line the sandbox cannot run; its message is the one line shown for it."""


@dataclass
class Words:
    """A line split up: bare words (verb, subcommands, arguments), then options."""

    words: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)


def split_line(line: str) -> Words:
    """`/search query:DRAM chips issue:2023-12` → words ["/search"], options {query: "DRAM
    chips", issue: "2023-12"}. A bare word after an option continues its value; a word
    like `https://…` is a value, not an option named "https"."""
    out = Words()
    last: str | None = None
    for token in _tokens(line):
        match = _OPTION.fullmatch(token)
        if match and not match["value"].startswith("//"):
            last = match["name"]
            if last in out.options:
                raise SandboxError(f"{last}: given twice")
            out.options[last] = match["value"]
        elif last is not None:
            value = out.options[last]
            out.options[last] = f"{value} {token}" if value else token
        else:
            out.words.append(token)
    return out


def _tokens(line: str) -> list[str]:
    # shlex knows quoting; only double quotes quote, so an apostrophe (China's) is text.
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.quotes = '"'
    lexer.escapedquotes = '"'
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError as exc:
        if "quotation" in str(exc):
            raise SandboxError('unclosed quote: end the value with another "') from None
        raise SandboxError("a line cannot end with a backslash") from None


def is_comment(line: str) -> bool:
    """`# a note` is a comment; `#news` (one word) reads that channel."""
    text = line.strip()
    return text.startswith("#") and (len(text.split()) > 1 or text == "#" or text[1] == "#")

"""Entry point: bytes or text of an issue in, IssueDocument out (or IssueFormatError)."""

from __future__ import annotations

import re
from typing import Literal

from .blocks import Block
from .decode import decode_with_notes, normalize_text
from .document import IssueDocument
from .errors import IssueFormatError
from .metadata import Metadata, split_front_matter
from .read_html import read_html
from .read_markdown import html_share, looks_like_markdown, parse_tokens, read_tokens
from .read_text import read_text
from .structure import build_issue

Format = Literal["text", "markdown", "html"]
DEFAULT_NEWSLETTER = "This Month in China"

# What an HTML document starts with, after white space and comments.
_HTML_START = re.compile(
    r"\A(?:\s|<!--.*?-->)*<(?:!doctype\s+html|html|head|body|\?xml)\b", re.I | re.S
)


# Characters without which a text has no Markdown or HTML structure to read: such a text
# skips the Markdown parser (a plain-text issue is most of the work of detecting).
_MARKUP_SIGNS = ("](", "][", "<")
_HEADING_SIGN = re.compile(r"^ {0,3}#", re.MULTILINE)


def _maybe_markup(text: str) -> bool:
    return any(sign in text for sign in _MARKUP_SIGNS) or bool(_HEADING_SIGN.search(text))


def detect_format(text: str) -> Format:
    if _HTML_START.match(text[:5_000]):
        return "html"
    if not _maybe_markup(text):
        return "text"
    tokens, _ = parse_tokens(text)
    if html_share(tokens) >= 0.5:
        return "html"
    return "markdown" if looks_like_markdown(tokens) else "text"


def parse_issue(
    data: bytes | str,
    *,
    newsletter: str = DEFAULT_NEWSLETTER,
    filename: str | None = None,
    fmt: Format | None = None,
    month: str | None = None,
) -> IssueDocument:
    """Parse an issue. `month` ("2024-07") overrides every date the issue carries."""
    if isinstance(data, bytes):
        text, notes = decode_with_notes(data)
    else:
        text, notes = normalize_text(data), []
    blocks, meta = _read(text, fmt)
    if not blocks:
        raise IssueFormatError("file has no text")
    return build_issue(
        blocks,
        newsletter=newsletter,
        filename=filename,
        meta=meta,
        month=month,
        notes=tuple(notes),
    )


def _read(text: str, fmt: Format | None) -> tuple[list[Block], Metadata]:
    if fmt == "html" or (fmt is None and _HTML_START.match(text[:5_000])):
        return read_html(text)
    meta, body = split_front_matter(text)
    if fmt == "text":
        return read_text(body), meta
    if fmt is not None and fmt != "markdown":
        raise ValueError(f"unknown format {fmt!r}")
    if fmt is None and not _maybe_markup(body):
        return read_text(body), meta
    tokens, env = parse_tokens(body)
    if fmt is None and html_share(tokens) >= 0.5:
        return read_html(body)
    if fmt == "markdown" or looks_like_markdown(tokens):
        return read_tokens(tokens, env), meta
    return read_text(body), meta

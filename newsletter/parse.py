"""Entry point: bytes or text of an issue in, IssueDocument out (or IssueFormatError)."""

from __future__ import annotations

import re
from typing import Literal

from .blocks import Block
from .decode import decode_bytes, normalize_text
from .document import IssueDocument
from .errors import IssueFormatError
from .read_html import read_html
from .read_markdown import read_markdown
from .read_text import read_text
from .structure import build_issue

Format = Literal["text", "markdown", "html"]
DEFAULT_NEWSLETTER = "This Month in China"

_HTML_TAG = re.compile(
    r"<(?:!doctype\s+html|html|head|body|p|div|h[1-6]|ol|ul|li|article|section|br)\b[^>]*>",
    re.IGNORECASE,
)
_MD_HEADING = re.compile(r"^#{1,6}\s+\S", re.MULTILINE)
_MD_LINK = re.compile(r"\[[^\]\n]{1,500}\]\([^)\s]{1,2000}\)")  # bounded: see read_markdown


def detect_format(text: str) -> Format:
    if len(_HTML_TAG.findall(text[:20_000])) >= 3:
        return "html"
    if _MD_HEADING.search(text) or _MD_LINK.search(text):
        return "markdown"
    return "text"


def parse_issue(
    data: bytes | str,
    *,
    newsletter: str = DEFAULT_NEWSLETTER,
    filename: str | None = None,
    fmt: Format | None = None,
) -> IssueDocument:
    text = decode_bytes(data) if isinstance(data, bytes) else normalize_text(data)
    chosen = fmt or detect_format(text)
    blocks = _read(text, chosen)
    if not blocks:
        raise IssueFormatError("file has no text")
    return build_issue(blocks, newsletter=newsletter, filename=filename)


def _read(text: str, fmt: Format) -> list[Block]:
    if fmt == "html":
        return read_html(text)
    if fmt == "markdown":
        return read_markdown(text)
    if fmt == "text":
        return read_text(text)
    raise ValueError(f"unknown format {fmt!r}")

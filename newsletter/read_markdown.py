"""Markdown reader: CommonMark (with tables) through markdown-it-py, turned into blocks.

Block structure comes from markdown-it's block parser; inline markup (links, emphasis, code,
inline HTML) from its inline parser, one paragraph at a time so that a pathological
paragraph can be read as plain text instead of taking seconds. HTML blocks inside the
Markdown go to the HTML reader as fragments; comments are never content.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .blocks import Block, Kind, heading_block, line_block, split_number
from .read_html import read_html_fragment
from .textutil import clean_line, is_tag_prefix

# markdown-it's inline rules are quadratic on some inputs (a line of 200,000 "["); a
# paragraph longer than this is kept as plain text, which no newsletter paragraph reaches.
INLINE_LIMIT = 20_000

_CHUNK = re.compile(r"\n[ \t]*\n")


def _parser(*, inline: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    if not inline:
        md.disable("inline")
    # Links are kept as the issue wrote them (as the HTML reader does), not percent-encoded.
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    return md


_FULL = _parser(inline=True)
_BLOCKS = _parser(inline=False)


def parse_tokens(text: str) -> tuple[list[Token], dict[str, Any]]:
    """Tokens of a Markdown text, and the environment (link references) they need. Inline
    markup is parsed in the same pass unless a paragraph could be long enough to be slow,
    then one paragraph at a time (see INLINE_LIMIT)."""
    env: dict[str, Any] = {}
    if max(map(len, _CHUNK.split(text)), default=0) <= INLINE_LIMIT:
        return _FULL.parse(text, env), env
    return _BLOCKS.parse(text, env), env


def looks_like_markdown(tokens: Sequence[Token]) -> bool:
    """An ATX heading or a [link](target) marks Markdown; list-shaped lines alone do not,
    since plain-text issues number their titles '1.' as well."""
    for token in tokens:
        if token.type == "heading_open" and token.markup.startswith("#"):
            return True
        if token.type != "inline":
            continue
        if token.children is None:  # read paragraph by paragraph: look for the syntax
            if "](" in token.content or "][" in token.content:
                return True
        elif any(c.type == "link_open" and c.markup != "autolink" for c in token.children):
            return True
    return False


def html_share(tokens: Sequence[Token]) -> float:
    """The share of top-level blocks that are raw HTML: most of them in an HTML page."""
    top = [t for t in tokens if t.level == 0 and t.nesting != -1]
    if not top:
        return 0.0
    return sum(1 for t in top if t.type == "html_block") / len(top)


def read_markdown(text: str) -> list[Block]:
    tokens, env = parse_tokens(text)
    return read_tokens(tokens, env)


def read_tokens(tokens: Sequence[Token], env: dict[str, Any]) -> list[Block]:
    reader = _Reader(env)
    reader.read(tokens)
    return reader.blocks


@dataclass(slots=True)
class _Inline:
    text: str
    url: str | None  # the link, when one link is all of the text
    lead: str | None  # the text of the link the paragraph opens with
    lead_url: str | None
    lead_prefix: str
    bold: bool  # all of it is strong emphasis (optionally followed by ':')
    first_url: str | None = None  # the first link's target, wherever it stands


@dataclass(slots=True)
class _List:
    ordered: bool
    depth: int


@dataclass(slots=True)
class _Entry:
    ordered: bool
    depth: int
    number: int
    has_text: bool = False


@dataclass(slots=True)
class _Reader:
    env: dict[str, Any]
    blocks: list[Block] = field(default_factory=list)
    lists: list[_List] = field(default_factory=list)
    entries: list[_Entry] = field(default_factory=list)
    quotes: int = 0
    row: list[str] | None = None

    def read(self, tokens: Sequence[Token]) -> None:
        i = 0
        while i < len(tokens):
            token = tokens[i]
            kind = token.type
            if kind == "heading_open" and i + 1 < len(tokens):
                self._heading(token, tokens[i + 1])
                i += 2
            elif kind == "paragraph_open" and i + 1 < len(tokens):
                self._paragraph(tokens[i + 1])
                i += 2
            elif kind in ("bullet_list_open", "ordered_list_open"):
                self.lists.append(_List(kind == "ordered_list_open", len(self.lists)))
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
            elif kind == "list_item_open":
                current = self.lists[-1] if self.lists else _List(False, 0)
                written = token.info
                number = int(written) if written.isdigit() and len(written) <= 3 else 0
                self.entries.append(_Entry(current.ordered, current.depth, number))
            elif kind == "list_item_close":
                if self.entries:
                    self.entries.pop()
            elif kind == "blockquote_open":
                self.quotes += 1
            elif kind == "blockquote_close":
                self.quotes -= 1
            elif kind in ("fence", "code_block"):
                self._add(line_block(clean_line(token.content.replace("\n", " ")), quoted=False))
            elif kind == "html_block":
                for block in read_html_fragment(token.content, quoted=self.quotes > 0):
                    self._add(block)
            elif kind == "tr_open":
                self.row = []
            elif kind == "inline" and self.row is not None:
                self.row.append(_inline(token, self.env).text)
            elif kind == "tr_close" and self.row is not None:
                cells = [cell for cell in self.row if cell]
                if cells:
                    self._add(Block(Kind.PARAGRAPH, " | ".join(cells), quoted=self.quotes > 0))
                self.row = None
            i += 1

    def _heading(self, token: Token, inline: Token) -> None:
        found = _inline(inline, self.env)
        if found.text:
            level = int(token.tag[1:]) if token.tag[1:].isdigit() else 6
            self.blocks.append(heading_block(found.text, level, found.url))

    def _paragraph(self, inline: Token) -> None:
        found = _inline(inline, self.env)
        if not found.text:
            return
        quoted = self.quotes > 0
        entry = self.entries[-1] if self.entries else None
        if entry is not None and not entry.has_text:
            entry.has_text = True
            self._add_entry(entry, found, quoted)
        elif entry is not None:
            # A later paragraph of a list entry belongs to that entry's text.
            self.blocks.append(
                Block(Kind.PARAGRAPH, found.text, depth=entry.depth + 1, quoted=quoted)
            )
        elif found.bold:
            # A paragraph that is all bold acts as a heading in many newsletters.
            self.blocks.append(heading_block(found.text.rstrip(":").strip(), 4, found.url))
        else:
            self.blocks.append(_with_lead(found, quoted))

    def _add_entry(self, entry: _Entry, found: _Inline, quoted: bool) -> None:
        lead, lead_url = _entry_lead(found)
        if entry.ordered and entry.depth == 0:
            self.blocks.append(
                Block(
                    Kind.NUMBERED,
                    found.text,
                    number=entry.number,
                    url=found.url,
                    style="1.",
                    lead=lead,
                    lead_url=lead_url,
                    quoted=quoted,
                    link=found.first_url,
                )
            )
            return
        marker = f"{entry.number}. " if entry.ordered else "- "
        self.blocks.append(
            Block(
                Kind.PARAGRAPH,
                marker + found.text,
                bullet=not entry.ordered,
                depth=entry.depth,
                lead=lead,
                lead_url=lead_url,
                quoted=quoted,
                link=found.first_url,
            )
        )

    def _add(self, block: Block) -> None:
        """A block that is not a paragraph (code, table row, HTML) inside a list entry is
        part of that entry's text."""
        if not block.text:
            return
        if self.entries:
            depth = self.entries[-1].depth + 1
            text = f"{block.number}. {block.text}" if block.kind is Kind.NUMBERED else block.text
            self.blocks.append(Block(Kind.PARAGRAPH, text, depth=depth, quoted=block.quoted))
        else:
            self.blocks.append(block)


def _with_lead(found: _Inline, quoted: bool) -> Block:
    if found.lead is not None and _numberless_prefix(found.lead_prefix):
        return line_block(
            found.text, found.url, lead=found.lead, lead_url=found.lead_url, quoted=quoted
        )
    return line_block(found.text, found.url, quoted=quoted)


def _numberless_prefix(prefix: str) -> bool:
    """'01、' or '3.' before the link is the item's number, which line_block takes off."""
    numbered = split_number(prefix + " x")
    rest = numbered[1][:-1] if numbered else prefix
    return is_tag_prefix(rest)


def _entry_lead(found: _Inline) -> tuple[str | None, str | None]:
    if found.lead is not None and is_tag_prefix(found.lead_prefix):
        return found.lead, found.lead_url
    return None, None


def _inline(token: Token, env: dict[str, Any]) -> _Inline:
    content = token.content
    if token.children is not None:
        children = token.children
    elif len(content) > INLINE_LIMIT:
        return _Inline(clean_line(content.replace("\n", " ")), None, None, None, "", False)
    else:
        children = _FULL.parseInline(content, env)[0].children or []
    text: list[str] = []
    outside: list[str] = []  # text outside any link, to tell a linked title
    outside_strong: list[str] = []
    links = 0
    url: str | None = None
    first_url: str | None = None
    lead: tuple[str, str, str] | None = None
    link_start: int | None = None
    link_href = ""
    strong = 0
    for child in children:
        kind = child.type
        piece = ""
        if kind in ("text", "code_inline"):
            piece = child.content
        elif kind in ("softbreak", "hardbreak") or (
            kind == "html_inline" and child.content.lower().startswith("<br")
        ):
            piece = " "
        elif kind == "link_open":
            links += 1
            link_start = len(text)
            link_href = str(child.attrs.get("href") or "")
            url = link_href if links == 1 else None
            first_url = first_url or link_href or None
        elif kind == "link_close" and link_start is not None:
            if lead is None:
                prefix = clean_line("".join(text[:link_start]))
                link_text = clean_line("".join(text[link_start:]))
                if link_text:
                    lead = (prefix, link_text, link_href)
            link_start = None
        elif kind == "strong_open":
            strong += 1
        elif kind == "strong_close":
            strong -= 1
        if piece:
            text.append(piece)
            if link_start is None:
                outside.append(piece)
            if strong == 0:
                outside_strong.append(piece)
    whole = clean_line("".join(text))
    whole_link = links == 1 and not clean_line("".join(outside))
    rest = clean_line("".join(outside_strong))
    bold = bool(whole) and rest in ("", ":") and any(c.type == "strong_open" for c in children)
    return _Inline(
        text=whole,
        url=url if whole_link else None,
        lead=lead[1] if lead else None,
        lead_url=lead[2] if lead else None,
        lead_prefix=lead[0] if lead else "",
        bold=bold,
        first_url=first_url,
    )

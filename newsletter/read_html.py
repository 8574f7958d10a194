"""HTML reader for a newsletter web page (BeautifulSoup with the stdlib html.parser)."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from .blocks import Block, Kind, heading_block, line_block
from .errors import IssueFormatError
from .textutil import clean_line

_DROPPED_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "nav",
        "footer",
        "aside",
        "form",
        "button",
        "iframe",
        "head",
        "select",
        "input",
        "label",
        "canvas",
        "video",
        "audio",
        "object",
    ]
)
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "blockquote",
        "figure",
        "figcaption",
        "pre",
        "table",
        "tbody",
        "thead",
        "tr",
        "td",
        "th",
        "dl",
        "dt",
        "dd",
        "body",
        "html",
        "center",
        "address",
        "details",
        "summary",
    ]
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
# Page chrome is recognised by the words its class/id/role is made of, not by full names.
_CHROME_WORDS = frozenset(
    [
        "comment",
        "comments",
        "subscribe",
        "subscription",
        "signup",
        "share",
        "sharing",
        "social",
        "cookie",
        "cookies",
        "sidebar",
        "related",
        "advert",
        "ads",
        "promo",
        "nav",
        "navbar",
        "navigation",
        "menu",
        "footer",
        "breadcrumb",
        "breadcrumbs",
        "reactions",
        "complementary",
        "contentinfo",
        "banner-ad",
    ]
)
_ID_WORDS = re.compile(r"[a-z]+")


def read_html(text: str) -> list[Block]:
    soup = BeautifulSoup(text, "html.parser")
    walker = _Walker()
    try:
        walker.walk(soup)
    except RecursionError:  # the walk follows the markup's nesting
        raise IssueFormatError("HTML is nested too deeply") from None
    walker.flush()
    return walker.blocks


def _is_chrome(tag: Tag) -> bool:
    attrs: list[str] = []
    for name in ("class", "id", "role"):
        value = tag.get(name)
        if isinstance(value, list):
            attrs.extend(value)
        elif value:
            attrs.append(str(value))
    return any(word in _CHROME_WORDS for attr in attrs for word in _ID_WORDS.findall(attr.lower()))


def _link_of(tag: Tag) -> str | None:
    """The href when one link covers (nearly) all of the tag's text, as in a linked title."""
    links = [a for a in tag.find_all("a") if isinstance(a, Tag) and a.get("href")]
    if len(links) != 1:
        return None
    link_text = clean_line(links[0].get_text())
    whole = clean_line(tag.get_text())
    if link_text and len(link_text) >= 0.6 * len(whole):
        return str(links[0]["href"])
    return None


class _Walker:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._inline: list[str] = []

    def flush(self) -> None:
        text = clean_line("".join(self._inline))
        self._inline.clear()
        if text:
            self.blocks.append(line_block(text))

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Comment | Declaration | Doctype | ProcessingInstruction):
                continue
            if isinstance(child, NavigableString):
                self._inline.append(str(child))
            elif isinstance(child, Tag):
                self._visit(child)

    def _visit(self, tag: Tag) -> None:
        name = tag.name.lower()
        if name in _DROPPED_TAGS or _is_chrome(tag):
            return
        if name == "br":
            self.flush()
        elif name in _HEADINGS:
            self.flush()
            text = _text_of(tag)
            if text:
                self.blocks.append(heading_block(text, _HEADINGS[name], _link_of(tag)))
        elif name == "ol":
            self.flush()
            self._ordered_list(tag)
        elif name == "ul":
            self.flush()
            for li in tag.find_all("li", recursive=False):
                text = _text_of(li)
                if text:
                    self.blocks.append(Block(Kind.PARAGRAPH, "- " + text))
        elif name in _BLOCK_TAGS or name == "li":
            self.flush()
            self.walk(tag)
            self.flush()
        else:
            self.walk(tag)

    def _ordered_list(self, tag: Tag) -> None:
        start_attr = str(tag.get("start") or "1")
        # Item numbers have at most two digits; "²" is a digit to isdigit() but not to int().
        number = int(start_attr) if re.fullmatch(r"[0-9]{1,2}", start_attr) else 1
        for li in tag.find_all("li", recursive=False):
            text = _text_of(li)
            if text:
                self.blocks.append(Block(Kind.NUMBERED, text, number=number, url=_link_of(li)))
            number += 1


def _text_of(tag: Tag) -> str:
    pieces = tag.find_all(string=True)
    return clean_line("".join(str(piece) for piece in pieces if not isinstance(piece, Comment)))

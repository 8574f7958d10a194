"""HTML reader for a newsletter web page or e-mail (BeautifulSoup with the stdlib html.parser).

Besides the blocks it reads the page's metadata (its title and publication date), which
the month is taken from before any date in the text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from .blocks import Block, Kind, heading_block, line_block
from .errors import IssueFormatError
from .metadata import Metadata
from .textutil import clean_line as _clean_spaces
from .textutil import is_tag_prefix

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
        "title",
        "meta",
        "link",
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
        "sponsor",
        "sponsored",
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
        "masthead",
        "prev",
        "next",
        "pager",
        "pagination",
        "tags",
        "toc",
        "meta",
    ]
)
_ID_WORDS = re.compile(r"[a-z]+")
_DATE_META = frozenset(
    [
        "article:published_time",
        "og:published_time",
        "date",
        "dc.date",
        "dc.date.issued",
        "dcterms.date",
        "pubdate",
        "publishdate",
        "publish-date",
        "publication_date",
        "datepublished",
        "sailthru.date",
    ]
)


def clean_line(text: str) -> str:
    """HTML white space: line breaks in the source are spaces on the page."""
    return _clean_spaces(text.replace("\n", " "))


_TITLE_META = frozenset(["og:title", "twitter:title", "dc.title"])
# Nesting a page may have: html.parser builds the tree without recursion, but our walk
# recurses (two frames a level) and must stay clear of Python's recursion limit.
_MAX_DEPTH = 250


def read_html(text: str) -> tuple[list[Block], Metadata]:
    soup = BeautifulSoup(text, "html.parser")
    depth = _max_depth(soup)
    if depth > _MAX_DEPTH:
        raise IssueFormatError(f"HTML nested more than {_MAX_DEPTH} levels deep: not an issue page")
    meta = _metadata(soup)
    walker = _Walker()
    walker.walk(soup)
    walker.flush()
    return walker.blocks, meta


def read_html_fragment(text: str, *, quoted: bool = False) -> list[Block]:
    """Blocks of an HTML fragment inside Markdown (comments, <br>, <p align=center>…)."""
    soup = BeautifulSoup(text, "html.parser")
    if _max_depth(soup) > _MAX_DEPTH:
        return []
    walker = _Walker(quoted=quoted)
    walker.walk(soup)
    walker.flush()
    return walker.blocks


def _max_depth(soup: BeautifulSoup) -> int:
    deepest = 0
    stack: list[tuple[Tag, int]] = [(soup, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > _MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tag))
    return deepest


def _metadata(soup: BeautifulSoup) -> Metadata:
    title: str | None = None
    dates: list[str] = []
    if soup.title is not None and soup.title.string:
        title = clean_line(str(soup.title.string))
    for tag in soup.find_all("meta"):
        if not isinstance(tag, Tag):
            continue
        name = str(tag.get("property") or tag.get("name") or tag.get("itemprop") or "").lower()
        content = str(tag.get("content") or "").strip()
        if not content:
            continue
        if name in _DATE_META:
            dates.append(content)
        elif name in _TITLE_META and title is None:
            title = clean_line(content)
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        dates.extend(_json_ld_dates(script.get_text()))
    for time_tag in soup.find_all("time"):
        if isinstance(time_tag, Tag) and time_tag.get("datetime") and not _inside_chrome(time_tag):
            dates.append(str(time_tag["datetime"]))
            break
    return Metadata(title=title, dates=tuple(dates))


def _json_ld_dates(text: str) -> Iterator[str]:
    try:
        data = json.loads(text)
    except ValueError:
        return
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            value = node.get("datePublished")
            if isinstance(value, str):
                yield value
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _inside_chrome(tag: Tag) -> bool:
    return any(parent.name in _DROPPED_TAGS or _is_chrome(parent) for parent in tag.parents)


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


def _is_contents_list(tag: Tag) -> bool:
    """A table of contents: every entry is one link to a place on the same page."""
    entries = [li for li in tag.find_all("li", recursive=False) if isinstance(li, Tag)]
    if not entries:
        return False
    for li in entries:
        links = [a for a in li.find_all("a") if isinstance(a, Tag)]
        if not links or not all(str(a.get("href") or "").startswith("#") for a in links):
            return False
    return True


class _Walker:
    def __init__(self, *, quoted: bool = False) -> None:
        self.blocks: list[Block] = []
        self._inline: list[str] = []
        self._lead: tuple[str, str, str] | None = None  # (text before it, link text, href)
        self._quoted = quoted

    def flush(self) -> None:
        text = clean_line("".join(self._inline))
        self._inline.clear()
        lead, self._lead = self._lead, None
        if text:
            if lead is not None:
                prefix, link_text, href = lead
                self.blocks.append(
                    line_block(text, lead=link_text, lead_url=href, quoted=self._quoted)
                    if _opens_with(text, prefix, link_text)
                    else line_block(text, quoted=self._quoted)
                )
            else:
                self.blocks.append(line_block(text, quoted=self._quoted))

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
        elif name == "img":
            return
        elif name in _HEADINGS:
            self.flush()
            text = _text_of(tag)
            if text:
                self.blocks.append(heading_block(text, _HEADINGS[name], _link_of(tag)))
        elif name in ("ol", "ul"):
            self.flush()
            if not _is_contents_list(tag):
                self._list(tag, ordered=name == "ol", depth=0)
        elif name == "a" and tag.get("href") and self._lead is None:
            before = clean_line("".join(self._inline))
            self.walk(tag)
            link_text = clean_line(tag.get_text())
            if link_text and len(before) <= 40:
                self._lead = (before, link_text, str(tag["href"]))
        elif name == "blockquote":
            self.flush()
            quoted, self._quoted = self._quoted, True
            self.walk(tag)
            self.flush()
            self._quoted = quoted
        elif name in _BLOCK_TAGS or name == "li":
            self.flush()
            self.walk(tag)
            self.flush()
        else:
            self.walk(tag)

    def _list(self, tag: Tag, *, ordered: bool, depth: int) -> None:
        number = _start_of(tag) if ordered else 1
        for li in tag.find_all("li", recursive=False):
            if not isinstance(li, Tag):
                continue
            text, lead, nested = _entry_of(li)
            link = _first_link(li)
            if text:
                entry = self._entry(li, text, lead, ordered, number, depth)
                self.blocks.append(replace(entry, link=link))
            if ordered:
                number += 1
            for child in nested:
                self._list(child, ordered=child.name.lower() == "ol", depth=depth + 1)

    def _entry(
        self,
        li: Tag,
        text: str,
        lead: tuple[str, str, str] | None,
        ordered: bool,
        number: int,
        depth: int,
    ) -> Block:
        link_text, href = (
            (lead[1], lead[2]) if lead and _opens_with(text, *lead[:2]) else (None, None)
        )
        if ordered and depth == 0:
            return Block(
                Kind.NUMBERED,
                text,
                number=number,
                url=_link_of(li),
                style="1.",
                lead=link_text,
                lead_url=href,
                quoted=self._quoted,
            )
        marker = f"{number}. " if ordered else "- "
        return Block(
            Kind.PARAGRAPH,
            marker + text,
            bullet=not ordered,
            depth=depth,
            lead=link_text,
            lead_url=href,
            quoted=self._quoted,
        )


def _first_link(li: Tag) -> str | None:
    """The href of the entry's own first link (not one in a nested list)."""
    for a in li.find_all("a"):
        if isinstance(a, Tag) and a.get("href") and not _in_sublist(a, li):
            return str(a["href"])
    return None


def _in_sublist(tag: Tag, li: Tag) -> bool:
    for parent in tag.parents:
        if parent is li:
            return False
        if parent.name in ("ul", "ol"):
            return True
    return False


def _start_of(tag: Tag) -> int:
    start_attr = str(tag.get("start") or "1")
    # "²" is a digit to isdigit() but not to int(); more than three digits is no item number.
    return int(start_attr) if re.fullmatch(r"[0-9]{1,3}", start_attr) else 1


def _entry_of(li: Tag) -> tuple[str, tuple[str, str, str] | None, list[Tag]]:
    """A list entry's own text (nested lists apart), the link it opens with, its sublists."""
    pieces: list[str] = []
    nested: list[Tag] = []
    lead: tuple[str, str, str] | None = None
    for child in li.children:
        if isinstance(child, Comment | Declaration | Doctype | ProcessingInstruction):
            continue
        if isinstance(child, Tag) and child.name.lower() in ("ul", "ol"):
            nested.append(child)
            continue
        if isinstance(child, Tag) and (child.name.lower() in _DROPPED_TAGS or _is_chrome(child)):
            continue
        if lead is None and isinstance(child, Tag):
            link = child if child.name.lower() == "a" else child.find("a")
            before = clean_line("".join(pieces))
            if isinstance(link, Tag) and link.get("href") and len(before) <= 40:
                link_text = clean_line(link.get_text())
                if link_text and clean_line(child.get_text()).startswith(link_text):
                    lead = (before, link_text, str(link["href"]))
        pieces.append(_text_of(child) if isinstance(child, Tag) else str(child))
    return clean_line("".join(pieces)), lead, nested


def _opens_with(text: str, prefix: str, link_text: str) -> bool:
    return text[len(prefix) :].lstrip().startswith(link_text) and is_tag_prefix(prefix)


def _text_of(tag: Tag) -> str:
    pieces = tag.find_all(string=True)
    return clean_line("".join(str(piece) for piece in pieces if not isinstance(piece, Comment)))

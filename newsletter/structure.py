"""Turn reader blocks into an IssueDocument: month, editorial, items, extras."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .align import align_paragraphs
from .blocks import Block, Kind
from .document import Extra, IssueDocument, Item, Section
from .errors import IssueFormatError
from .headings import (
    is_quoted,
    looks_like_heading,
    month_from_filename,
    month_in,
    names_an_extra,
)
from .noise import comment_block_start, is_closing_line, is_page_noise
from .summarize import summarize
from .textutil import content_terms, tidy_heading

_ANCHOR_SIMILARITY = 0.34  # numbered line in the bodies vs the listed title with that number
_HEADING_SIMILARITY = 0.6  # unnumbered heading vs a listed title


@dataclass(frozen=True, slots=True)
class _Layout:
    titles: list[Block]  # the item titles, numbered 1..N in order
    list_start: int  # first block of the item list (the editorial ends before it)
    bodies_start: int  # first block after the list
    anchors: dict[int, int]  # block index -> item index, for items with their own heading


def build_issue(blocks: list[Block], *, newsletter: str, filename: str | None) -> IssueDocument:
    blocks = [block for block in blocks if not is_page_noise(block.text)]
    warnings: list[str] = []
    layout = _find_items(blocks)
    month_index, month, title = _find_month(blocks, filename, warnings)

    comments = comment_block_start(blocks, layout.bodies_start)
    limit = comments if comments is not None else len(blocks)
    items_end = _items_end(blocks, layout, limit)

    items = _items(blocks, layout, items_end, warnings)
    extras = _extras(blocks[items_end:limit], warnings)
    editorial = _editorial(blocks[: layout.list_start], month_index)
    if editorial is None:
        warnings.append("no editorial found before the items")
    return IssueDocument(
        newsletter=newsletter,
        month=month,
        title=title,
        editorial=editorial,
        items=tuple(items),
        extras=tuple(extras),
        warnings=tuple(warnings),
    )


def _find_items(blocks: list[Block]) -> _Layout:
    upfront = _longest_list(blocks)
    if upfront is not None:
        start, length = upfront
        titles = blocks[start : start + length]
        bodies_start = start + length
        return _Layout(titles, start, bodies_start, _anchors(blocks, titles, bodies_start))
    chain = _numbered_chain(blocks)
    if not chain:
        raise IssueFormatError("no numbered items found")
    titles = [blocks[i] for i in chain]
    return _Layout(titles, chain[0], chain[0] + 1, {i: n for n, i in enumerate(chain)})


def _longest_list(blocks: list[Block]) -> tuple[int, int] | None:
    """The longest run of adjacent numbered lines 1, 2, 3… (at least two): the item list."""
    best: tuple[int, int] | None = None
    i = 0
    while i < len(blocks):
        if blocks[i].kind is Kind.NUMBERED and blocks[i].number == 1:
            length = 1
            while (
                i + length < len(blocks)
                and blocks[i + length].kind is Kind.NUMBERED
                and blocks[i + length].number == length + 1
            ):
                length += 1
            if length >= 2 and (best is None or length > best[1]):
                best = (i, length)
            i += length
        else:
            i += 1
    return best


def _numbered_chain(blocks: list[Block]) -> list[int]:
    """Items written as numbered headings, each followed by its text: 1, 2, 3… in order."""
    positions: dict[int, list[int]] = {}
    for i, block in enumerate(blocks):
        if block.number is not None:
            positions.setdefault(block.number, []).append(i)
    best: list[int] = []
    for first in positions.get(1, []):
        chain = [first]
        # Numbers have at most two digits, so a chain is short; bisect keeps this linear-ish.
        while following := positions.get(len(chain) + 1):
            k = bisect.bisect_right(following, chain[-1])
            if k == len(following):
                break
            chain.append(following[k])
        if len(chain) > len(best):
            best = chain
    return best


def _similarity(terms_a: set[str], terms_b: set[str]) -> float:
    if not terms_a or not terms_b:
        return 0.0
    return 2 * len(terms_a & terms_b) / (len(terms_a) + len(terms_b))


def _anchors(blocks: list[Block], titles: list[Block], start: int) -> dict[int, int]:
    """Headings in the bodies that name a listed item; they win over the alignment."""
    anchors: dict[int, int] = {}
    next_item = 0
    title_terms = [set(content_terms(title.text)) for title in titles]  # once, not per block
    for i in range(start, len(blocks)):
        block = blocks[i]
        item: int | None = None
        if block.number is not None and next_item < block.number <= len(titles):
            block_terms = set(content_terms(block.text))
            if _similarity(block_terms, title_terms[block.number - 1]) >= _ANCHOR_SIMILARITY:
                item = block.number - 1
        elif block.kind is Kind.HEADING or looks_like_heading(block.text):
            block_terms = set(content_terms(block.text))
            scores = [
                (_similarity(block_terms, title_terms[t]), t) for t in range(next_item, len(titles))
            ]
            if scores:
                score, t = max(scores)
                item = t if score >= _HEADING_SIMILARITY else None
        if item is not None:
            anchors[i] = item
            next_item = item + 1
    return anchors


def _items_end(blocks: list[Block], layout: _Layout, limit: int) -> int:
    """Where the item texts stop: the editor's closing line or the first extra's heading."""
    last_anchor = max(layout.anchors, default=layout.bodies_start - 1)
    heading_level = max(
        (blocks[i].level for i in layout.anchors if blocks[i].kind is Kind.HEADING), default=6
    )
    seen_text = False
    for i in range(layout.bodies_start, limit):
        block = blocks[i]
        if is_closing_line(block.text):
            return i
        if i in layout.anchors:
            continue
        if i > last_anchor and seen_text and _starts_extra(block, heading_level):
            return i
        seen_text = seen_text or block.kind is Kind.PARAGRAPH
    return limit


def _starts_extra(block: Block, heading_level: int) -> bool:
    if block.kind is Kind.HEADING:
        return block.level <= heading_level
    return looks_like_heading(block.text) and names_an_extra(block.text)


def _items(blocks: list[Block], layout: _Layout, end: int, warnings: list[str]) -> list[Item]:
    n_items = len(layout.titles)
    bodies: list[list[str]] = [[] for _ in range(n_items)]
    # Split the body region at the anchors; each stretch serves a range of items.
    stretches: list[tuple[int, list[str]]] = [(0, [])]
    start = layout.bodies_start
    # A section heading between the list and the texts ("NEWS IN DETAIL") is no item text.
    while start < end and start not in layout.anchors and _is_heading(blocks[start]):
        start += 1
    for i in range(start, end):
        if i in layout.anchors:
            stretches.append((layout.anchors[i], []))
        else:
            stretches[-1][1].append(_as_paragraph(blocks[i]))
    for k, (first_item, paragraphs) in enumerate(stretches):
        last_item = stretches[k + 1][0] - 1 if k + 1 < len(stretches) else n_items - 1
        count = last_item - first_item + 1
        if count <= 0:
            if paragraphs:
                warnings.append(
                    f"{len(paragraphs)} paragraph(s) before the first item were skipped"
                )
            continue
        if len(paragraphs) < count:
            missing_from = first_item + len(paragraphs) + 1
            raise IssueFormatError(_missing_message(missing_from, last_item + 1))
        titles = [layout.titles[t].text for t in range(first_item, last_item + 1)]
        starts = align_paragraphs(paragraphs, titles)
        for offset, begin in enumerate(starts):
            stop = starts[offset + 1] if offset + 1 < len(starts) else len(paragraphs)
            bodies[first_item + offset] = paragraphs[begin:stop]
    items = []
    anchor_urls = {t: blocks[i].url for i, t in layout.anchors.items() if blocks[i].url}
    for t, title_block in enumerate(layout.titles):
        body = "\n\n".join(bodies[t])
        summary, take = summarize(body)
        items.append(
            Item(
                number=t + 1,
                title=title_block.text,
                body=body,
                summary=summary,
                take=take,
                url=title_block.url or anchor_urls.get(t),
            )
        )
    return items


def _is_heading(block: Block) -> bool:
    return block.kind is Kind.HEADING or looks_like_heading(block.text)


def _missing_message(first: int, last: int) -> str:
    if first == last:
        return f"item list cut off: item {first} listed but its text is missing"
    return f"item list cut off: items {first}–{last} listed but their text is missing"


def _as_paragraph(block: Block) -> str:
    return f"{block.number}. {block.text}" if block.kind is Kind.NUMBERED else block.text


def _extras(blocks: list[Block], warnings: list[str]) -> list[Extra]:
    extras: list[tuple[str, list[str]]] = []
    stray = 0
    for i, block in enumerate(blocks):
        if is_closing_line(block.text):
            continue
        next_is_text = i + 1 < len(blocks) and not looks_like_heading(blocks[i + 1].text)
        if block.kind is Kind.HEADING or (looks_like_heading(block.text) and next_is_text):
            extras.append((tidy_heading(block.text), []))
        elif extras:
            extras[-1][1].append(_as_paragraph(block))
        else:
            stray += 1
    if stray:
        warnings.append(f"{stray} paragraph(s) after the last item belong to no item or extra")
    return [Extra(heading, "\n\n".join(body)) for heading, body in extras]


def _find_month(
    blocks: list[Block], filename: str | None, warnings: list[str]
) -> tuple[int | None, str, str]:
    """The month named in a title line, the first one in the text."""
    for i, block in enumerate(blocks):
        if block.kind is Kind.HEADING or len(block.text) <= 120:
            found = month_in(block.text)
            if found:
                return i, found[0], found[1]
    if filename and (found := month_from_filename(filename)):
        warnings.append(f"month taken from the file name {filename!r}")
        return None, found[0], found[1]
    raise IssueFormatError("no month found (expected a line like 'December 2023')")


_EDITORIAL_LABEL = re.compile(r"^(?:editorial|editor[’']s (?:note|letter))\s*[:–—-]\s*", re.I)


def _editorial(blocks: list[Block], month_index: int | None) -> Section | None:
    """The text before the item list: its heading, then its paragraphs."""
    candidates = [b for i, b in enumerate(blocks) if i != month_index]
    headings: list[str] = []
    body: list[str] = []
    for block in candidates:
        heading_like = block.kind is Kind.HEADING or looks_like_heading(block.text)
        if not body and heading_like:
            if month_in(block.text) is None:
                headings.append(block.text)
        else:
            body.append(_as_paragraph(block))
    # Headings right before the list introduce the list, not the editorial.
    while body and looks_like_heading(body[-1]):
        body.pop()
    if not body:
        return None
    quoted = [h for h in headings if is_quoted(h)]
    heading = tidy_heading((quoted or headings or ["Editorial"])[-1])
    # "Editorial: Batteries Everywhere" names the section, then the heading.
    heading = _EDITORIAL_LABEL.sub("", heading).strip() or heading
    text = "\n\n".join(body)
    return Section(heading=heading, body=text, summary=summarize(text, essay=True)[0])

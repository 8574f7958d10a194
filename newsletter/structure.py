"""Turn reader blocks into an IssueDocument: month, editorial, items, extras."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from . import dates
from .align import align_paragraphs
from .blocks import Block, Kind
from .dates import Month
from .document import Extra, IssueDocument, Item, Section
from .errors import IssueFormatError
from .headings import is_quoted, looks_like_heading, month_in, names_an_extra, names_editorial
from .layouts import Plan, PlannedItem, entry_text, numbered_sections, stories_and_digests
from .metadata import Metadata
from .noise import comment_block_start, drop_noise, is_closing_line
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


def build_issue(
    blocks: list[Block],
    *,
    newsletter: str,
    filename: str | None,
    meta: Metadata | None = None,
    month: str | None = None,
    notes: tuple[str, ...] = (),
) -> IssueDocument:
    blocks = drop_noise(blocks)
    if not blocks:
        raise IssueFormatError("file has no text")
    warnings: list[str] = list(notes)
    plan = choose_plan(blocks)
    chosen = _month(blocks, plan, meta or Metadata(), month, filename, warnings)
    if plan.name == "numbered":
        return _classic_issue(blocks, plan, newsletter, chosen, warnings)
    return _sectioned_issue(blocks, plan, newsletter, chosen, warnings)


def choose_plan(blocks: list[Block]) -> Plan:
    """The layout that explains the most of the issue's text. Numbered items are explicit,
    so they count half as much again as headings or bullets read as items."""
    comments = comment_block_start(blocks, 0)
    limit = comments if comments is not None else len(blocks)
    plans: list[tuple[float, Plan]] = []
    classic = _classic_plan(blocks)
    if classic is not None and classic.items:
        plans.append((_NUMBERED_WEIGHT * classic.explained, classic))
    for candidate in (numbered_sections(blocks[:limit]), stories_and_digests(blocks[:limit])):
        if candidate is not None and candidate.items:
            weight = _SECTIONED_WEIGHT if candidate.name == "numbered sections" else 1.0
            plans.append((weight * candidate.explained, candidate))
    if not plans:
        raise IssueFormatError(f"no items found: {_what_was_found(blocks)}")
    # On a tie the earlier plan wins: the numbered list, as issues were always read.
    return max(plans, key=lambda pair: pair[0])[1]


_NUMBERED_WEIGHT = 1.5
# Numbering that restarts under each section is the more specific reading of the same
# numbers: where it holds, a chain 1, 2, 3… across sections is the wrong one.
_SECTIONED_WEIGHT = 1.6


def _what_was_found(blocks: list[Block]) -> str:
    """'found 12 paragraphs, 3 headings and 4 list entries (none opening with a link), but…'"""
    headings = sum(1 for b in blocks if b.kind is Kind.HEADING)
    numbered = sum(1 for b in blocks if b.number is not None)
    bullets = sum(1 for b in blocks if b.bullet)
    linked = sum(1 for b in blocks if b.bullet and b.lead)
    paragraphs = sum(1 for b in blocks if b.kind is Kind.PARAGRAPH and not b.bullet)
    parts = [
        _count(paragraphs, "paragraph"),
        _count(headings, "heading"),
        _count(bullets, "list entry", "list entries")
        + (f" ({linked or 'none'} opening with a link)" if bullets else ""),
        _count(numbered, "numbered line"),
    ]
    found = [part for part in parts if not part.startswith("0 ")]
    listed = ", ".join(found[:-1]) + " and " + found[-1] if len(found) > 1 else found[0]
    return f"found {listed}, but no numbered items, linked list entries or story headings"


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def _month(
    blocks: list[Block],
    plan: Plan,
    meta: Metadata,
    explicit: str | None,
    filename: str | None,
    warnings: list[str],
) -> Month:
    text_month = dates.from_text(blocks, plan.start)
    if explicit:
        try:
            value, title = dates.parse_explicit(explicit)
        except ValueError as exc:
            raise IssueFormatError(str(exc)) from None
        block = text_month.block if text_month and text_month.month == value else None
        return Month(value, title, "the month given", block)
    found = dates.from_metadata(meta)
    if found is not None:
        block = text_month.block if text_month and text_month.month == found.month else None
        return Month(found.month, found.title, found.source, block)
    if text_month is not None:
        return text_month
    found = dates.from_filename(filename)
    if found is not None:
        warnings.append(f"month taken from the file name {filename!r}")
        return found
    raise IssueFormatError(f"found {plan.description} but no date: pass --month")


def _classic_issue(
    blocks: list[Block], plan: Plan, newsletter: str, month: Month, warnings: list[str]
) -> IssueDocument:
    warnings.extend(plan.notes)
    extras = _extras(blocks[plan.end : plan.limit], warnings)
    editorial = _editorial(blocks[: plan.start], month.block)
    if editorial is None:
        warnings.append("no editorial found before the items")
    return _document(newsletter, month, editorial, plan.items, extras, warnings, plan.description)


def _sectioned_issue(
    blocks: list[Block], plan: Plan, newsletter: str, month: Month, warnings: list[str]
) -> IssueDocument:
    warnings.extend(plan.notes)
    comments = comment_block_start(blocks, plan.start)
    limit = comments if comments is not None else len(blocks)
    first = blocks[plan.start] if plan.start < len(blocks) else None
    level = first.level if first is not None and first.kind is Kind.HEADING else 6
    editorial, before = _lead_sections(blocks[: plan.start], month.block, level)
    extras = [Extra(heading, "\n\n".join(body)) for heading, body in before]
    extras += [Extra(heading, "\n\n".join(body)) for heading, body in plan.extras if body]
    if plan.end < limit:
        extras += _extras(blocks[plan.end : limit], warnings)
    if editorial is None:
        warnings.append("no editorial found before the items")
    return _document(newsletter, month, editorial, plan.items, extras, warnings, plan.description)


def _document(
    newsletter: str,
    month: Month,
    editorial: Section | None,
    planned: list[PlannedItem],
    extras: list[Extra],
    warnings: list[str],
    description: str,
) -> IssueDocument:
    titles = frozenset(item.title for item in planned)
    items = []
    for n, item in enumerate(planned, start=1):
        body = "\n\n".join(item.paragraphs) if item.paragraphs else item.title
        summary, take = summarize(
            body,
            quoted=frozenset(item.quoted),
            attributed=item.byline,
            titles=titles,
        )
        items.append(
            Item(
                number=n,
                title=item.title,
                body=body,
                summary=summary,
                take=take,
                url=item.url,
                section=item.section,
            )
        )
    return IssueDocument(
        newsletter=newsletter,
        month=month.month,
        title=month.title,
        editorial=editorial,
        items=tuple(items),
        extras=tuple(extras),
        warnings=tuple(warnings),
        layout=description,
    )


def _lead_sections(
    blocks: list[Block], month_block: int | None, level: int = 6
) -> tuple[Section | None, list[tuple[str, list[str]]]]:
    """The text before the items: its first section is the editorial, later ones (a column,
    a feature) are extras. A section named as the editorial ('Editorial', '序言') is it, and
    what stands before it (a teaser under the title) is part of it."""
    sections: list[list[int]] = [[]]
    has_text = False
    for i, block in enumerate(blocks):
        # Sections split at headings as high as the items' sections; lower ones are inside.
        if block.kind is Kind.HEADING and block.level <= level and has_text:
            sections.append([])
            has_text = False
        sections[-1].append(i)
        has_text = has_text or (block.kind is not Kind.HEADING and i != month_block)
    named = next(
        (
            k
            for k, indices in enumerate(sections)
            if any(
                blocks[i].kind is Kind.HEADING and names_editorial(blocks[i].text) for i in indices
            )
        ),
        None,
    )
    if named is not None:
        merged = [i for indices in sections[: named + 1] for i in indices]
        sections = [merged, *sections[named + 1 :]]
    editorial: Section | None = None
    extras: list[tuple[str, list[str]]] = []
    for k, indices in enumerate(sections):
        part = [blocks[i] for i in indices]
        if k == 0 and named is not None:
            editorial = _named_editorial(part, [i == month_block for i in indices])
            continue
        local_month = indices.index(month_block) if month_block in indices else None
        if editorial is None:
            editorial = _editorial(part, local_month)
            if editorial is not None:
                continue
        top = [k for k, b in enumerate(part) if b.kind is Kind.HEADING and b.level <= level]
        start = top[-1] + 1 if top else 0
        body = [entry_text(b) for b in part[start:]]
        if body and top:
            extras.append((tidy_heading(part[top[-1]].text), body))
    return editorial, extras


def _named_editorial(part: list[Block], is_month: list[bool]) -> Section | None:
    heading = next(b.text for b in part if b.kind is Kind.HEADING and names_editorial(b.text))
    body = [
        _as_paragraph(b)
        for b, month_line in zip(part, is_month, strict=True)
        if b.kind is not Kind.HEADING and not month_line
    ]
    if not body:
        return None
    text = "\n\n".join(body)
    heading = _EDITORIAL_LABEL.sub("", tidy_heading(heading)).strip() or tidy_heading(heading)
    return Section(heading=heading, body=text, summary=summarize(text, essay=True)[0])


def _classic_plan(blocks: list[Block]) -> Plan | None:
    """One numbered list of titles (texts below, aligned), or numbered titles each followed
    by its text: the layout issues were first read in."""
    try:
        layout = _find_items(blocks)
    except IssueFormatError:
        return None
    comments = comment_block_start(blocks, layout.bodies_start)
    limit = comments if comments is not None else len(blocks)
    items_end = _items_end(blocks, layout, limit)
    notes: list[str] = []
    try:
        planned = _items(blocks, layout, items_end, notes)
    except IssueFormatError:
        if not _other_layout_possible(blocks):
            raise
        return None
    count = len(layout.titles)
    upfront = layout.bodies_start > layout.list_start + 1
    shape = "a list of titles with their texts below" if upfront else "numbered titles"
    style = layout.titles[0].style or "1."
    description = f"{_count(count, 'item')} numbered '{style}' ({shape})"
    plan = Plan("numbered", description, planned, layout.list_start, items_end, limit=limit)
    plan.notes.extend(notes)
    return plan


def _other_layout_possible(blocks: list[Block]) -> bool:
    return any(b.kind is Kind.HEADING for b in blocks) or any(b.bullet and b.lead for b in blocks)


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
        # Numbers have at most three digits, so a chain is short; bisect keeps this linear-ish.
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


def _items(
    blocks: list[Block], layout: _Layout, end: int, warnings: list[str]
) -> list[PlannedItem]:
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
            item = layout.anchors[i]
            rest = _after_title(blocks[i].text, layout.titles[item].text)
            stretches.append((item, [rest] if rest else []))
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
    anchor_urls = {t: blocks[i].url for i, t in layout.anchors.items() if blocks[i].url}
    return [
        PlannedItem(
            title=title_block.text,
            url=title_block.url or anchor_urls.get(t),
            section=None,
            paragraphs=bodies[t],
        )
        for t, title_block in enumerate(layout.titles)
    ]


def _after_title(text: str, title: str) -> str:
    """What follows the title in an item's heading block: text read as wrapped onto the
    heading line (a short body under a title of the same length) is the item's first
    paragraph, not part of its heading."""
    if len(text) > len(title) and text[: len(title)].casefold() == title.casefold():
        return text[len(title) :].strip()
    return ""


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

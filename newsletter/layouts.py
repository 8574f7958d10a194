"""Layouts other than one numbered list: numbering that restarts per section, one heading
per story, and digests of linked bullets.

Each layout reads the same blocks and answers with a Plan: which blocks are items (title,
link, section, text), which sections carry no items (extras), and where the items begin, so
the editorial is what comes before them. The caller picks the plan that explains the most.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from .blocks import Block, Kind
from .headings import names_editorial
from .sentences import split_sentences
from .textutil import cjk_weighted_length, tidy_heading, words

# A paragraph long enough to be a story's text rather than a label or a list's lead-in.
_STORY_PROSE = 80
# Share of a section's entries (after its lead-in) that must open with a link for the
# section to be a digest of linked bullets.
_DIGEST_SHARE = 0.6
_REPEATED_TITLES = 0.7  # mean word overlap of a restarted numbering with the first run


@dataclass(slots=True)
class PlannedItem:
    title: str
    url: str | None
    section: str | None
    paragraphs: list[str] = field(default_factory=list)
    quoted: set[int] = field(default_factory=set)  # paragraphs that quote someone
    byline: bool = False  # the item says who wrote it: its first person is not the editor's


@dataclass(slots=True)
class Plan:
    name: str  # "numbered", "numbered sections", "stories and digests"
    description: str  # what was found, in words, for preview and refusals
    items: list[PlannedItem]
    start: int  # first block of the items' region: the editorial is before it
    end: int  # blocks from here on are extras (and comments)
    extras: list[tuple[str, list[str]]] = field(default_factory=list)  # inside the region
    limit: int = 0  # where the readers' comments begin (the numbered layout finds them)
    notes: list[str] = field(default_factory=list)  # warnings while planning

    @property
    def explained(self) -> int:
        return sum(len(item.title) + sum(len(p) for p in item.paragraphs) for item in self.items)


def entry_text(block: Block) -> str:
    """A block as a line of an item's text: its number or bullet written back in front."""
    if block.kind is Kind.NUMBERED:
        return f"{block.number}. {block.text}"
    if block.kind is Kind.HEADING and block.number is not None:
        return f"{block.number}. {block.text}"
    return block.text


def _title_of(block: Block) -> tuple[str, str | None]:
    if block.lead:
        return block.lead, block.lead_url
    text = block.text[2:] if block.bullet else block.text
    return text, block.url


# ---------------------------------------------------------------- numbering per section


def numbered_sections(blocks: list[Block]) -> Plan | None:
    """Entries numbered 1, 2, 3… that start again at 1 under each section heading."""
    # Numbered headings and numbered paragraphs are told apart: "### 1、" sub-headings of a
    # feature are not the "01、" entries of the news sections.
    by_style: dict[tuple[str, bool], list[int]] = defaultdict(list)
    for i, block in enumerate(blocks):
        if block.number is not None and block.depth == 0 and block.style:
            by_style[(block.style, block.kind is Kind.HEADING)].append(i)
    best: tuple[list[list[int]], str] | None = None
    for (style, _), positions in by_style.items():
        runs = _runs(blocks, positions)
        if runs is not None and (best is None or sum(map(len, runs)) > sum(map(len, best[0]))):
            best = (runs, style)
    if best is None:
        return None
    runs, style = best
    items: list[PlannedItem] = []
    extras: list[tuple[str, list[str]]] = []
    entries = {i for run in runs for i in run}
    first_heading: int | None = None
    end = len(blocks)
    for run in runs:
        heading = _section_heading(blocks, run[0], entries)
        if heading is None:
            return None
        if first_heading is None:
            first_heading = heading
        level = blocks[heading].level
        section = tidy_heading(blocks[heading].text)
        for k, start in enumerate(run):
            stop = run[k + 1] if k + 1 < len(run) else _section_end(blocks, start + 1, level)
            title, url = _title_of(blocks[start])
            item = PlannedItem(title, url, section)
            _collect(item, blocks[start + 1 : stop])
            items.append(item)
        end = _section_end(blocks, run[-1] + 1, level)
    # Sections between the numbered ones that carry no entries are extras.
    covered = _covered(blocks, runs, entries)
    for heading_index, body in _uncovered_sections(blocks, first_heading or 0, end, covered):
        extras.append((tidy_heading(blocks[heading_index].text), body))
    count = sum(map(len, runs))
    description = f"{count} entries numbered '{style}' in {len(runs)} sections"
    return Plan("numbered sections", description, items, first_heading or 0, end, extras)


def _runs(blocks: list[Block], positions: list[int]) -> list[list[int]] | None:
    """Split one numbering style into runs 1..n (an entry out of sequence is not an item);
    valid when there are two runs or more, a section heading stands between runs, and later
    runs do not repeat the first run's titles (that is a list of titles followed by their
    texts, the classic layout)."""
    runs: list[list[int]] = []
    for i in positions:
        number = blocks[i].number
        if runs and number == (blocks[runs[-1][-1]].number or 0) + 1:
            runs[-1].append(i)
        elif number == 1:
            runs.append([i])
    if len(runs) < 2:
        return None
    for previous, run in itertools.pairwise(runs):
        between = range(previous[-1] + 1, run[0])
        if not any(blocks[j].kind is Kind.HEADING and blocks[j].number is None for j in between):
            return None
    # Later runs that repeat the first run's titles are the texts of a list of titles.
    first = [_word_set(blocks[i].text) for i in runs[0]]
    for run in runs[1:]:
        pairs = list(zip(first, (_word_set(blocks[i].text) for i in run), strict=False))
        if pairs and sum(_dice(a, b) for a, b in pairs) / len(pairs) >= _REPEATED_TITLES:
            return None
    return runs


def _dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0


def _word_set(text: str) -> set[str]:
    return {word.lower() for word in words(text)}


def _section_heading(blocks: list[Block], first: int, entries: set[int]) -> int | None:
    for j in range(first - 1, -1, -1):
        block = blocks[j]
        if block.kind is Kind.HEADING and j not in entries:
            if blocks[first].kind is Kind.HEADING and block.level >= blocks[first].level:
                return None  # numbered headings at the section's own level are sections
            return j
    return None


def _section_end(blocks: list[Block], start: int, level: int) -> int:
    for j in range(start, len(blocks)):
        block = blocks[j]
        if block.kind is Kind.HEADING and block.number is None and block.level <= level:
            return j
    return len(blocks)


def _covered(blocks: list[Block], runs: list[list[int]], entries: set[int]) -> set[int]:
    covered: set[int] = set()
    for run in runs:
        heading = _section_heading(blocks, run[0], entries)
        if heading is None:
            continue
        end = _section_end(blocks, run[-1] + 1, blocks[heading].level)
        covered.update(range(heading, end))
    return covered


def _uncovered_sections(
    blocks: list[Block], start: int, end: int, covered: set[int]
) -> list[tuple[int, list[str]]]:
    sections: list[tuple[int, list[str]]] = []
    for j in range(start, end):
        if j in covered:
            continue
        block = blocks[j]
        if block.kind is Kind.HEADING:
            sections.append((j, []))
        elif sections:
            sections[-1][1].append(entry_text(block))
    return [(j, body) for j, body in sections if body]


def _collect(item: PlannedItem, body: list[Block]) -> None:
    for block in body:
        if block.quoted:
            item.quoted.add(len(item.paragraphs))
        item.paragraphs.append(entry_text(block))


# ---------------------------------------------------------------- stories and digests


@dataclass(slots=True)
class _Node:
    heading: int | None  # block index of the heading; None for the text before any heading
    level: int
    content: list[int] = field(default_factory=list)  # blocks directly under the heading
    children: list[_Node] = field(default_factory=list)
    kind: str = "prose"  # "story", "digest", "section" (items below) or "prose"


def stories_and_digests(blocks: list[Block]) -> Plan | None:
    root = _tree(blocks)
    nodes = list(_walk(root))
    has_digest = any(_is_digest(blocks, node) for node in nodes)
    _classify(blocks, root, has_digest)
    items: list[PlannedItem] = []
    extras: list[tuple[str, list[str]]] = []
    first_item_block: int | None = None
    digests = stories = 0
    left_out = 0

    title = _title_node(blocks, root)

    def visit(node: _Node, section: str | None) -> None:
        nonlocal first_item_block, digests, stories, left_out
        name = None
        if node.heading is not None and node is not title:
            name = tidy_heading(blocks[node.heading].text)
        if node.kind == "story" and node.heading is not None:
            block = blocks[node.heading]
            item = PlannedItem(tidy_heading(block.text), block.url or block.lead_url, section)
            body = [blocks[i] for i in _subtree(node)]
            _collect(item, body)
            item.byline = any(_is_byline(b.text) for b in body[:3])
            items.append(item)
            stories += 1
            first_item_block = _first(first_item_block, node.heading)
            return
        if node.kind == "prose":
            if first_item_block is not None and node.heading is not None:
                lines = [entry_text(blocks[i]) for i in _subtree(node)]
                if lines:
                    extras.append((tidy_heading(blocks[node.heading].text), lines))
            return
        if node.kind == "digest":
            found, unlinked = _digest_items(blocks, node, name)
            left_out += unlinked
            for item, index in found:
                items.append(item)
                digests += 1
                first_item_block = _first(first_item_block, node.heading or index)
        for child in node.children:
            visit(child, name)

    visit(root, None)
    if not items or first_item_block is None:
        return None
    parts = []
    if digests:
        parts.append(f"{digests} linked bullets")
    if stories:
        parts.append(f"{stories} stories under their own headings")
    sections = len({item.section for item in items})
    description = " and ".join(parts) + f" in {sections} section{'s' if sections != 1 else ''}"
    name = "digest" if not stories else "stories" if not digests else "stories and digest"
    plan = Plan(name, description, items, first_item_block, len(blocks), extras)
    if left_out:
        plan.notes.append(f"{left_out} list entries without a link were left out of the digest")
    return plan


def _title_node(blocks: list[Block], root: _Node) -> _Node | None:
    """The issue's title: the one heading at the top level, over everything else."""
    if len(root.children) == 1 and not any(blocks[i].text for i in root.content):
        return root.children[0]
    return None


def _first(current: int | None, candidate: int | None) -> int | None:
    if candidate is None:
        return current
    return candidate if current is None else min(current, candidate)


def _tree(blocks: list[Block]) -> _Node:
    root = _Node(None, 0)
    stack = [root]
    for i, block in enumerate(blocks):
        if block.kind is Kind.HEADING:
            while len(stack) > 1 and stack[-1].level >= block.level:
                stack.pop()
            node = _Node(i, block.level)
            stack[-1].children.append(node)
            stack.append(node)
        else:
            stack[-1].content.append(i)
    return root


def _walk(node: _Node) -> list[_Node]:
    found = [node]
    for child in node.children:
        found.extend(_walk(child))
    return found


def _subtree(node: _Node) -> list[int]:
    indices = list(node.content)
    for child in node.children:
        if child.heading is not None:
            indices.append(child.heading)
        indices.extend(_subtree(child))
    return sorted(indices)


def _is_digest(blocks: list[Block], node: _Node) -> bool:
    entries = [i for i in node.content if blocks[i].depth == 0]
    linked = [i for i in entries if _is_linked_entry(blocks[i])]
    if not linked:
        return False
    after = [i for i in entries if i >= linked[0]]  # the lead-in before the list is not counted
    return len(linked) >= _DIGEST_SHARE * len(after)


def _is_linked_entry(block: Block) -> bool:
    return block.bullet and block.lead is not None and block.depth == 0


def _has_prose(blocks: list[Block], indices: list[int]) -> bool:
    """A paragraph of story text: long enough once a closing lead-in to a list ('We merged
    the following changes:') is set aside."""
    for i in indices:
        block = blocks[i]
        if block.kind is not Kind.PARAGRAPH or block.bullet or block.depth > 0:
            continue
        sentences = split_sentences(block.text)
        if sentences and sentences[-1].rstrip().endswith((":", "：")):
            sentences = sentences[:-1]
        if cjk_weighted_length(" ".join(sentences)) >= _STORY_PROSE:
            return True
    return False


def _classify(blocks: list[Block], node: _Node, has_digest: bool) -> None:
    for child in node.children:
        _classify(blocks, child, has_digest)
    if node.heading is None:
        node.kind = "section" if any(c.kind != "prose" for c in node.children) else "prose"
        if _is_digest(blocks, node):
            node.kind = "digest"
        return
    heading = blocks[node.heading]
    items_below = any(c.kind != "prose" for c in node.children)
    # A heading whose text is a story: linked to its subject, or any heading when the
    # issue has no link digests at all (a plain "one heading per story" newsletter). A
    # linked heading over its own story text keeps its subsections ("Fixes", "Docs") as
    # part of the story.
    linked = heading.url is not None
    may_be_story = (
        (linked or not has_digest)
        and not names_editorial(heading.text)
        and (not items_below or (linked and _has_prose(blocks, node.content)))
    )
    if may_be_story and _has_prose(blocks, _subtree(node)):
        node.kind = "story"
    elif _is_digest(blocks, node):
        node.kind = "digest"
    elif items_below:
        node.kind = "section"
    else:
        node.kind = "prose"
    # Siblings are alike: where most subsections of a section are digests, a linked heading
    # over a lead-in and a list of links is one more digest, not a story.
    stories = [c for c in node.children if c.kind == "story"]
    digests = [c for c in node.children if c.kind == "digest"]
    if len(digests) > len(stories):
        for child in stories:
            if _is_digest(blocks, child):
                child.kind = "digest"
    # In an issue of digests, a lone "story" among empty or plain subsections is a section's
    # closing remark that happens to sit under the last subheading.
    prose = [c for c in node.children if c.kind == "prose"]
    stories = [c for c in node.children if c.kind == "story"]
    if has_digest and stories and len(prose) > len(stories):
        for child in stories:
            child.kind = "prose"
    if node.kind == "section" and not any(c.kind != "prose" for c in node.children):
        node.kind = "digest" if _is_digest(blocks, node) else "prose"


def _digest_items(
    blocks: list[Block], node: _Node, section: str | None
) -> tuple[list[tuple[PlannedItem, int]], int]:
    """The section's linked entries as items, and how many entries without a link there
    were among them (left out: a digest's items are its links)."""
    found: list[tuple[PlannedItem, int]] = []
    unlinked = 0
    current: PlannedItem | None = None
    for i in node.content:
        block = blocks[i]
        if _is_linked_entry(block) or (block.bullet and block.depth == 0 and block.link):
            # An entry with its link further on ('The Embedded Rustacean [Issue 11](…)') is
            # an item too, titled by its whole text.
            title, url = _title_of(block) if block.lead else (block.text[2:], block.link)
            current = PlannedItem(title, url, section, [block.text[2:]])
            if block.quoted:
                current.quoted.add(0)
            found.append((current, i))
        elif current is not None and block.depth > 0:
            if block.quoted:
                current.quoted.add(len(current.paragraphs))
            current.paragraphs.append(block.text)
        else:
            unlinked += bool(found and block.bullet and block.depth == 0)
            current = None  # a paragraph or an unlinked bullet ends the entry
    return found, unlinked


_BYLINE_WORDS = ("written by", "section by", "guest post", "by @", "contributed by", "作者")


def _is_byline(text: str) -> bool:
    lower = text.lower()
    return len(text) <= 160 and any(word in lower for word in _BYLINE_WORDS)

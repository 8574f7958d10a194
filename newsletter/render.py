"""Render an issue as Discord-sized messages (plain dicts in Discord's embed JSON shape).

No discord import: the bot turns each Part into a message; tests check the limits here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from .document import IssueDocument, Item
from .sentences import PARAGRAPH_BREAK, split_sentences

# Discord's documented limits.
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FOOTER_LIMIT = 2048
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
EMBED_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10

TAKE_FIELD_NAME = "Editor's take"
_ZWSP = "\u200b"
_MASS_MENTION = re.compile(r"@(everyone|here)\b", re.IGNORECASE)
_ELLIPSIS = "…"

PartKind = Literal["header", "item", "extra"]
Embed = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Part:
    """One message of an issue; `key` is stable across runs ("header", "item:3", "item:3:2")."""

    key: str
    kind: PartKind
    content: str | None
    embeds: tuple[Embed, ...] = field(default_factory=tuple)


def neutralize_mentions(text: str) -> str:
    """Break @everyone/@here with a zero-width space (allowed_mentions is the real guard)."""
    return _MASS_MENTION.sub(lambda m: f"@{_ZWSP}{m.group(1)}", text)


def split_text(text: str, limit: int) -> list[str]:
    """Split into chunks of at most `limit` characters at paragraph, then sentence, then word
    boundaries. Only a single word longer than `limit` is cut inside."""
    if limit < 1:
        raise ValueError("limit must be positive")
    chunks: list[str] = []
    for paragraph in PARAGRAPH_BREAK.split(text.strip()):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        pieces = [paragraph] if len(paragraph) <= limit else _split_paragraph(paragraph, limit)
        for piece in pieces:
            if chunks and len(chunks[-1]) + 2 + len(piece) <= limit and piece is pieces[0]:
                chunks[-1] = f"{chunks[-1]}\n\n{piece}"
            else:
                chunks.append(piece)
    return chunks


def _split_paragraph(paragraph: str, limit: int) -> list[str]:
    units: list[str] = []
    for sentence in split_sentences(paragraph):
        units.extend([sentence] if len(sentence) <= limit else _split_words(sentence, limit))
    return _pack(units, " ", limit)


def _split_words(sentence: str, limit: int) -> list[str]:
    units: list[str] = []
    for word in sentence.split():
        # The one place we cut inside a word: it alone exceeds the limit.
        units.extend(word[i : i + limit] for i in range(0, len(word), limit))
    return _pack(units, " ", limit)


def _pack(units: list[str], joiner: str, limit: int) -> list[str]:
    packed: list[str] = []
    for unit in units:
        if packed and len(packed[-1]) + len(joiner) + len(unit) <= limit:
            packed[-1] = f"{packed[-1]}{joiner}{unit}"
        else:
            packed.append(unit)
    return packed


def truncate(text: str, limit: int) -> str:
    """Shorten to `limit` characters at a word boundary, marking the cut with '…'."""
    text = text.strip()
    if len(text) <= limit:
        return text
    room = limit - len(_ELLIPSIS)
    cut = text.rfind(" ", 0, room + 1)
    head = text[:cut] if cut > 0 else text[:room]
    return head.rstrip(" ,;:–—-") + _ELLIPSIS


def embed_length(embed: Embed) -> int:
    """Characters Discord counts towards the 6000 limit of a message's embeds."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len(embed.get("footer", {}).get("text", ""))
    total += len(embed.get("author", {}).get("name", ""))
    for item in embed.get("fields", ()):
        total += len(item["name"]) + len(item["value"])
    return total


def month_footer(doc: IssueDocument) -> str:
    return f"{doc.newsletter} · {doc.title}"


def item_footer(doc: IssueDocument, item: Item) -> str:
    return truncate(
        neutralize_mentions(f"{month_footer(doc)} · item {item.number}/{len(doc.items)}"),
        FOOTER_LIMIT,
    )


def posted_item_footer(doc: IssueDocument, item: Item) -> str:
    """The footer of a posted item. Unlike the /item card's it leaves out how many items
    the issue has, so a correction that adds or removes one edits no other item."""
    return truncate(neutralize_mentions(f"{month_footer(doc)} · item {item.number}"), FOOTER_LIMIT)


def correction_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def corrected_text(day: date) -> str:
    return f"Corrected on {correction_date(day)}"


def item_heading(item: Item) -> str:
    return truncate(neutralize_mentions(f"{item.number}. {item.title}"), TITLE_LIMIT)


def render_issue(doc: IssueDocument, *, corrected_on: date | None = None) -> list[Part]:
    """The header, then one or more parts per item, then the extras, in posting order.
    A corrected issue says so in its header's footer."""
    parts = [render_header(doc, corrected_on=corrected_on)]
    for item in doc.items:
        parts.extend(_item_parts(doc, item))
    for number, extra in enumerate(doc.extras, start=1):
        footer = truncate(neutralize_mentions(month_footer(doc)), FOOTER_LIMIT)
        parts.extend(
            _text_parts(f"extra:{number}", "extra", extra.heading, extra.body, footer, None, [])
        )
    return parts


def render_header(doc: IssueDocument, *, corrected_on: date | None = None) -> Part:
    title = truncate(neutralize_mentions(f"{doc.newsletter} — {doc.title}"), TITLE_LIMIT)
    intro = ""
    if doc.editorial:
        heading = neutralize_mentions(doc.editorial.heading)
        intro = f"**{truncate(heading, 200)}**\n{neutralize_mentions(doc.editorial.summary)}\n\n"
    lines = [neutralize_mentions(f"{item.number}. {item.title}") for item in doc.items]
    footer = f"{doc.newsletter} · {len(doc.items)} items"
    if corrected_on is not None:
        footer += f" · {corrected_text(corrected_on)}"
    footer = truncate(neutralize_mentions(footer), 200)
    budget = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - len(title) - len(footer))
    description = _fit_lines(intro, lines, budget)
    embed: Embed = {"title": title, "description": description, "footer": {"text": footer}}
    return Part("header", "header", None, (embed,))


def _fit_lines(intro: str, lines: list[str], budget: int) -> str:
    """Intro plus one line per item; long titles are shortened so every item is listed."""
    if intro:
        intro = truncate(intro.strip(), budget // 3) + "\n\n"
    if len(intro) + sum(len(line) + 1 for line in lines) <= budget:
        return (intro + "\n".join(lines)).strip()
    per_line = max(8, (budget - len(intro)) // max(1, len(lines)) - 1)
    text = intro + "\n".join(truncate(line, per_line) for line in lines)
    return truncate(text, budget)


def render_item_card(doc: IssueDocument, number: int) -> Embed:
    """The /item answer: title, summary, the editor's take and the footer, in one embed."""
    item = next((i for i in doc.items if i.number == number), None)
    if item is None:
        raise KeyError(f"issue {doc.month} has no item {number}")
    embed: Embed = {
        "title": item_heading(item),
        "description": truncate(neutralize_mentions(item.summary or item.body), DESCRIPTION_LIMIT),
        "footer": {"text": item_footer(doc, item)},
    }
    if item.take:
        embed["fields"] = [_take_field(item.take)]
    if _is_web_url(item.url):
        embed["url"] = item.url
    return embed


def _take_field(take: str) -> dict[str, Any]:
    value = truncate(neutralize_mentions(take), FIELD_VALUE_LIMIT)
    return {"name": TAKE_FIELD_NAME, "value": value, "inline": False}


def _item_parts(doc: IssueDocument, item: Item) -> list[Part]:
    fields = [_take_field(item.take)] if item.take else []
    url = item.url if _is_web_url(item.url) else None
    return _text_parts(
        f"item:{item.number}",
        "item",
        f"{item.number}. {item.title}",
        body_without_take(item),
        posted_item_footer(doc, item),
        url,
        fields,
    )


def body_without_take(item: Item) -> str:
    """The item's text as posted: the take is shown once, as its own field, so its
    sentences are taken out of the text they close (a paragraph of only the take goes)."""
    if not item.take:
        return item.body
    take = set(split_sentences(item.take))
    paragraphs = []
    for paragraph in PARAGRAPH_BREAK.split(item.body):
        sentences = split_sentences(paragraph)
        if not take.intersection(sentences):
            paragraphs.append(paragraph)
            continue
        kept = " ".join(s for s in sentences if s not in take)
        if kept:
            paragraphs.append(kept)
    return "\n\n".join(paragraphs)


def _text_parts(
    key: str,
    kind: PartKind,
    heading: str,
    body: str,
    footer: str,
    url: str | None,
    fields: list[dict[str, Any]],
) -> list[Part]:
    """One embed per message; the body flows over as many messages as it needs."""
    title = truncate(neutralize_mentions(heading), TITLE_LIMIT)
    continued = truncate(neutralize_mentions(heading), TITLE_LIMIT - len(" (continued)"))
    continued += " (continued)"
    fields_length = sum(len(f["name"]) + len(f["value"]) for f in fields)
    budget = min(
        DESCRIPTION_LIMIT,
        EMBED_TOTAL_LIMIT - TITLE_LIMIT - len(footer) - fields_length,
    )
    chunks = split_text(neutralize_mentions(body), budget) or [""]
    parts = []
    for index, chunk in enumerate(chunks, start=1):
        embed: Embed = {"title": title if index == 1 else continued, "description": chunk}
        if index == 1 and url:
            embed["url"] = url
        if index == 1 and fields:
            embed["fields"] = list(fields)
        embed["footer"] = {"text": footer}
        if not chunk:
            del embed["description"]
        part_key = key if index == 1 else f"{key}:{index}"
        parts.append(Part(part_key, kind, None, (embed,)))
    return parts


def _is_web_url(url: str | None) -> bool:
    return (
        bool(url) and re.match(r"^https?://[^\s/$.?#][^\s]*$", url or "", re.IGNORECASE) is not None
    )

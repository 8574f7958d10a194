"""An issue as one self-contained HTML page styled like Discord, for editors to look at
before publishing (`preview --html`, and the file `/issue import` attaches).

The page shows the parts `render_issue` returns, the very messages delivery posts, so the
embed limits (truncated titles, bodies split into "(continued)" messages) are what the
editor sees. Issue text is untrusted: the template autoescapes everything, only web links
become links, and nothing on the page loads from the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup, escape

from .document import IssueDocument
from .render import EMBED_TOTAL_LIMIT, Embed, Part, embed_length, render_issue

# As delivery sends them: the thread's name (Discord allows 100 characters) and the
# vote buttons under each item's last message (cogs/items/_votes.py).
THREAD_NAME_LIMIT = 100
VOTE_BUTTONS = (("👍", "Helpful"), ("👎", "Not helpful"))
# Discord's embed bar when an embed sets no colour.
DEFAULT_BAR = "#1e1f22"

_ITEM_KEY = re.compile(r"(item|extra):(\d+)(?::\d+)?$")
_WEB_URL = re.compile(r"https?://[^\s<>\"']+$", re.IGNORECASE)
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Message:
    """One posted message: its embeds, buttons, and the characters Discord counts."""

    part: Part
    buttons: tuple[tuple[str, str], ...]

    @property
    def characters(self) -> int:
        return sum(embed_length(e) for e in self.part.embeds)


@dataclass(frozen=True, slots=True)
class Card:
    """What belongs together on the page: the header, one item or one extra."""

    kind: str
    number: int
    messages: tuple[Message, ...]


def thread_name(document: IssueDocument) -> str:
    return f"{document.newsletter} — {document.title}"[:THREAD_NAME_LIMIT]


def issue_page(document: IssueDocument) -> str:
    """The whole page for `document`, as delivery would post it today."""
    parts = render_issue(document)
    return _template().render(
        document=document,
        thread_name=thread_name(document),
        cards=cards(parts),
        message_count=len(parts),
        embed_limit=EMBED_TOTAL_LIMIT,
    )


def cards(parts: list[Part]) -> list[Card]:
    """Group the parts by what they show, in posting order; the vote buttons go under
    the last message of each item, as delivery attaches them."""
    grouped: dict[tuple[str, int], list[Part]] = {}
    for part in parts:
        match = _ITEM_KEY.match(part.key)
        group = (match[1], int(match[2])) if match else (part.kind, 0)
        grouped.setdefault(group, []).append(part)
    result = []
    for (kind, number), members in grouped.items():
        messages = tuple(
            Message(part, VOTE_BUTTONS if kind == "item" and part is members[-1] else ())
            for part in members
        )
        result.append(Card(kind, number, messages))
    return result


@cache
def _template() -> jinja2.Template:
    source = resources.files(__package__).joinpath("preview_page.html").read_text("utf-8")
    environment = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    environment.filters["discord_text"] = discord_text
    environment.filters["web_url"] = web_url
    environment.filters["bar_colour"] = bar_colour
    return environment.from_string(source)


def discord_text(text: str) -> Markup:
    """Escaped text with the one Markdown the bot writes, **bold**, shown as Discord
    shows it; newlines are kept by the page's CSS."""
    escaped = str(escape(text))
    return Markup(_BOLD.sub(r"<strong>\1</strong>", escaped))


def web_url(url: Any) -> str | None:
    """An http(s) link, or None: Discord links nothing else, and the page must not
    either (`javascript:` and the like stay text)."""
    return url if isinstance(url, str) and _WEB_URL.match(url) else None


def bar_colour(embed: Embed) -> str:
    colour = embed.get("color")
    if isinstance(colour, int) and 0 <= colour <= 0xFFFFFF:
        return f"#{colour:06x}"
    return DEFAULT_BAR

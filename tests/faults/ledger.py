"""Counting what the emulator holds against what an issue should have posted: every part
exactly once, in every server. A part is known by its embeds' title, description and
footer, as the delivery worker itself recognises a part it already sent."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from fakediscord import Channel, FakeDiscord, Message
from newsletter.parse import parse_issue
from newsletter.render import Part, render_issue

PartKey = tuple[tuple[object, ...], ...]


@dataclass(frozen=True)
class PartCount:
    expected: int
    duplicates: int  # posted more often than once, or posted but not part of the issue
    losses: int  # never posted

    @property
    def exact(self) -> bool:
        return self.duplicates == 0 and self.losses == 0


def issue_parts(text: str | bytes) -> list[Part]:
    """What delivering this issue posts, in order."""
    return render_issue(parse_issue(text))


def count_parts(fake: FakeDiscord, channel: Channel, parts: list[Part]) -> PartCount:
    """Compare the issue's header in ``channel`` and its thread with ``parts``."""
    header_key = _part_key(parts[0])
    headers = [m for m in fake.messages(channel) if _message_key(m) == header_key]
    # A message's thread has the message's id.
    threads = [t for t in fake.threads(channel) if t.id in {h.id for h in headers}]
    posted = Counter(_message_key(m) for t in threads for m in fake.messages(t))
    posted[header_key] += len(headers)
    wanted = Counter(_part_key(p) for p in parts)
    duplicates = sum(max(0, n - wanted[key]) for key, n in posted.items())
    losses = sum(max(0, n - posted[key]) for key, n in wanted.items())
    return PartCount(len(parts), duplicates, losses)


def _embed_key(embed: dict[str, Any]) -> tuple[object, ...]:
    footer = embed.get("footer") or {}
    return (embed.get("title"), embed.get("description"), footer.get("text"))


def _part_key(part: Part) -> PartKey:
    return tuple(_embed_key(dict(e)) for e in part.embeds)


def _message_key(message: Message) -> PartKey:
    return tuple(_embed_key(e) for e in message.embeds)

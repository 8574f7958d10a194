"""The /feedback embed and chart at their largest: 99 items with long, hostile titles and
ten long searches stay within Discord's limits, and the chart stays a readable PNG."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import discord
from PIL import Image

from cogs.feedback._chart import render_chart
from cogs.feedback._embed import feedback_embed
from db.models import Issue
from db.repositories.feedback import Feedback, ItemFeedback
from db.states import IssueStatus, TipStatus

HOSTILE_TITLE = "**$\\frac{1}{0}$** <@&123456789012345678> `code` [link](https://x.test) " * 10


def _largest() -> Feedback:
    issue = Issue(
        id=1,
        newsletter="News",
        month="2023-12",
        title=HOSTILE_TITLE[:200],
        status=IssueStatus.PUBLISHED,
        published_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    items = [
        ItemFeedback(n, HOSTILE_TITLE[:300], 10**6, 10**6, 10**9, 10**9) for n in range(1, 100)
    ]
    searches = [(f"@everyone {n} " + "ｗ" * 200, 10**6 - n) for n in range(10)]
    return Feedback(issue, items, searches, "2024-01", {s: 10**6 for s in TipStatus})


def test_the_largest_report_fits_an_embed() -> None:
    embed = feedback_embed(_largest(), chart="feedback.png")
    assert len(embed) <= 6000
    assert embed.description is not None and len(embed.description) <= 4096
    assert len(embed.fields) <= 25
    assert all(len(f.value or "") <= 1024 and len(f.name or "") <= 256 for f in embed.fields)
    last = embed.description.splitlines()[-1]
    assert last.startswith("… and ") and "more items" in last
    assert "<@&123456789012345678>" not in embed.description and "@everyone" not in str(
        embed.fields
    )
    payload = embed.to_dict()  # what discord.py sends
    assert payload["image"]["url"] == "attachment://feedback.png"
    assert isinstance(embed, discord.Embed)


def test_the_largest_chart_is_a_png() -> None:
    data = render_chart(_largest())
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == "PNG"
        assert 0 < image.width <= 2000 and 0 < image.height <= 1000

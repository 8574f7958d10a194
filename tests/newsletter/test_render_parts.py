"""Every rendered message must fit Discord's limits."""

import dataclasses
import json
from typing import Any

import pytest

from newsletter import IssueDocument, Item, parse_issue
from newsletter.render import (
    Part,
    embed_length,
    neutralize_mentions,
    render_issue,
    render_item_card,
    split_text,
)
from tests.newsletter.issue_data import ISSUES


def assert_embed_fits(embed: dict[str, Any]) -> None:
    assert len(embed.get("title", "")) <= 256
    assert len(embed.get("description", "")) <= 4096
    assert len(embed.get("footer", {}).get("text", "")) <= 2048
    fields = embed.get("fields", [])
    assert len(fields) <= 25
    for field in fields:
        assert 0 < len(field["name"]) <= 256
        assert 0 < len(field["value"]) <= 1024
    if "url" in embed:
        assert embed["url"].startswith(("http://", "https://"))


def assert_part_fits(part: Part) -> None:
    assert part.content is None or len(part.content) <= 2000
    assert 1 <= len(part.embeds) <= 10
    for embed in part.embeds:
        assert_embed_fits(embed)
    assert sum(embed_length(e) for e in part.embeds) <= 6000


def all_docs(sample: IssueDocument) -> list[IssueDocument]:
    return [sample] + [parse_issue(p.read_bytes(), filename=p.name) for p in ISSUES.iterdir()]


def test_all_parts_of_all_test_issues_fit(sample: IssueDocument) -> None:
    for doc in all_docs(sample):
        for part in render_issue(doc):
            assert_part_fits(part)


def test_keys_are_stable_and_ordered(sample: IssueDocument) -> None:
    keys = [part.key for part in render_issue(sample)]
    assert keys == ["header", *(f"item:{n}" for n in range(1, 8)), "extra:1"]
    assert keys == [part.key for part in render_issue(sample)]


def test_header_lists_month_editorial_and_titles(sample: IssueDocument) -> None:
    header = render_issue(sample)[0]
    assert header.kind == "header"
    embed = header.embeds[0]
    assert embed["title"] == "This Month in China — December 2023"
    assert embed["description"].startswith("**Neighbours**\n")
    for item in sample.items:
        assert f"{item.number}. {item.title}" in embed["description"]


def test_item_part(sample: IssueDocument) -> None:
    part = render_issue(sample)[3]
    embed = part.embeds[0]
    assert part.key == "item:3" and part.kind == "item"
    assert embed["title"] == "3. Xiaomi founder Lei Jun ready to take on Tesla in the EV market"
    # No "/7": adding an item in a correction must not change every posted item.
    assert embed["footer"]["text"] == "This Month in China · December 2023 · item 3"
    assert embed["fields"][0]["name"] == "Editor's take"
    assert "I always envisioned" in embed["fields"][0]["value"]
    # The take is shown once, in its field: the posted text stops before its paragraph.
    assert embed["description"] == sample.items[2].body.rsplit("\n\n", 1)[0]
    assert "url" not in embed


def test_http_urls_only(sample: IssueDocument) -> None:
    doc = parse_issue((ISSUES / "nine-items-2024-07.html").read_bytes())
    parts = {p.key: p for p in render_issue(doc)}
    assert parts["item:1"].embeds[0]["url"] == "https://example.com/a/byd-hungary"
    assert "url" not in parts["item:9"].embeds[0]


def long_item_doc(sample: IssueDocument, body: str, title: str = "Long") -> IssueDocument:
    item = Item(number=1, title=title, body=body, summary="", take=None, url=None)
    return dataclasses.replace(sample, items=(item,), extras=())


def test_long_item_splits_at_paragraphs_and_sentences(sample: IssueDocument) -> None:
    paragraph = " ".join(f"Sentence {n} about Shenzhen factories and exports." for n in range(40))
    body = "\n\n".join([paragraph] * 5)  # ~10,000 characters
    assert 9000 < len(body) < 12000
    parts = [p for p in render_issue(long_item_doc(sample, body)) if p.kind == "item"]
    assert [p.key for p in parts] == ["item:1", "item:1:2", "item:1:3"][: len(parts)]
    assert len(parts) >= 3
    for part in parts:
        assert_part_fits(part)
        description = part.embeds[0]["description"]
        assert description.endswith(".")  # ends at a sentence boundary
        assert description.startswith("Sentence")
    joined = " ".join(p.embeds[0]["description"] for p in parts)
    assert joined.split() == body.split()
    assert parts[1].embeds[0]["title"] == "1. Long (continued)"


def test_long_title_is_cut_at_a_word_boundary(sample: IssueDocument) -> None:
    title = "Shenzhen " * 40
    part = render_issue(long_item_doc(sample, "Body.", title=title))[1]
    rendered = part.embeds[0]["title"]
    assert len(rendered) <= 256 and rendered.endswith("Shenzhen…")


def test_header_fits_with_25_long_titles(sample: IssueDocument) -> None:
    items = tuple(
        Item(number=n, title="Very long title word " * 12, body="Body.", summary="Body.")
        for n in range(1, 26)
    )
    doc = dataclasses.replace(sample, items=items)
    header = render_issue(doc)[0]
    assert_part_fits(header)
    assert "25. Very long" in header.embeds[0]["description"]


def test_mass_mentions_are_neutralised(sample: IssueDocument) -> None:
    doc = long_item_doc(sample, "Hello @everyone and @here, meet @Someone.", title="@everyone")
    parts = render_issue(doc)
    text = json.dumps([p.embeds for p in parts], ensure_ascii=False)
    assert "@everyone" not in text and "@here" not in text
    assert "@\u200beveryone" in text and "@\u200bhere" in text
    assert "@Someone" in text


def test_neutralize_mentions() -> None:
    assert (
        neutralize_mentions("@everyone @HERE a@hereford")
        == "@\u200beveryone @\u200bHERE a@hereford"
    )


def test_item_card(sample: IssueDocument) -> None:
    card = render_item_card(sample, 3)
    assert card["title"].startswith("3. Xiaomi")
    assert card["description"] == sample.items[2].summary
    assert card["footer"]["text"].endswith("item 3/7")
    assert_embed_fits(card)
    with pytest.raises(KeyError):
        render_item_card(sample, 9)


@pytest.mark.parametrize("limit", [1, 5, 20, 100])
def test_split_text_small_limits(limit: int) -> None:
    text = "Alpha beta. Gamma delta epsilon.\n\nZeta eta theta iota kappa lambda."
    parts = split_text(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    if limit >= 6:  # every word fits, so no word is cut
        assert " ".join(parts).split() == text.split()


def test_split_text_hard_cuts_only_an_oversized_word() -> None:
    assert split_text("ab " + "x" * 25, 10) == ["ab", "xxxxxxxxxx", "xxxxxxxxxx", "xxxxx"]


def test_split_text_prefers_paragraph_boundaries() -> None:
    text = "First paragraph is here.\n\nSecond paragraph is here."
    assert split_text(text, 30) == ["First paragraph is here.", "Second paragraph is here."]
    assert split_text(text, 100) == [text]

"""Corrections in the domain: the difference between two texts, and what is posted."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from newsletter import IssueDocument, Item
from newsletter.corrections import describe_part, diff_documents, part_digest, render_withdrawn
from newsletter.document import Section
from newsletter.render import render_issue
from tests.newsletter.test_render_parts import assert_part_fits

DAY = date(2024, 1, 5)


def with_item(doc: IssueDocument, number: int, **changes: Any) -> IssueDocument:
    items = tuple(dataclasses.replace(i, **changes) if i.number == number else i for i in doc.items)
    return dataclasses.replace(doc, items=items)


def added(doc: IssueDocument, number: int) -> IssueDocument:
    item = Item(number, f"Item {number} arrives late", "A new story.", "A new story.")
    return dataclasses.replace(doc, items=(*doc.items, item))


def test_the_same_text_has_no_changes(sample: IssueDocument) -> None:
    diff = diff_documents(sample, sample)
    assert diff.empty
    assert diff.lines() == [
        "Items changed: none",
        "Items added: none",
        "Items removed: none",
        "Editorial: unchanged",
    ]


def test_changed_added_and_removed_items_and_the_editorial_are_named(
    sample: IssueDocument,
) -> None:
    new = added(with_item(sample, 3, body="A corrected body."), 8)
    new = dataclasses.replace(
        new,
        items=tuple(i for i in new.items if i.number != 5),
        editorial=Section("Neighbours", "Another editorial.", "Another editorial."),
    )
    diff = diff_documents(sample, new)
    assert (diff.changed, diff.added, diff.removed) == ((3,), (8,), (5,))
    assert diff.editorial_changed and not diff.title_changed
    assert diff.summary() == (
        "items changed: 3; items added: 8; items removed: 5; editorial: changed"
    )


def test_a_changed_take_or_summary_is_a_changed_item(sample: IssueDocument) -> None:
    assert diff_documents(sample, with_item(sample, 2, take="Another take.")).changed == (2,)
    assert diff_documents(sample, with_item(sample, 4, summary="Shorter.")).changed == (4,)


def test_only_the_changed_item_and_the_header_render_differently(sample: IssueDocument) -> None:
    """An added item or a changed one leaves every other posted message as it was, so a
    correction edits nothing else (the header lists the items and says it was corrected)."""
    before = {p.key: part_digest(p) for p in render_issue(sample)}
    new = added(with_item(sample, 3, body="A corrected body."), 8)
    after = {p.key: part_digest(p) for p in render_issue(new, corrected_on=DAY)}
    differ = {key for key in after if before.get(key) != after[key]}
    assert differ == {"header", "item:3", "item:8"}


def test_the_header_says_when_the_issue_was_corrected(sample: IssueDocument) -> None:
    header = render_issue(sample, corrected_on=DAY)[0]
    footer = header.embeds[0]["footer"]["text"]
    assert footer == "This Month in China · 7 items · Corrected on 5 January 2024"
    assert "Corrected" not in render_issue(sample)[0].embeds[0]["footer"]["text"]


def test_digests_are_stable_and_tell_texts_apart(sample: IssueDocument) -> None:
    first, again = render_issue(sample), render_issue(sample)
    assert [part_digest(p) for p in first] == [part_digest(p) for p in again]
    assert len({part_digest(p) for p in first}) == len(first)


def test_withdrawn_parts_say_what_happened_and_fit(sample: IssueDocument) -> None:
    removed = render_withdrawn(sample, "item:9", DAY)
    assert removed.embeds[0]["title"] == "Item 9 — withdrawn"
    assert (
        "withdrawn from the issue (corrected on 5 January 2024)"
        in (removed.embeds[0]["description"])
    )
    continued = render_withdrawn(sample, "item:3:2", DAY)
    assert continued.embeds[0]["title"] == "Item 3 (continued)"
    extra = render_withdrawn(sample, "extra:2", DAY)
    assert extra.kind == "extra" and extra.embeds[0]["title"] == "Withdrawn"
    for part in (removed, continued, extra):
        assert_part_fits(part)


def test_part_keys_read_as_words() -> None:
    assert describe_part("header") == "the header"
    assert describe_part("item:3") == "item 3"
    assert describe_part("item:3:2") == "item 3 (part 2)"
    assert describe_part("extra:1") == "extra 1"

"""The sample, edited into other months' shapes: fewer items, another order.

The parser must follow the text, not the sample's paragraph counts.
"""

from __future__ import annotations

import re

from masthead.samples import SAMPLE_ISSUE
from newsletter.parse import parse_issue

SAMPLE = SAMPLE_ISSUE.read_text(encoding="utf-8")
CXMT_OPENERS = ("ChangXin Memory", "The evidence of progress by CXMT", "Some analysts claim")


def _without_item_4(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        if line.startswith("4. China memory chip") or line.startswith(CXMT_OPENERS):
            continue
        if m := re.match(r"^([5-7])\. (.*)", line):
            line = f"{int(m[1]) - 1}. {m[2]}"
        lines.append(line)
    return "\n".join(lines)


def test_an_issue_with_one_item_fewer_still_aligns() -> None:
    doc = parse_issue(_without_item_4(SAMPLE))
    assert [i.number for i in doc.items] == [1, 2, 3, 4, 5, 6]
    assert doc.items[2].body.startswith("Xiaomi phones")
    assert doc.items[3].title.startswith("China releases guideline")
    assert doc.items[3].body.startswith("China has released a guideline")
    assert "CXMT" not in " ".join(i.body for i in doc.items)


def _block(text: str, first: str, last: str) -> str:
    """The lines from the one starting with `first` through the one starting with `last`."""
    begin = text.index("\n" + first) + 1
    end = text.index("\n", text.index("\n" + last) + 1)
    return text[begin:end]


def test_items_in_another_order_follow_the_text() -> None:
    iron = _block(SAMPLE, "Chinese scientists created", "Taking iron supplements")
    xiaomi = _block(SAMPLE, "Xiaomi phones", "I always envisioned")
    iron_title = _block(SAMPLE, "2. Chinese scientists", "2. Chinese scientists")
    xiaomi_title = _block(SAMPLE, "3. Xiaomi founder", "3. Xiaomi founder")
    swapped = (
        SAMPLE.replace(xiaomi, "@@BODY@@")
        .replace(iron, xiaomi)
        .replace("@@BODY@@", iron)
        .replace(xiaomi_title, "@@TITLE@@")
        .replace(iron_title, "2." + xiaomi_title[2:])
        .replace("@@TITLE@@", "3." + iron_title[2:])
    )
    doc = parse_issue(swapped)
    assert [i.number for i in doc.items] == [1, 2, 3, 4, 5, 6, 7]
    assert doc.items[1].title.startswith("Xiaomi founder")
    assert doc.items[1].body.startswith("Xiaomi phones")
    assert doc.items[1].take is not None and "I always envisioned" in doc.items[1].take
    assert doc.items[2].title.startswith("Chinese scientists use genetics")
    assert doc.items[2].body.startswith("Chinese scientists created")
    assert doc.items[2].body.rstrip().endswith("corn is the staple food.")

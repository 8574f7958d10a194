"""The published-item check of a tip (cogs/tips/_covered.py) against the plain loop it
replaces: every item, first by list order, by canonical link or same_headline."""

from __future__ import annotations

import random

from cogs.tips._covered import PublishedItems
from db.repositories.issues import ItemRef
from newsletter.tips import TipDraft, canonical_link, same_headline
from tests.newsletter.tip_pairs import DIFFERENT, SAME


def _plain(refs: list[ItemRef], draft: TipDraft) -> ItemRef | None:
    link = canonical_link(draft.link) if draft.link else None
    for ref in refs:
        if link and ref.url and canonical_link(ref.url) == link:
            return ref
        if same_headline(draft.headline, ref.title):
            return ref
    return None


def _refs(titles: list[str], rng: random.Random) -> list[ItemRef]:
    return [
        ItemRef(
            issue_id=1 + n // 12,
            issue_title=f"Issue {1 + n // 12}",
            number=1 + n % 12,
            title=title,
            url=f"https://news.example/{rng.randrange(40)}" if rng.random() < 0.6 else None,
        )
        for n, title in enumerate(titles)
    ]


def test_it_finds_what_the_plain_loop_finds() -> None:
    rng = random.Random("covered")
    pairs = SAME + DIFFERENT
    titles = [b for _, b in pairs] + [a for a, _ in pairs[::3]]
    rng.shuffle(titles)
    refs = _refs(titles, rng)
    published = PublishedItems()
    tried = found = 0
    for headline in [a for a, _ in pairs] + [b.upper() for _, b in pairs] + ["Nothing alike here"]:
        for link in (None, f"https://WWW.news.example/{rng.randrange(60)}?utm_source=x#top"):
            draft = TipDraft(headline=headline, link=link, why=None)
            expected = _plain(refs, draft)
            assert published.covering(refs, draft) == expected, draft
            tried += 1
            found += expected is not None
    assert 0 < found < tried  # both answers were asked for


def test_a_new_list_of_items_is_read_again() -> None:
    published = PublishedItems()
    draft = TipDraft(headline="Typhoon Doksuri reaches Fujian", link=None, why=None)
    before = [ItemRef(1, "Issue 1", 1, "Alibaba splits into six groups", None)]
    assert published.covering(before, draft) is None
    after = [*before, ItemRef(2, "Issue 2", 4, "Typhoon Doksuri reaches Fujian!", None)]
    assert published.covering(after, draft) == after[1]
    assert published.covering([], draft) is None

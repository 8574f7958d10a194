"""Which published item a tip is about: by its link, or by a near-identical title.

`newsletter.tips.same_headline` is Python, about 6 µs a pair: against every published
item of a long archive (1,800 items: 12 ms) it would be most of a submission. Titles are
kept as rapidfuzz keys, the C scorer picks the few within reach, and only those are
checked by same_headline, as db/repositories/tips.py's HeadlineIndex does for tips.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process

from db.repositories.issues import ItemRef
from db.repositories.tips import PREFILTER_MARGIN, sorted_headline_key
from db.tip_writer import link_key
from newsletter.tips import HEADLINE_THRESHOLD, TipDraft, same_headline


class PublishedItems:
    """The published items as matching keys, rebuilt when the list of them is replaced
    (bot.published hands out the same list until its cache renews it)."""

    def __init__(self) -> None:
        self._refs: Sequence[ItemRef] | None = None
        self._by_link: dict[str, int] = {}
        self._title_keys: list[str] = []

    def covering(self, refs: Sequence[ItemRef], draft: TipDraft) -> ItemRef | None:
        """The first item of `refs` with the tip's link or a near-identical title."""
        if refs is not self._refs:
            self._index(refs)
        first = self._by_link.get(link_key(draft.link), len(refs)) if draft.link else len(refs)
        near = process.extract(
            sorted_headline_key(draft.headline),
            self._title_keys,
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=HEADLINE_THRESHOLD - PREFILTER_MARGIN,
            limit=None,
        )
        for index in sorted(index for _, _, index in near if index < first):
            if same_headline(draft.headline, refs[index].title):
                return refs[index]
        return refs[first] if first < len(refs) else None

    def _index(self, refs: Sequence[ItemRef]) -> None:
        self._by_link = {}
        for index, ref in enumerate(refs):
            if ref.url:
                self._by_link.setdefault(link_key(ref.url), index)
        self._title_keys = [sorted_headline_key(ref.title) for ref in refs]
        self._refs = refs

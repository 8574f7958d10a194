"""Assign untitled body paragraphs to listed item titles, in order.

Newsletters copied from the web often list the titles up front and then run the item
texts together without headings. We recover the boundaries with a monotone alignment:
every item takes a contiguous, non-empty run of paragraphs, in list order, and dynamic
programming picks the boundaries that maximise

  sum over paragraphs of  how much of its item's title the paragraph covers (TF-IDF)
  + for each item        how well its first paragraph reads as a lead for that title
  + for each kept join   how similar two neighbouring paragraphs are (continuity)
  + for each boundary    whether the paragraph before it reads as the editor's closing remark.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .sentences import split_sentences
from .textutil import TermWeights, content_terms, cosine

_FIT_WEIGHT = 1.0
_LEAD_WEIGHT = 1.0
_CONTINUITY_WEIGHT = 0.5
_CLOSING_WEIGHT = 0.3
# A paragraph opening with a connective, an anaphor or the editor's voice continues a story.
_CONTINUATION_OPENER = re.compile(
    r"^(?:[-•*]\s|(?:this|these|that|those|it|its|it’s|it's|they|their|them|so|but|and|or|also|"
    r"however|moreover|furthermore|besides|still|yet|thus|therefore|hence|then|i|i’m|i'm|my|we|"
    r"our|let’s|let's|as a result|in addition|on the other hand)\b|\S+(?:\s+\S+)?\s+also\b)",
    re.IGNORECASE,
)
# Items often end with the editor's own view ("I", "my", "we") or a conclusion ("So …").
_CLOSING_REMARK = re.compile(
    r"\b(?:I|I’m|I'm|my|we|our|let’s|let's)\b|^(?:so|in short|all in all|in the end)\b"
)
_CONTINUATION_PENALTY = 0.5


def align_paragraphs(paragraphs: Sequence[str], titles: Sequence[str]) -> list[int]:
    """Return, for each item, the index of its first paragraph (first is always 0).

    Requires len(paragraphs) >= len(titles) >= 1.
    """
    n_items, n_paras = len(titles), len(paragraphs)
    if n_items == 1:
        return [0]
    para_terms = [content_terms(p) for p in paragraphs]
    title_terms = [content_terms(t) for t in titles]
    weights = TermWeights([*para_terms, *title_terms])
    para_vectors = [weights.vector(terms) for terms in para_terms]
    lead_terms = [content_terms(_first_sentence(p)) for p in paragraphs]
    closing = [_CLOSING_WEIGHT if _CLOSING_REMARK.search(p) else 0.0 for p in paragraphs]

    # Computed once, not per (title, paragraph) cell: the table is items x paragraphs.
    para_sets = [set(terms) for terms in para_terms]
    lead_sets = [set(terms) for terms in lead_terms]
    title_idf = [{term: weights.idf(term) for term in terms} for terms in title_terms]
    fit = [[_coverage(para_sets[p], title_idf[t]) for p in range(n_paras)] for t in range(n_items)]
    lead = [
        [
            _coverage(lead_sets[p], title_idf[t])
            - (_CONTINUATION_PENALTY if _CONTINUATION_OPENER.match(paragraphs[p]) else 0.0)
            for p in range(n_paras)
        ]
        for t in range(n_items)
    ]
    # continuity[p]: reward for keeping paragraph p in the same item as p - 1.
    continuity = [0.0] + [cosine(para_vectors[p - 1], para_vectors[p]) for p in range(1, n_paras)]
    cont_prefix = _prefix(continuity)

    neg = float("-inf")
    # best[t][i]: best score with items 0..t placed and item t ending at paragraph i.
    best = [[neg] * n_paras for _ in range(n_items)]
    start_of = [[0] * n_paras for _ in range(n_items)]
    for t in range(n_items):
        fit_prefix = _prefix(fit[t])
        running, running_start = neg, 0
        # Item t needs t paragraphs before it and n_items - 1 - t after it.
        for i in range(t, n_paras - (n_items - 1 - t)):
            s = i  # candidate start for item t ending at i: consider starting exactly at i
            if t == 0:
                candidate = 0.0 if s == 0 else neg
            else:
                previous = best[t - 1][s - 1]
                candidate = previous + _LEAD_WEIGHT * lead[t][s] if previous > neg else neg
            if candidate > neg:
                candidate -= _FIT_WEIGHT * fit_prefix[s] + _CONTINUITY_WEIGHT * cont_prefix[s + 1]
            # '>=' prefers the later start on ties, so trailing comment paragraphs that match
            # no title stay with the story they follow.
            if candidate >= running and candidate > neg:
                running, running_start = candidate, s
            if running > neg:
                best[t][i] = (
                    running
                    + _FIT_WEIGHT * fit_prefix[i + 1]
                    + _CONTINUITY_WEIGHT * cont_prefix[i + 1]
                    + closing[i]
                )
                start_of[t][i] = running_start
    starts = [0] * n_items
    end = n_paras - 1
    for t in range(n_items - 1, -1, -1):
        starts[t] = start_of[t][end]
        end = starts[t] - 1
    return starts


def _first_sentence(paragraph: str) -> str:
    sentences = split_sentences(paragraph)
    return sentences[0] if sentences else paragraph


def _coverage(paragraph_terms: set[str], title_idf: dict[str, float]) -> float:
    """Share of the title's IDF mass found in the paragraph (0..1)."""
    total = sum(title_idf.values())
    if total == 0:
        return 0.0
    found = sum(idf for term, idf in title_idf.items() if term in paragraph_terms)
    return found / total


def _prefix(values: Sequence[float]) -> list[float]:
    sums = [0.0]
    for value in values:
        sums.append(sums[-1] + value)
    return sums

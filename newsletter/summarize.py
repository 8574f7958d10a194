"""Extractive summaries: whole sentences of the text itself, facts before the editor's views."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .sentences import PARAGRAPH_BREAK, split_sentences
from .textutil import TermWeights, content_terms, cosine, has_cjk

__all__ = ["split_sentences", "summarize"]

# The editor speaking as "I" marks an opinion (the take); "we/our/let's" and questions are
# weaker signals that a sentence is commentary rather than news.
_FIRST_PERSON = re.compile(
    r"\b(?:I|I’m|I'm|I’ve|I've|I’d|I'd|I’ll|I'll|[Mm]y|[Mm]e|[Mm]ine|[Mm]yself)\b"
)
# Chinese has no word boundaries: 我 but not 我们 ("we"), and the writer's 笔者/本人.
_FIRST_PERSON_CJK = re.compile(r"我(?!们)|笔者|本人")
# Lower-case "us" only: "US" is the country.
_AUTHOR_PLURAL = re.compile(r"\b(?:[Ww]e|[Ww]e’re|[Ww]e're|[Oo]ur|us|[Ll]et’s|[Ll]et's)\b")
_SUBJECTLESS_OPINION = re.compile(r"^(?:would love|can't wait|can’t wait|love to|hope to)\b", re.I)
# Someone else's words: a quotation, or a sentence that attributes what it says.
_QUOTED_SPAN = re.compile(r"“[^”]*”|\"[^\"]*\"|「[^」]*」|『[^』]*』")
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|say|told|tells|according to|explained|explains|added|adds|noted|notes|"
    r"stated|states|wrote|writes|claimed|claims|asked|asks|recalled|recalls)\b|表示|指出|称|说道",
    re.IGNORECASE,
)
_CREDIT_LINE = re.compile(
    r"^\(?(?:maintained|written|edited|curated|contributed|section written) by\b", re.IGNORECASE
)
_CODE_LINE = re.compile(r"^(?://|\$ |#include|#!)|[{};]\s*$")
_TERMINAL = re.compile(r"[.!?…。！？][\"'”’)\]]*$")
_CJK_END = re.compile(r"[。！？][”」』）]*$")
_MIN_ROUNDUP_PARAGRAPHS = 6
# Mean similarity of neighbouring paragraphs below which a text reads as separate updates.
_ROUNDUP_COHESION = 0.15
_MMR_LAMBDA = 0.6
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    paragraph: int
    position: int  # index within its paragraph
    order: int  # index within the text

    @property
    def is_opinion(self) -> bool:
        return bool(
            _FIRST_PERSON.search(self.text)
            or _FIRST_PERSON_CJK.search(self.text)
            or _AUTHOR_PLURAL.search(self.text)
            or _SUBJECTLESS_OPINION.match(self.text)
            or self.text.rstrip("\"”’' ").endswith(("?", ":"))
            or self.text.startswith(("- ", "• "))  # list entries lack context on their own
        )

    @property
    def is_aside(self) -> bool:
        """Not a sentence of the story: a sub-heading kept in the text ('Fixes'), a credit
        line ('Maintained by @x', '(Section written by @y)'), a line of code."""
        text = self.text.strip()
        if _CREDIT_LINE.search(text) or _CODE_LINE.search(text):
            return True
        return not _TERMINAL.search(text) and len(text.split()) <= 8 and not has_cjk(text)

    @property
    def is_take(self) -> bool:
        """The editor speaking: first person singular (or an opinion that drops the I),
        and not inside a quotation or a sentence that reports what someone said."""
        if _SUBJECTLESS_OPINION.match(self.text):
            return True
        if self.text.lstrip().startswith(("“", '"', "「", "『")) or _ATTRIBUTION.search(self.text):
            return False
        own_words = _QUOTED_SPAN.sub(" ", self.text)
        return bool(_FIRST_PERSON.search(own_words) or _FIRST_PERSON_CJK.search(own_words))


def summarize(
    text: str,
    limit: int = 400,
    *,
    essay: bool = False,
    quoted: frozenset[int] = frozenset(),
    attributed: bool = False,
    titles: frozenset[str] = frozenset(),
) -> tuple[str, str | None]:
    """Return (summary, take): the summary is at most `limit` characters of whole sentences
    from `text` in their original order; the take joins the editor's first-person sentences.

    An `essay` (the editorial) is one argument, never a roundup of separate updates, so
    its summary is its opening. `quoted` paragraphs (block quotes) and an `attributed`
    text (one with its own byline) are someone else's words and hold no take; nor does an
    item's first paragraph, nor a line that is an item's title."""
    sentences = _sentences(text)
    if not sentences:
        return "", None
    takes = [] if attributed else _take_sentences(sentences, quoted, titles)
    take = " ".join(takes) if takes else None
    facts = (
        [s for s in sentences if not s.is_opinion and not s.is_aside]
        or [s for s in sentences if not s.is_opinion]
        or sentences
    )
    paragraphs = {s.paragraph for s in facts}
    if not essay and len(paragraphs) >= _MIN_ROUNDUP_PARAGRAPHS and _is_roundup(text):
        chosen = _diverse_leads(facts, limit)
    else:
        chosen = _leading(facts, limit)
    if not chosen:
        return _fallback(facts, limit), take
    return _joined(s.text for s in sorted(chosen, key=lambda s: s.order)), take


def _joined(sentences: Iterable[str]) -> str:
    """Sentences one after the other: a space after Latin ones, none after Chinese ones."""
    text = ""
    for sentence in sentences:
        if text and not _CJK_END.search(text):
            text += " "
        text += sentence
    return text


def _take_sentences(
    sentences: list[_Sentence], quoted: frozenset[int], titles: frozenset[str]
) -> list[str]:
    """The editor's remark closes what it comments on: the run of take sentences at the end
    of a paragraph, never in the item's first paragraph (the news itself), never inside a
    quotation that began in an earlier sentence, never a list entry."""
    by_paragraph: dict[int, list[_Sentence]] = {}
    for sentence in sentences:
        by_paragraph.setdefault(sentence.paragraph, []).append(sentence)
    takes: list[str] = []
    for paragraph, members in sorted(by_paragraph.items()):
        if paragraph == 0 or paragraph in quoted:
            continue
        inside_quote = _starts_inside_quote(members)
        run: list[str] = []
        for sentence, in_quote in zip(reversed(members), reversed(inside_quote), strict=True):
            if (
                in_quote
                or not sentence.is_take
                or sentence.text in titles
                or _LIST_ENTRY.match(sentence.text)
            ):
                break
            run.append(sentence.text)
        takes.extend(reversed(run))
    return takes


_LIST_ENTRY = re.compile(r"^(?:[-•*]\s|\d{1,3}[.)、]\s?)")
_OPENING = "“「『"
_CLOSING = "”」』"


def _starts_inside_quote(sentences: list[_Sentence]) -> list[bool]:
    """For each sentence of a paragraph, whether it begins inside a quotation opened by an
    earlier one (a quote of several sentences)."""
    depth = 0
    straight = False
    inside: list[bool] = []
    for sentence in sentences:
        inside.append(depth > 0 or straight)
        for ch in sentence.text:
            if ch in _OPENING:
                depth += 1
            elif ch in _CLOSING:
                depth = max(0, depth - 1)
            elif ch == '"':
                straight = not straight
    return inside


def _sentences(text: str) -> list[_Sentence]:
    result: list[_Sentence] = []
    for p, paragraph in enumerate(PARAGRAPH_BREAK.split(text.strip())):
        for position, sentence in enumerate(split_sentences(paragraph)):
            result.append(_Sentence(sentence, p, position, len(result)))
    return result


def _leading(sentences: list[_Sentence], limit: int) -> list[_Sentence]:
    """Sentences in order while they fit; a sentence too long to fit is skipped."""
    chosen: list[_Sentence] = []
    used = -1  # no leading space before the first sentence
    for sentence in sentences:
        cost = len(sentence.text) + 1
        if used + cost <= limit:
            chosen.append(sentence)
            used += cost
        elif chosen:
            break
    return chosen


def _is_roundup(text: str) -> bool:
    paragraphs = [p for p in PARAGRAPH_BREAK.split(text) if p.strip()]
    terms = [content_terms(p) for p in paragraphs]
    weights = TermWeights(terms)
    vectors = [weights.vector(t) for t in terms]
    pairs = [cosine(vectors[i - 1], vectors[i]) for i in range(1, len(vectors))]
    return bool(pairs) and sum(pairs) / len(pairs) < _ROUNDUP_COHESION


def _diverse_leads(sentences: list[_Sentence], limit: int) -> list[_Sentence]:
    """Maximal marginal relevance over each paragraph's lead sentence: cover several
    updates of a roundup instead of only its first one."""
    # Only true paragraph openers: a later sentence leans on what came before it.
    candidates = [s for s in sentences if s.position == 0]
    if not candidates:
        return _leading(sentences, limit)
    terms = [content_terms(s.text) for s in candidates]
    weights = TermWeights(terms)
    vectors = [weights.vector(t) for t in terms]
    centroid: dict[str, float] = {}
    for vector in vectors:
        for term, weight in vector.items():
            centroid[term] = centroid.get(term, 0.0) + weight
    # Relevance: closeness to the whole text, with a gentle preference for early paragraphs.
    # (The centroid's norm is the same for every candidate: computed once, not per cosine.)
    centroid_norm = math.sqrt(sum(w * w for w in centroid.values())) or 1.0
    relevance = [
        _dot(vector, centroid) / ((_norm(vector) or 1.0) * centroid_norm)
        + 0.5 / (1 + rank)
        - 0.2 * len(candidates[rank].text) / limit
        for rank, vector in enumerate(vectors)
    ]
    chosen: list[int] = []
    used = -1
    remaining = set(range(len(candidates)))
    while remaining:
        # A candidate that no longer fits never will: dropping it now gives the same
        # choice and keeps a text of thousands of paragraphs from being quadratic.
        remaining = {i for i in remaining if used + len(candidates[i].text) + 1 <= limit}
        if not remaining:
            break

        def score(i: int) -> float:
            redundancy = max((cosine(vectors[i], vectors[j]) for j in chosen), default=0.0)
            return _MMR_LAMBDA * relevance[i] - (1 - _MMR_LAMBDA) * redundancy

        best = max(sorted(remaining), key=score)
        remaining.discard(best)
        cost = len(candidates[best].text) + 1
        if used + cost <= limit:
            chosen.append(best)
            used += cost
    return [candidates[i] for i in chosen]


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    return sum(weight * b.get(term, 0.0) for term, weight in a.items())


def _norm(vector: dict[str, float]) -> float:
    return math.sqrt(sum(w * w for w in vector.values()))


def _fallback(sentences: list[_Sentence], limit: int) -> str:
    """Every sentence is longer than the limit: cut the first one at a clause boundary
    (semicolon, comma, dash) or else a word boundary and mark the cut with an ellipsis.
    The result is a prefix of a real sentence, never text from elsewhere; when not even
    one word fits, the summary is empty rather than a cut word."""
    text = sentences[0].text
    room = limit - len(ELLIPSIS)
    head = text[: room + 1]
    for separator in ("; ", ", ", " – ", " — ", " - "):
        cut = head.rfind(separator)
        if cut >= room // 2 and cut > 0:
            return text[:cut].rstrip(" ,;–—-") + ELLIPSIS
    cut = head.rfind(" ")
    if cut <= 0:
        return ""
    return text[:cut].rstrip() + ELLIPSIS

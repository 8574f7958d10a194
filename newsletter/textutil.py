"""Small text helpers shared by the parser and the summarizer: normalisation and tokens."""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_QUOTES = "\"'“”‘’«»„"

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "against",
        "all",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "new",
        "one",
        "two",
        "three",
        "says",
        "said",
        "year",
        "years",
        "month",
    ]
)


def clean_line(text: str) -> str:
    """Collapse runs of spaces (including non-breaking ones) and trim."""
    return _SPACES.sub(" ", text.replace("\u200b", "")).strip()


# What may stand before the link a list entry opens with: "[video]", "【工具】", "📦", "Video:".
_TAG = re.compile(r"\[[^\[\]]{1,40}\]|【[^】]{1,40}】|[^\w\s]{1,4}|\w{1,15}[:：]")


def is_tag_prefix(text: str) -> bool:
    """True for nothing or a few labels/symbols, as in '[disposition: merge] [Title](url)'."""
    rest = text.strip()
    for _ in range(6):
        if not rest:
            return True
        match = _TAG.match(rest)
        if not match:
            return False
        rest = rest[match.end() :].strip()
    return not rest


def strip_quotes(text: str) -> str:
    """'“NEIGHBOURS”' -> 'NEIGHBOURS'; a quote that opens or closes only part of the text
    ('初识“杰出开源女性奖”') stays."""
    text = text.strip()
    if len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        return text.strip(_QUOTES).strip()
    return text


def is_all_caps(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def tidy_heading(text: str) -> str:
    """'“NEIGHBOURS”' -> 'Neighbours': unquote, and title-case shouting headings."""
    text = strip_quotes(clean_line(text))
    if is_all_caps(text):
        text = " ".join(_title_word(word) for word in text.lower().split())
    return text


def _title_word(word: str) -> str:
    return word[:1].upper() + word[1:]


_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


def cjk_weighted_length(text: str) -> int:
    """Length with CJK characters counted twice: a Chinese character carries about as much
    as two Latin letters, so length thresholds mean the same in both scripts."""
    return len(text) + len(_CJK.findall(text))


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def words(text: str) -> list[str]:
    return _WORD.findall(text)


@functools.lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A deliberately crude stemmer: strip common suffixes, then cap the length.

    Enough to match 'industries'/'industrial' or 'releases'/'released' between a title and
    a paragraph; precision matters less than speed and determinism here.
    """
    word = word.lower().replace("’", "'")
    word = word.removesuffix("'s")
    for suffix in (
        "ational",
        "ation",
        "ities",
        "ness",
        "ment",
        "ing",
        "ies",
        "ied",
        "ed",
        "es",
        "ly",
        "s",
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:7]


def content_terms(text: str) -> list[str]:
    """Stemmed, lower-cased content words (no stop words, no one-letter tokens)."""
    terms = []
    for word in words(text):
        lower = word.lower()
        if len(lower) < 2 or lower in STOPWORDS:
            continue
        terms.append(stem(lower))
    return terms


class TermWeights:
    """Inverse document frequencies over a small corpus (the paragraphs of one issue)."""

    def __init__(self, documents: Iterable[Iterable[str]]) -> None:
        counts: Counter[str] = Counter()
        total = 0
        for doc in documents:
            counts.update(set(doc))
            total += 1
        self._total = max(total, 1)
        self._counts = counts

    def idf(self, term: str) -> float:
        return math.log((1 + self._total) / (1 + self._counts.get(term, 0))) + 1.0

    def vector(self, terms: Sequence[str]) -> dict[str, float]:
        tf = Counter(terms)
        return {term: (1 + math.log(n)) * self.idf(term) for term, n in tf.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(weight * b.get(term, 0.0) for term, weight in a.items())
    if dot == 0.0:
        return 0.0
    norm_a = math.sqrt(sum(w * w for w in a.values()))
    norm_b = math.sqrt(sum(w * w for w in b.values()))
    return dot / (norm_a * norm_b)

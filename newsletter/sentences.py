"""A rule-based sentence splitter tuned for news prose."""

from __future__ import annotations

import re

# Paragraphs of item text (as stored and rendered) are separated by blank lines.
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")

# Words that end with a period without ending the sentence.
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "no",
        "nos",
        "vs",
        "etc",
        "al",
        "fig",
        "figs",
        "approx",
        "est",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "univ",
        "gov",
        "govt",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "rep",
        "sen",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "e.g",
        "i.e",
        "cf",
        "ca",
    ]
)
# Only a number after these ("No. 1", "Fig. 3") keeps the sentence going; before a capital
# word they are ordinary abbreviations as well.
_NUMBER_ABBREVIATIONS = frozenset({"no", "nos", "fig", "figs", "vol", "p", "pp", "art"})
# After a dotted acronym ("U.S.") a new sentence is likely only before these words.
_SENTENCE_STARTERS = frozenset(
    [
        "the",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "he",
        "she",
        "they",
        "we",
        "i",
        "in",
        "on",
        "at",
        "but",
        "and",
        "a",
        "an",
        "however",
        "there",
        "after",
        "before",
        "when",
        "while",
        "as",
        "for",
        "if",
        "our",
        "my",
        "his",
        "her",
        "their",
        "what",
        "why",
        "how",
        "yet",
        "so",
    ]
)
_CANDIDATE = re.compile(r"([.!?…]+)([\"'”’»)\]]*)(\s+)(?=[\"'“‘«(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_DOTTED_ACRONYM = re.compile(r"^(?:[A-Za-z]\.){2,}$")
_NEXT_WORD = re.compile(r"[\"'“‘«(\[]?([\w’']+)")


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; paragraphs (blank-line separated) never share a sentence."""
    sentences: list[str] = []
    for paragraph in PARAGRAPH_BREAK.split(text):
        for line in paragraph.split("\n"):
            line = " ".join(line.split())
            if line:
                sentences.extend(_split_line(line))
    return sentences


# Chinese and Japanese end sentences with full-width marks and no space after them.
_CJK_END = re.compile(
    r"(?<=[。！？])(?![。！？”’」』）)\]】])|(?<=[。！？][”’」』）】])(?![”’」』）)\]】])"
)


def _split_line(line: str) -> list[str]:
    if "。" in line or "！" in line or "？" in line:
        parts = [part.strip() for part in _CJK_END.split(line)]
        return [s for part in parts if part for s in _split_latin(part)]
    return _split_latin(line)


def _split_latin(line: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _CANDIDATE.finditer(line):
        end = match.end(2)
        if not _is_boundary(line, match):
            continue
        piece = line[start:end].strip()
        if piece:
            pieces.append(piece)
        start = match.end()
    tail = line[start:].strip()
    if tail:
        pieces.append(tail)
    return _merge_fragments(pieces)


def _is_boundary(line: str, match: re.Match[str]) -> bool:
    punctuation = match.group(1)
    if punctuation != ".":
        return True  # "!", "?", "…" and "..." end sentences before a capital
    # Only the word right before the period matters: searching from the line's start
    # made one long line quadratic.
    before = _WORD_BEFORE.search(line, max(0, match.start(1) - 40), match.start(1))
    if not before:
        return True
    word = before.group(1)
    lower = word.lower().rstrip(".")
    next_word_match = _NEXT_WORD.match(line, match.end())
    next_word = next_word_match.group(1) if next_word_match else ""
    if lower in _NUMBER_ABBREVIATIONS and next_word[:1].isdigit():
        return False
    if lower in _ABBREVIATIONS and lower not in _NUMBER_ABBREVIATIONS:
        return lower == "etc" and next_word.lower() in _SENTENCE_STARTERS
    if len(word) == 1 and word.isupper():
        return False  # an initial, as in "J. Smith"
    if _DOTTED_ACRONYM.match(word + "."):
        return next_word.lower() in _SENTENCE_STARTERS
    return True


def _merge_fragments(pieces: list[str]) -> list[str]:
    """Glue pieces without a letter or digit (a stray '...') onto the previous sentence."""
    merged: list[str] = []
    for piece in pieces:
        if merged and not any(ch.isalnum() for ch in piece):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged

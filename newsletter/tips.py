"""Reader news tips as plain text: clean and check what a reader typed, spot duplicates.

The Discord layer shows the problems to the reader and escapes the text when it is shown
again; nothing here escapes markdown or knows about mentions beyond dropping them from a
prefilled form.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from rapidfuzz import fuzz, utils
from w3lib.url import canonicalize_url, url_query_cleaner

from .sentences import split_sentences

HEADLINE_MIN = 10
HEADLINE_MAX = 150
WHY_MAX = 1000
LINK_MAX = 2048

# Chosen from tests/newsletter/tip_pairs.py (21 SAME, 25 DIFFERENT pairs), scored by
# headline_similarity (token_sort_ratio): the lowest SAME pair scores 90.7 (", province"
# added), the highest DIFFERENT one 84.0 (floods in Guangdong / in Hunan, one place name
# swapped), so 87 leaves 3.7 points above and 3.0 below. On the same keys the gap was 3.0
# for WRatio and 1.7 for token_set_ratio; plain ratio fails on reordered words.
HEADLINE_THRESHOLD = 87.0

# Query parameters that say who shared a link or which campaign brought the click, never
# which page it is. A trailing "*" matches any name with that prefix.
TRACKING_PARAMETERS = (
    "utm_*",
    "mtm_*",
    "pk_*",
    "hsa_*",
    "fbclid",
    "gclid",
    "gclsrc",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "twclid",
    "ttclid",
    "li_fat_id",
    "mc_cid",
    "mc_eid",
    "igshid",
    "igsh",
    "yclid",
    "_ga",
    "_gl",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "ref_src",
    "ref_url",
    "spm",  # Alibaba's click tracking, common on Chinese sites
)

_WHY_LABEL = "The “why it matters” text"
# Invisible letters and marks outside the Cf category, used to fake empty names.
_INVISIBLE = frozenset("\u034f\u115f\u1160\u3164\uffa0")
# Sampled for the binary check so that a huge paste costs no more than a normal one.
_BINARY_SAMPLE = 10_000
_BINARY_SHARE = 0.1
_ARTICLES = frozenset({"a", "an", "the"})
_POSSESSIVE = re.compile(r"['’]s\b")
_DIGITS = re.compile(r"\d+")
_HYPHEN_IN_WORD = re.compile(r"(?<=[^\W\d_])[-‐‑](?=[^\W\d_])")
# Finding candidates in chat text: Discord links whatever starts with http(s):// up to
# whitespace; each candidate is then checked with check_link (urllib.parse), not trusted.
_URL_IN_TEXT = re.compile(r"https?://[^\s<>]+", re.IGNORECASE)
_URL_TRAILER = ".,;:!?'\"*_~|`"
_MASKED_LINK = re.compile(r"\[([^\]\n]*)\]\(\s*<?https?://[^\s)]*>?\s*\)", re.IGNORECASE)
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]|<\s*>")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"[ \t]+([.,;:!?])")
_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|</[^<>:\n]+:\d+>|(?<!\w)@(?:everyone|here)\b")
_CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class TipDraft:
    """What a reader submits, cleaned and checked."""

    headline: str
    link: str | None
    why: str | None


class TipInputError(ValueError):
    """A tip the reader has to fix; `problems` are short sentences, one per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


def clean_line(text: str) -> str:
    """One line of plain text: NFC, no invisible or control characters, single spaces."""
    if text.isascii() and text.isprintable():  # most input: nothing to normalize or drop
        return " ".join(text.split())
    return " ".join(_visible(unicodedata.normalize("NFC", text)).split())


def clean_text(text: str) -> str:
    """Paragraphs of plain text: each line cleaned, at most one blank line between them."""
    lines: list[str] = []
    for raw in unicodedata.normalize("NFC", text).splitlines():
        line = clean_line(raw)
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip("\n")


def _visible(text: str) -> str:
    # Whitespace of every kind (NBSP, ideographic space, line separators) becomes a space
    # for the caller to collapse; invisible characters go, as the reader never saw them.
    return "".join(" " if ch.isspace() else ch for ch in text if not _is_invisible(ch))


@functools.lru_cache(maxsize=4096)
def _is_invisible(ch: str) -> bool:
    if ch.isspace():
        return False
    # Cc: controls; Cf: zero-width, soft hyphen, bidi overrides and isolates, BOM;
    # Cs: lone surrogates, which cannot even be stored as UTF-8.
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs") or ch in _INVISIBLE


def _looks_binary(raw: str) -> bool:
    """Raw input with NULs or many controls or replacement characters is not typed text."""
    sample = raw[:_BINARY_SAMPLE]
    if sample.isascii() and sample.isprintable():  # typed text, as nearly always
        return False
    if "\x00" in sample:
        return True
    chars = [ch for ch in sample if not ch.isspace()]
    if not chars:
        return False
    odd = sum(1 for ch in chars if ch == "\ufffd" or unicodedata.category(ch) in ("Cc", "Cs"))
    return odd / len(chars) > _BINARY_SHARE


def check_tip(headline: str, link: str | None, why: str | None) -> TipDraft:
    """Clean every field, then check them all; TipInputError lists every problem found."""
    clean_headline = clean_line(headline)
    clean_link = clean_line(link or "")
    clean_why = clean_text(why or "")
    problems = _headline_problems(headline, clean_headline)
    if clean_link or _looks_binary(link or ""):
        try:
            clean_link = check_link(link or "")
        except TipInputError as exc:
            problems.extend(exc.problems)
    problems.extend(_why_problems(why or "", clean_why))
    if problems:
        raise TipInputError(problems)
    return TipDraft(headline=clean_headline, link=clean_link or None, why=clean_why or None)


def _headline_problems(raw: str, headline: str) -> list[str]:
    if _looks_binary(raw):
        return ["The headline looks like binary data, not text."]
    if not headline:
        return ["Give a headline."]
    problems = []
    if len(headline) < HEADLINE_MIN:
        problems.append(
            f"The headline is too short: {len(headline)} characters, at least {HEADLINE_MIN}."
        )
    if len(headline) > HEADLINE_MAX:
        problems.append(
            f"The headline is too long: {len(headline)} characters, at most {HEADLINE_MAX}."
        )
    if not any(ch.isalnum() for ch in headline):
        problems.append("The headline needs words, not only punctuation or symbols.")
    if "\ufffd" in headline:
        problems.append("The headline contains “\ufffd”, a character lost in copying; retype it.")
    return problems


def _why_problems(raw: str, why: str) -> list[str]:
    if _looks_binary(raw):
        return [f"{_WHY_LABEL} looks like binary data, not text."]
    if len(why) > WHY_MAX:
        return [f"{_WHY_LABEL} is too long: {len(why)} characters, at most {WHY_MAX}."]
    return []


def check_link(link: str) -> str:
    """One http(s) link to a named host or an IP address; returns it cleaned."""
    cleaned = clean_line(link)
    # Discord's "no preview" form <https://…> is how many readers paste links.
    if cleaned.startswith("<") and cleaned.endswith(">"):
        cleaned = cleaned[1:-1].strip()
    problem = _link_problem(link, cleaned)
    if problem:
        raise TipInputError([problem])
    return cleaned


def _link_problem(raw: str, link: str) -> str | None:
    if _looks_binary(raw):
        return "The link looks like binary data, not text."
    if not link:
        return "Give a link, or leave the field empty."
    if len(link) > LINK_MAX:
        return f"The link is too long: {len(link)} characters, at most {LINK_MAX}."
    if " " in link:
        pieces = link.split()
        if sum(1 for piece in pieces if "://" in piece or piece.lower().startswith("www.")) > 1:
            return "Give one link only."
        return "The link must not contain spaces."
    try:
        parts = urlsplit(link)
    except ValueError:  # "http://[::1", or a host that changes under NFKC
        return "The link is not a valid web address."
    if parts.scheme not in ("http", "https"):
        named = f" ({parts.scheme}: links are not accepted)" if parts.scheme.isalpha() else ""
        return f"The link must start with http:// or https://{named}."
    if not parts.netloc:
        return f"The link needs a host name after {parts.scheme}://, like example.com."
    if "@" in parts.netloc:
        return "The link must not contain a user name or password."
    try:
        parts.port  # noqa: B018 - reading it validates the port
    except ValueError:
        return "The link has an invalid port number."
    if not parts.hostname or not _is_host(parts.hostname):
        return "The link's host name is not valid; it should look like example.com."
    return None


def _is_host(host: str) -> bool:
    # urllib.parse splits the URL but accepts any text as a host name, and the standard
    # library has no host name check; these are the DNS rules (RFC 1123) on IDNA labels.
    if host[0].isdigit() or ":" in host:  # only these can be IP addresses
        try:
            ipaddress.ip_address(host)
            return True
        except ValueError:
            pass
    if host.isascii():  # IDNA would change nothing; the labels are checked below
        ascii_host = host.rstrip(".")
    else:
        try:
            ascii_host = host.rstrip(".").encode("idna").decode("ascii")
        except UnicodeError:  # an empty or over-long label, or characters IDNA forbids
            return False
    labels = ascii_host.split(".")
    if len(labels) < 2 or len(ascii_host) > 253 or labels[-1].isdigit():
        return False
    return all(_is_label(label) for label in labels)


def _is_label(label: str) -> bool:
    return (
        0 < len(label) <= 63
        and not label.startswith("-")
        and not label.endswith("-")
        and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in label)
    )


def canonical_link(url: str) -> str:
    """The key under which two links to the same page are equal."""
    url = clean_line(url)
    try:
        # w3lib makes the URL safe (IDNA host, UTF-8 percent-encoding with upper-case
        # escapes), lower-cases the host, sorts the query, resolves "." and "..", and
        # drops the fragment.
        canonical = canonicalize_url(url)
    except ValueError:
        return url
    # On top: tracking parameters, one scheme, no "www.", default port, userinfo or
    # trailing slash, none of which changes which page a reader sees.
    canonical = url_query_cleaner(
        canonical, _tracking_names(urlsplit(canonical).query), remove=True, unique=False
    )
    parts = urlsplit(canonical)
    host = (parts.hostname or "").rstrip(".").removeprefix("www.")
    if ":" in host:
        host = f"[{host}]"  # IPv6
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != {"http": 80, "https": 443}.get(parts.scheme):
        host = f"{host}:{port}"
    scheme = "https" if parts.scheme in ("http", "https") else parts.scheme
    return urlunsplit((scheme, host, parts.path.rstrip("/"), parts.query, ""))


def _tracking_names(query: str) -> list[str]:
    """The raw names in `query` that url_query_cleaner should remove."""
    names = []
    for pair in query.split("&"):
        name = pair.partition("=")[0]
        decoded = unquote_plus(name).casefold()
        if any(fnmatchcase(decoded, pattern) for pattern in TRACKING_PARAMETERS):
            names.append(name)
    return names


def headline_similarity(a: str, b: str) -> float:
    """0..100: how alike two headlines read, ignoring case, punctuation and word order."""
    # "home-grown" and "homegrown", but also "rare-earth" and "rare earth": try both ways.
    keys = [(_headline_key(a, join), _headline_key(b, join)) for join in (False, True)]
    key_a, key_b = keys[0]
    if not key_a or not key_b or _numbers_disagree(key_a, key_b):
        return 0.0
    # token_sort_ratio rather than token_set_ratio or WRatio: those give 95-100 when one
    # headline's words are a subset of the other's, so a short headline would match many,
    # and they let one swapped place name through ("floods in Guangdong" / "in Hunan").
    return max(float(fuzz.token_sort_ratio(x, y)) for x, y in keys)


def same_headline(a: str, b: str) -> bool:
    """Near-identical headlines: the same story reworded slightly."""
    return headline_similarity(a, b) >= HEADLINE_THRESHOLD


# One new headline is compared with every earlier one, and those recur from tip to tip.
@functools.lru_cache(maxsize=65_536)
def _headline_key(text: str, join_hyphens: bool) -> str:
    text = unicodedata.normalize("NFKC", clean_line(text)).casefold()
    # "China's" and "China", "Moon's" and "Moon" are the same word for this purpose.
    text = _POSSESSIVE.sub("", text).replace("'", "").replace("’", "")
    if join_hyphens:
        text = _HYPHEN_IN_WORD.sub("", text)
    return " ".join(word for word in utils.default_process(text).split() if word not in _ARTICLES)


def _numbers_disagree(key_a: str, key_b: str) -> bool:
    # Shenzhou-17 and Shenzhou-18, or 2023 and 2024, are different stories however alike
    # the words; one headline leaving a number out is not a disagreement.
    numbers_a = {int(n) for n in _DIGITS.findall(key_a)}
    numbers_b = {int(n) for n in _DIGITS.findall(key_b)}
    if not numbers_a or not numbers_b:
        return False
    return not (numbers_a <= numbers_b or numbers_b <= numbers_a)


_SENTENCE_END = ".!?…。！？ "
# What joined a removed link to the text ("https://… — Headline"); a hyphen only before a
# space, so "-5°C in Harbin" keeps its minus.
_LEADING_JOINER = re.compile(r"^(?:[—–:|·•]+|-+(?=\s))\s*")


def prefill_from_message(content: str) -> tuple[str, str, str]:
    """(headline, link, why) for the tip form, taken from a chat message."""
    text = clean_text(_MENTION.sub(" ", content))
    link = next(_links_in(text), "")
    words = clean_text(_without_links(text))
    sentences = split_sentences(words)
    first = _LEADING_JOINER.sub("", clean_line(sentences[0])) if sentences else ""
    headline = _shorten(first, HEADLINE_MAX)
    # A message that is only a headline and its link says nothing more: the reader writes
    # why it matters, rather than the card repeating the headline as the reason.
    said = _LEADING_JOINER.sub("", clean_line(words)).rstrip(_SENTENCE_END)
    says_more = said != headline.rstrip(_SENTENCE_END)
    why = _shorten(text, WHY_MAX) if says_more else ""
    return headline, link, why


def _links_in(text: str) -> Iterator[str]:
    for match in _URL_IN_TEXT.finditer(text):
        candidate = _trim_url(match.group())
        try:
            yield check_link(candidate)
        except TipInputError:
            continue


def _without_links(text: str) -> str:
    """Masked links become their text; bare URLs go, with brackets left empty by them."""
    text = _MASKED_LINK.sub(r"\1", text)
    # What _trim_url cuts off a URL (a closing bracket, a full stop) belongs to the text.
    text = _URL_IN_TEXT.sub(lambda m: " " + m.group()[len(_trim_url(m.group())) :], text)
    text = _EMPTY_BRACKETS.sub(" ", text)
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)


def _trim_url(url: str) -> str:
    """Drop what ends a sentence or a markdown span rather than the URL."""
    unmatched = url.count(")") - url.count("(")  # "(https://x.com/a_(b))" keeps one
    end = len(url)
    while end:
        last = url[end - 1]
        if last == ")" and unmatched > 0:
            unmatched -= 1
        elif last not in _URL_TRAILER:
            break
        end -= 1
    return url[:end]


def _shorten(text: str, limit: int) -> str:
    """Cut at the last word boundary that fits with an ellipsis; mid-word only if none."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    boundary = max(cut.rfind(" "), cut.rfind("\n"))
    # Text without spaces (Chinese, one giant word) has no boundary worth keeping.
    if boundary > limit // 2:
        cut = cut[:boundary]
    return cut.rstrip() + "…"


def neutralize_csv_cell(value: str) -> str:
    """Keep spreadsheets from running a cell as a formula (OWASP's CSV injection advice)."""
    if value.startswith(_CSV_FORMULA_STARTS):
        return "'" + value
    return value


@functools.lru_cache(maxsize=256)
def month_after(month: str) -> str:
    """'2023-12' -> '2024-01'."""
    first = dt.datetime.strptime(month, "%Y-%m").date()
    if first.month == 12:
        return f"{first.year + 1:04d}-01"
    return f"{first.year:04d}-{first.month + 1:02d}"

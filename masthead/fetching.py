"""Issues from the web: fetch a URL within fixed limits, and tell a feed from a page.

- `fetch` gets one URL: http and https only, at most 2 MB (reading stops past it), 15 s
  in all, at most 5 redirects (each one checked like the first URL), conditional GET
  (ETag / Last-Modified in, `None` out for a 304).
- Only public addresses are fetched from, the first URL's and each redirect's alike
  (masthead/fetch_guard.py), unless `Limits.allow_private` (the FETCH_ALLOW_PRIVATE
  setting, for tests and a sandbox on one's own machine).
- A feed (RSS or Atom, read with feedparser) is a list of entries; an entry's document is
  its full content, or the page it links to when the feed carries only a summary.
- A page's document is its HTML, or its main text as trafilatura extracts it when that
  parses better (a page with site chrome: navigation, sidebars, footers).

Every failure is a `FetchError` whose message is one line naming the URL and the reason.
"""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import functools
import re
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from xml.sax import SAXParseException

import aiohttp
import feedparser
import trafilatura
from bs4 import BeautifulSoup
from w3lib.encoding import html_to_unicode
from yarl import URL

from masthead.fetch_guard import AddressRefused, GuardedResolver, check_host
from newsletter.decode import MAX_BYTES
from newsletter.document import IssueDocument
from newsletter.errors import IssueFormatError
from newsletter.parse import parse_issue

MAX_URL_LENGTH = 2048
SHOWN_URL_LENGTH = 120  # a URL longer than this is cut in messages, to keep them one line
USER_AGENT = "Masthead/0.1 (a newsletter bot for Discord)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/html;q=0.9, "
    "text/markdown;q=0.8, text/plain;q=0.7, */*;q=0.1"
)
REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024
FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+xml"}
)
XML_TYPES = frozenset({"application/xml", "text/xml"})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown", ""})
# The root element of a feed, looked for near the start of an XML body.
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


class FetchError(Exception):
    """A URL that could not be read as an issue; the message is one line."""

    def __init__(self, url: str, reason: str, *, transient: bool = False) -> None:
        self.url = url
        self.reason = " ".join(reason.split())
        # Worth trying again later: a time-out, a refused connection, a server error.
        self.transient = transient
        super().__init__(f"{shown_url(url)}: {self.reason}")


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_BYTES
    timeout: float = 15.0  # seconds for the whole fetch: redirects and body included
    max_redirects: int = 5
    # Loopback, private and other non-public addresses too: off, as a URL a moderator
    # types must not reach into the bot's own network.
    allow_private: bool = False


LIMITS = Limits()


def limits_for(allow_private: bool) -> Limits:
    """The usual limits, with private addresses allowed as the setting says."""
    return replace(LIMITS, allow_private=allow_private)


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    body: bytes
    content_type: str  # the header as sent ("" when missing)
    etag: str | None
    last_modified: str | None

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    def is_feed(self) -> bool:
        media = self.media_type
        if media in FEED_TYPES:
            return True
        if media in HTML_TYPES:
            return False
        return bool(_FEED_ROOT.search(self.body[:4096]))

    def is_html(self) -> bool:
        media = self.media_type
        return media in HTML_TYPES or (
            media not in TEXT_TYPES and b"<html" in self.body[:4096].lower()
        )

    def text(self) -> str:
        """The body decoded by the charset of the Content-Type header, else of the page's
        `<meta>` tag, else as UTF-8 when it is valid, else as cp1252 (as files are)."""
        _, text = html_to_unicode(self.content_type or None, self.body, auto_detect_fun=_guess)
        return text


@dataclass(frozen=True)
class FeedEntry:
    key: str  # the guid, else the link, else the title: what makes it the same entry
    title: str
    link: str | None
    published: datetime | None
    content: str | None  # the full content, when the feed carries it
    summary: str | None
    content_is_html: bool = False


@dataclass(frozen=True)
class Feed:
    url: str
    title: str
    entries: tuple[FeedEntry, ...]  # oldest first
    etag: str | None
    last_modified: str | None


def shown_url(url: str) -> str:
    url = " ".join(url.split())
    return url if len(url) <= SHOWN_URL_LENGTH else url[: SHOWN_URL_LENGTH - 1] + "…"


def looks_like_url(text: str) -> bool:
    """Whether a command-line argument is meant as a URL rather than a file path (a scheme
    of two or more letters, so that `C:\\issue.md` stays a path)."""
    return bool(_SCHEME.match(text.strip()))


def check_url(url: str) -> str:
    """The URL, stripped, if Masthead may fetch it; otherwise a FetchError saying why."""
    url = url.strip()
    if not url:
        raise FetchError("(empty)", "no URL given")
    if len(url) > MAX_URL_LENGTH:
        raise FetchError(url, f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise FetchError(url, "a URL cannot contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError(url, f"not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise FetchError(url, "not a URL (expected one starting with https://)")
    if scheme not in ("http", "https"):
        raise FetchError(url, f"only http and https URLs can be fetched, not {scheme}:")
    if not parts.hostname:
        raise FetchError(url, "the URL has no host")
    if port == 0:
        raise FetchError(url, "the URL has no valid port")
    return url


async def fetch(
    url: str,
    *,
    session: aiohttp.ClientSession | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    limits: Limits = LIMITS,
) -> Fetched | None:
    """GET `url` within `limits`; None when the server says it has not changed (304)."""
    url = check_url(url)
    own = session is None
    client = session or new_session(limits)
    try:
        async with asyncio.timeout(limits.timeout):
            return await _follow(client, url, etag, last_modified, limits)
    except TimeoutError:
        reason = f"no complete answer within {limits.timeout:g} s"
        raise FetchError(url, reason, transient=True) from None
    except aiohttp.ClientConnectorError as exc:
        reason = f"cannot connect to {exc.host} ({_os_reason(exc)})"
        raise FetchError(url, reason, transient=True) from None
    except aiohttp.ClientPayloadError:
        raise FetchError(url, "the answer was cut off or badly encoded", transient=True) from None
    except aiohttp.ClientError as exc:
        reason = f"the request failed ({type(exc).__name__}: {exc})"
        raise FetchError(url, reason, transient=True) from None
    finally:
        if own:
            await client.close()


def new_session(limits: Limits = LIMITS) -> aiohttp.ClientSession:
    """The session to fetch with under `limits`: its resolver refuses non-public
    addresses unless they are allowed."""
    connector = None if limits.allow_private else aiohttp.TCPConnector(resolver=GuardedResolver())
    # Limits are enforced around the whole fetch (asyncio.timeout); aiohttp's own total
    # timeout of 5 minutes would only get in the way of a test's shorter limit.
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=None),
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
    )


async def _follow(
    session: aiohttp.ClientSession,
    url: str,
    etag: str | None,
    last_modified: str | None,
    limits: Limits,
) -> Fetched | None:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    visited = {url}
    for _ in range(limits.max_redirects + 1):
        # Redirects are followed here, not by aiohttp, so each target is checked (no
        # file: or ftp: behind an http link) and a loop is named as one.
        async with _get(session, url, current, headers, limits) as response:
            if response.status in REDIRECTS:
                location = response.headers.get("Location")
                if not location:
                    raise FetchError(url, f"HTTP {response.status} redirect without a Location")
                target = urljoin(str(response.url), location)
                try:
                    target = check_url(target)
                except FetchError as exc:
                    raise FetchError(url, f"redirected to {exc}") from None
                if target in visited:
                    raise FetchError(url, f"redirect loop (back to {shown_url(target)})")
                visited.add(target)
                current = target
                continue
            if response.status == 304:
                return None
            if not 200 <= response.status < 300:
                reason = f"HTTP {response.status} {response.reason or ''}".strip()
                busy = response.status == 429 or response.status >= 500
                raise FetchError(url, reason, transient=busy)
            body = await _read_limited(response, url, limits.max_bytes)
            return Fetched(
                url=str(response.url),
                body=body,
                content_type=response.headers.get("Content-Type", ""),
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
    raise FetchError(url, f"more than {limits.max_redirects} redirects")


@contextlib.asynccontextmanager
async def _get(
    session: aiohttp.ClientSession,
    url: str,
    current: str,
    headers: dict[str, str],
    limits: Limits,
) -> AsyncIterator[aiohttp.ClientResponse]:
    """GET one hop, refused (not transient) when its host is not public."""
    hop = "" if current == url else f"redirected to {shown_url(current)}, where "
    # Parsed once, as aiohttp would: yarl normalises hosts (①②⑦.0.0.1 is 127.0.0.1), and
    # the host checked must be the one connected to.
    target = URL(current)
    try:
        if not limits.allow_private:
            check_host(target.raw_host or "")
        async with session.get(target, headers=headers, allow_redirects=False) as response:
            yield response
    except AddressRefused as exc:
        raise FetchError(url, f"refused: {hop}{exc}") from None


async def _read_limited(response: aiohttp.ClientResponse, url: str, limit: int) -> bytes:
    too_large = f"larger than {limit / 1_000_000:g} MB"
    declared = response.content_length
    if declared is not None and declared > limit:
        response.close()
        raise FetchError(url, f"{too_large} ({declared:,} bytes announced)")
    chunks: list[bytes] = []
    size = 0
    # Counted after decompression, so a small gzip body cannot unpack past the limit.
    async for chunk in response.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > limit:
            response.close()  # drop the connection: the rest is never read
            raise FetchError(url, too_large)
        chunks.append(chunk)
    return b"".join(chunks)


def _os_reason(exc: aiohttp.ClientConnectorError) -> str:
    error = exc.os_error
    return (getattr(error, "strerror", None) or str(error) or type(error).__name__).lower()


def _guess(body: bytes) -> str:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


# Feeds -----------------------------------------------------------------------------------


def read_feed(fetched: Fetched) -> Feed:
    """The feed's entries, oldest first; a FetchError when the body is no usable feed."""
    parsed = feedparser.parse(
        fetched.body,
        response_headers={"content-type": fetched.content_type, "content-location": fetched.url},
    )
    problem = parsed.get("bozo_exception")
    # feedparser's loose parser reads on past an XML error, but what it salvages from a
    # truncated or broken feed may be a cut entry: such a feed is refused. Its other
    # complaints (a wrong declared encoding, a text/plain type) are harmless.
    if isinstance(problem, SAXParseException):
        where = f"line {problem.getLineNumber()}, column {problem.getColumnNumber()}"
        reason = f"malformed XML at {where}: {problem.getMessage()}"
        raise FetchError(fetched.url, f"not a readable feed ({reason})")
    if not parsed.entries and not parsed.get("version"):
        raise FetchError(fetched.url, "not an RSS or Atom feed")
    entries = [e for e in (_entry(raw) for raw in parsed.entries) if e is not None]
    # Feeds list newest first by convention, but not always: order by date when all
    # entries have one, else reverse the feed's order.
    if entries and all(e.published for e in entries):
        entries.sort(key=lambda e: e.published or datetime.min.replace(tzinfo=UTC))
    else:
        entries.reverse()
    return Feed(
        url=fetched.url,
        title=str(parsed.feed.get("title") or fetched.url)[:200],
        entries=tuple(entries),
        etag=fetched.etag,
        last_modified=fetched.last_modified,
    )


def _entry(raw: Any) -> FeedEntry | None:
    link = raw.get("link") or None
    title = " ".join(str(raw.get("title") or "").split())
    key = raw.get("id") or link or title
    if not key:
        return None
    contents = [c for c in raw.get("content") or [] if c.get("value", "").strip()]
    # An entry may carry several contents (plain and HTML): the HTML one keeps links.
    contents.sort(key=lambda c: "html" not in str(c.get("type", "")))
    stamp = raw.get("published_parsed") or raw.get("updated_parsed")
    return FeedEntry(
        key=str(key),
        title=title[:300] or "(untitled)",
        link=str(link) if link else None,
        published=datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None,
        content=str(contents[0]["value"]) if contents else None,
        summary=str(raw.get("summary") or "") or None,
        content_is_html=bool(contents) and "html" in str(contents[0].get("type", "")),
    )


async def fetch_feed(
    url: str,
    *,
    session: aiohttp.ClientSession | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    limits: Limits = LIMITS,
) -> Feed | None:
    """The feed at `url`; None when it has not changed since `etag` / `last_modified`."""
    fetched = await fetch(
        url, session=session, etag=etag, last_modified=last_modified, limits=limits
    )
    if fetched is None:
        return None
    if not fetched.is_feed():
        what = "a page" if fetched.is_html() else f"{fetched.media_type or 'unknown'} content"
        raise FetchError(url, f"not an RSS or Atom feed (it is {what})")
    # feedparser is pure Python: a large feed would hold up the event loop.
    return await asyncio.to_thread(read_feed, fetched)


# Documents -------------------------------------------------------------------------------


def file_name(url: str, published: datetime | None = None) -> str:
    """A file name for the parser's last resort for the month: the URL's path (which
    often holds a date, /2024/05/…), then the publication month."""
    path = unquote(urlsplit(url).path).strip("/")
    name = re.sub(r"[^\w.-]+", "-", path)[-150:].strip("-") or "index"
    if published is not None:
        name += f"-{published:%Y-%m}"
    return name


def main_text(html: str, url: str | None = None) -> str | None:
    """The page's main text as Markdown, without navigation, sidebars and footers.

    Markdown rather than trafilatura's HTML: its HTML output turns numbered lists into
    bullets, and item numbers are what the parser reads first.
    """
    return trafilatura.extract(
        html,
        url=url,
        output_format="markdown",
        include_links=True,
        include_formatting=True,
        include_comments=False,
        include_images=False,
        favor_recall=True,
    )


def page_document(
    fetched: Fetched, *, newsletter: str, filename: str | None = None, month: str | None = None
) -> IssueDocument:
    """Parse a page (or a text or Markdown file served over HTTP).

    HTML is parsed as it is and as trafilatura's main text; the one that parses with
    fewer warnings wins, the page itself on a tie (it keeps the links of a table of
    contents, which main-text extraction drops).
    """
    name = filename or file_name(fetched.url)
    text = fetched.text()
    parse = functools.partial(parse_issue, newsletter=newsletter, filename=name, month=month)
    if not fetched.is_html():
        return _parsed(fetched.url, lambda: parse(text))
    candidates: list[IssueDocument] = []
    first_error: IssueFormatError | None = None
    try:
        candidates.append(parse(text))
    except IssueFormatError as exc:
        first_error = exc
    if not candidates or candidates[0].warnings:
        extracted = main_text(text, fetched.url)
        if extracted and extracted.strip():
            with contextlib.suppress(IssueFormatError):
                candidates.append(
                    parse_issue(extracted, newsletter=newsletter, filename=name, month=month)
                )
    if not candidates:
        assert first_error is not None
        raise FetchError(fetched.url, str(first_error))
    return min(candidates, key=lambda document: len(document.warnings))


def _parsed(url: str, parse: Callable[[], IssueDocument]) -> IssueDocument:
    try:
        return parse()
    except IssueFormatError as exc:
        raise FetchError(url, str(exc)) from None


async def entry_document(
    entry: FeedEntry,
    *,
    newsletter: str,
    session: aiohttp.ClientSession | None = None,
    limits: Limits = LIMITS,
    month: str | None = None,
) -> IssueDocument:
    """The issue an entry carries: its full content, or else the page it links to."""
    where = entry.link or entry.key
    name = file_name(where, entry.published)
    if entry.content:
        content = as_document(entry.content) if entry.content_is_html else entry.content
        return await asyncio.to_thread(
            _parsed,
            where,
            lambda: parse_issue(content, newsletter=newsletter, filename=name, month=month),
        )
    if entry.link is None:
        raise FetchError(where, "the entry has only a summary and no link to the full text")
    fetched = await fetch(entry.link, session=session, limits=limits)
    assert fetched is not None  # no conditional headers were sent
    if fetched.is_feed():
        raise FetchError(entry.link, "the entry links to a feed, not to a page")
    return await asyncio.to_thread(
        page_document, fetched, newsletter=newsletter, filename=name, month=month
    )


def as_document(fragment: str) -> str:
    """An entry's HTML content as a page of its own. Feeds carry a fragment, with no
    <html> or <body> around it; as a page it reads as HTML whatever its first line is.
    (feedparser labels even a plain-text content HTML: one without any tag stays text.)"""
    if BeautifulSoup(fragment, "html.parser").find() is None:
        return fragment
    return f"<!DOCTYPE html>\n<html><body>\n{fragment}\n</body></html>"


def newest(entries: Sequence[FeedEntry]) -> FeedEntry:
    return entries[-1]


async def fetch_document(
    url: str,
    *,
    newsletter: str,
    session: aiohttp.ClientSession | None = None,
    limits: Limits = LIMITS,
    month: str | None = None,
) -> IssueDocument:
    """The issue at `url`: a page, or the newest entry of a feed (`month`: as --month)."""
    own = session is None
    client = session or new_session(limits)
    try:
        fetched = await fetch(url, session=client, limits=limits)
        assert fetched is not None  # no conditional headers were sent
        if not fetched.is_feed():
            return await asyncio.to_thread(
                page_document, fetched, newsletter=newsletter, month=month
            )
        feed = await asyncio.to_thread(read_feed, fetched)
        if not feed.entries:
            raise FetchError(url, "the feed has no entries")
        return await entry_document(
            newest(feed.entries), newsletter=newsletter, session=client, limits=limits, month=month
        )
    finally:
        if own:
            await client.close()

"""Fetching issues from the web, against a local server: limits, redirects, charsets,
conditional GET, and telling feeds from pages. Every failure is one line naming the URL."""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from masthead.fetching import (
    FetchError,
    Limits,
    check_url,
    fetch,
    fetch_document,
    fetch_feed,
    file_name,
    looks_like_url,
)
from tests.local_web import Entry, Handler, LocalWeb, rss, running_web

ISSUES = Path(__file__).resolve().parents[1] / "data" / "issues"
MB = 1_000_000
LOOPBACK = Limits(allow_private=True)  # the local server is on 127.0.0.1


@pytest.fixture
async def web_site() -> AsyncIterator[LocalWeb]:
    async with running_web() as site:
        yield site


def one_line(error: FetchError, url: str) -> str:
    message = str(error)
    assert "\n" not in message
    assert message.startswith(url[:100])
    return message


def issue_html(title: str = "This Month in China — March 2024") -> str:
    return (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
        "<ol><li><a href='https://example.com/a'>Solar farms spread across Gansu</a></li>"
        "<li><a href='https://example.com/b'>Beijing opens a new subway line</a></li></ol>"
        "<h2>1. Solar farms spread across Gansu</h2><p>Gansu added ten gigawatts of solar "
        "panels. Officials expect more.</p><h2>2. Beijing opens a new subway line</h2>"
        "<p>The line links the airport with the centre. It cuts the trip to twenty "
        "minutes.</p></body></html>"
    )


def issue_text(month: str = "March 2024") -> str:
    return (
        f"This Month in China — {month}\n\n1. Solar farms spread across Gansu\n"
        "2. Beijing opens a new subway line\n\n1. Solar farms spread across Gansu\n"
        "Gansu added ten gigawatts of solar panels. Officials expect more.\n\n"
        "2. Beijing opens a new subway line\nThe line links the airport with the centre. "
        "It cuts the trip to twenty minutes.\n"
    )


# Pages ------------------------------------------------------------------------------------


async def test_a_page_is_parsed_as_an_issue(web_site: LocalWeb) -> None:
    web_site.serve("/issue", (ISSUES / "nine-items-2024-07.html").read_bytes())
    document = await fetch_document(
        web_site.url("/issue"), newsletter="This Month in China", limits=LOOPBACK
    )
    assert document.month == "2024-07"
    assert len(document.items) == 9


async def test_a_markdown_file_over_http_is_parsed(web_site: LocalWeb) -> None:
    web_site.serve("/raw/five.md", (ISSUES / "five-items-2024-05.md").read_bytes(), "text/plain")
    document = await fetch_document(web_site.url("/raw/five.md"), newsletter="T", limits=LOOPBACK)
    assert (document.month, len(document.items)) == ("2024-05", 5)


async def test_a_page_that_is_no_issue_names_the_url_and_the_reason(web_site: LocalWeb) -> None:
    web_site.serve("/about", "<html><body><p>We sell tea.</p></body></html>")
    url = web_site.url("/about")
    with pytest.raises(FetchError) as caught:
        await fetch_document(url, newsletter="T", limits=LOOPBACK)
    assert "no" in one_line(caught.value, url)


async def test_charset_only_in_a_meta_tag_decodes_the_page(web_site: LocalWeb) -> None:
    # windows-1251 bytes read as UTF-8 fail, and as cp1252 (the fallback) turn to noise.
    html = issue_html().replace("Officials expect more.", "Чиновники ждут большего.")
    body = html.replace("<head>", '<head><meta charset="windows-1251">').encode("cp1251")
    web_site.serve("/meta", body, "text/html")  # no charset in the header
    fetched = await fetch(web_site.url("/meta"), limits=LOOPBACK)
    assert fetched is not None and "Чиновники" in fetched.text()
    document = await fetch_document(web_site.url("/meta"), newsletter="T", limits=LOOPBACK)
    assert "Чиновники ждут большего." in document.items[0].body


async def test_chinese_page_with_gbk_declared_in_meta_decodes(web_site: LocalWeb) -> None:
    body = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">'
    body += "</head><body><p>本月中国新闻</p></body></html>"
    web_site.serve("/zh", body.encode("gbk"), "text/html")
    fetched = await fetch(web_site.url("/zh"), limits=LOOPBACK)
    assert fetched is not None and "本月中国新闻" in fetched.text()


async def test_the_header_charset_wins_over_the_meta_tag(web_site: LocalWeb) -> None:
    body = '<html><head><meta charset="utf-8"></head><body><p>caf\xe9</p></body></html>'
    web_site.serve("/header", body.encode("latin-1"), "text/html; charset=ISO-8859-1")
    fetched = await fetch(web_site.url("/header"), limits=LOOPBACK)
    assert fetched is not None and "café" in fetched.text()


async def test_a_page_with_site_chrome_still_parses(web_site: LocalWeb) -> None:
    chrome = "".join(f"<li><a href='/p{n}'>Section {n} of the site</a></li>" for n in range(12))
    html = issue_html().replace(
        "<body>", f"<body><nav><ul>{chrome}</ul></nav><aside><ol>{chrome}</ol></aside>"
    )
    html = html.replace("</body>", "<footer><p>Subscribe! Copyright 2024.</p></footer></body>")
    web_site.serve("/chrome", html)
    document = await fetch_document(web_site.url("/chrome"), newsletter="T", limits=LOOPBACK)
    titles = [item.title for item in document.items]
    assert "Solar farms spread across Gansu" in titles[0]
    assert not any("Section" in title for title in titles)


# Failures ---------------------------------------------------------------------------------


async def test_404_is_one_line(web_site: LocalWeb) -> None:
    url = web_site.url("/missing")
    with pytest.raises(FetchError) as caught:
        await fetch(url, limits=LOOPBACK)
    assert one_line(caught.value, url).endswith("HTTP 404 Not Found")


async def test_redirect_loop_is_named(web_site: LocalWeb) -> None:
    web_site.routes.update({"/a": redirect("/b"), "/b": redirect("/a")})
    url = web_site.url("/a")
    with pytest.raises(FetchError) as caught:
        await fetch(url, limits=LOOPBACK)
    assert "redirect loop" in one_line(caught.value, url)
    assert web_site.hits("/a") + web_site.hits("/b") <= 6


def redirect(to: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently(to)

    return handler


async def test_five_redirects_are_followed_and_a_sixth_is_refused(web_site: LocalWeb) -> None:
    web_site.routes.update({f"/r{n}": redirect(f"/r{n + 1}") for n in range(5)})
    web_site.serve("/r5", "<p>five hops</p>")
    fetched = await fetch(web_site.url("/r0"), limits=LOOPBACK)
    assert fetched is not None and fetched.url.endswith("/r5")
    web_site.routes["/r5"] = redirect("/r6")
    web_site.serve("/r6", "<p>six hops</p>")
    with pytest.raises(FetchError) as caught:
        await fetch(web_site.url("/r0"), limits=LOOPBACK)
    assert "more than 5 redirects" in one_line(caught.value, web_site.url("/r0"))


async def test_a_redirect_to_another_scheme_is_refused(web_site: LocalWeb) -> None:
    async def to_ftp(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("ftp://127.0.0.1/issue.txt")

    web_site.routes["/ftp"] = to_ftp
    with pytest.raises(FetchError) as caught:
        await fetch(web_site.url("/ftp"), limits=LOOPBACK)
    assert "redirected to" in str(caught.value) and "only http and https" in str(caught.value)


async def test_a_50_mb_body_stops_at_2_mb_without_being_read(web_site: LocalWeb) -> None:
    sent = 0

    async def huge(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)  # chunked: no Content-Length to go by
        chunk = b"<p>" + b"x" * (64 * 1024) + b"</p>"
        while sent < 50 * MB:
            await response.write(chunk)
            sent += len(chunk)
        return response

    web_site.routes["/huge"] = huge
    url = web_site.url("/huge")
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        await fetch(url, limits=LOOPBACK)
    assert one_line(caught.value, url).endswith("larger than 2 MB")
    assert time.monotonic() - started < 5
    await asyncio.sleep(0.2)  # the server notices the dropped connection
    assert sent < 12 * MB  # what socket buffers held, not the 50 MB


async def test_an_announced_50_mb_body_is_refused_before_reading(web_site: LocalWeb) -> None:
    async def declared(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/html", "Content-Length": str(50 * MB)}
        )
        await response.prepare(request)
        await response.write(b"<p>start</p>")
        await asyncio.sleep(30)
        return response

    web_site.routes["/declared"] = declared
    with pytest.raises(FetchError) as caught:
        await fetch(web_site.url("/declared"), limits=LOOPBACK)
    assert "larger than 2 MB (50,000,000 bytes announced)" in str(caught.value)


async def test_a_compressed_bomb_stops_at_2_mb_unpacked(web_site: LocalWeb) -> None:
    bomb = gzip.compress(b" " * (50 * MB))
    web_site.serve("/bomb", bomb, "text/plain", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError) as caught:
        await fetch(web_site.url("/bomb"), limits=LOOPBACK)
    assert "larger than 2 MB" in str(caught.value)


async def test_a_slow_body_hits_the_time_limit(web_site: LocalWeb) -> None:
    async def slow(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        for _ in range(100):
            await response.write(b"<p>drip</p>")
            await asyncio.sleep(0.1)
        return response

    web_site.routes["/slow"] = slow
    url = web_site.url("/slow")
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        await fetch(url, limits=Limits(timeout=0.5, allow_private=True))
    assert one_line(caught.value, url).endswith("no complete answer within 0.5 s")
    assert time.monotonic() - started < 2


async def test_the_default_limits_are_the_issue_s(web_site: LocalWeb) -> None:
    assert Limits() == Limits(max_bytes=2_000_000, timeout=15.0, max_redirects=5)


async def test_a_host_that_refuses_is_one_line() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/feed"
    with pytest.raises(FetchError) as caught:
        await fetch(url, limits=LOOPBACK)
    assert "cannot connect to 127.0.0.1 (connect call failed" in one_line(caught.value, url)


BAD_URLS = {
    "not a URL": ("example.com/feed.xml", "not a URL"),
    "words": ("my newsletter", "cannot contain spaces"),
    "javascript": ("javascript:alert(1)", "only http and https URLs can be fetched"),
    "ftp": ("ftp://example.com/issue.txt", "only http and https URLs can be fetched, not ftp:"),
    "file": ("file:///etc/passwd", "only http and https"),
    "no host": ("https:///path", "no host"),
    "too long": ("https://example.com/" + "a" * 2981, "longer than 2048 characters"),
    "empty": ("   ", "no URL given"),
}


@pytest.mark.parametrize("case", list(BAD_URLS))
async def test_bad_urls_are_refused_in_one_line_before_any_request(case: str) -> None:
    url, reason = BAD_URLS[case]
    with pytest.raises(FetchError) as caught:
        check_url(url)
    message = str(caught.value)
    assert reason in message and "\n" not in message and len(message) < 250
    with pytest.raises(FetchError):
        await fetch(url, limits=LOOPBACK)


def test_command_line_arguments_with_a_scheme_are_urls() -> None:
    assert looks_like_url("https://example.com/x")
    assert looks_like_url("javascript:alert(1)")
    assert looks_like_url("ftp://example.com")
    assert not looks_like_url("issues/2024-05.md")
    assert not looks_like_url(r"C:\issues\2024-05.md")


def test_file_names_carry_the_url_path_and_the_month() -> None:
    from datetime import UTC, datetime

    assert file_name("https://example.com/2024/05/issue-12") == "2024-05-issue-12"
    assert file_name("https://example.com/", datetime(2024, 3, 2, tzinfo=UTC)) == "index-2024-03"


# Conditional GET --------------------------------------------------------------------------


async def test_an_unchanged_resource_is_none_with_its_etag(web_site: LocalWeb) -> None:
    web_site.serve("/feed", rss([]), "application/rss+xml", headers={"ETag": '"v1"'})
    first = await fetch(web_site.url("/feed"), limits=LOOPBACK)
    assert first is not None and first.etag == '"v1"'
    assert await fetch(web_site.url("/feed"), etag=first.etag, limits=LOOPBACK) is None


async def test_last_modified_is_sent_back(web_site: LocalWeb) -> None:
    stamp = "Wed, 21 Oct 2015 07:28:00 GMT"

    async def handler(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-Modified-Since") == stamp:
            return web.Response(status=304)
        return web.Response(text="<p>x</p>", headers={"Last-Modified": stamp})

    web_site.routes["/lm"] = handler
    first = await fetch(web_site.url("/lm"), limits=LOOPBACK)
    assert first is not None and first.last_modified == stamp
    assert await fetch(web_site.url("/lm"), last_modified=stamp, limits=LOOPBACK) is None


# Feeds ------------------------------------------------------------------------------------


async def test_a_feed_lists_entries_oldest_first(web_site: LocalWeb) -> None:
    entries = [
        Entry("g1", "February", web_site.url("/feb"), "Thu, 01 Feb 2024 08:00:00 GMT"),
        Entry("g2", "March", web_site.url("/mar"), "Fri, 01 Mar 2024 08:00:00 GMT"),
    ]
    web_site.serve("/feed", rss(entries), "application/rss+xml")
    feed = await fetch_feed(web_site.url("/feed"), limits=LOOPBACK)
    assert feed is not None
    assert [e.key for e in feed.entries] == ["g1", "g2"]
    assert feed.title == "Masthead test feed"


async def test_a_feed_entry_with_full_content_is_the_issue(web_site: LocalWeb) -> None:
    entries = [
        Entry("old", "Old", web_site.url("/old"), "Thu, 01 Feb 2024 08:00:00 GMT"),
        Entry(
            "new",
            "New",
            web_site.url("/new"),
            "Fri, 01 Mar 2024 08:00:00 GMT",
            content=issue_html(),
        ),
    ]
    web_site.serve("/feed.xml", rss(entries), "application/rss+xml")
    document = await fetch_document(web_site.url("/feed.xml"), newsletter="T", limits=LOOPBACK)
    assert document.month == "2024-03"
    assert [item.title for item in document.items][1] == "Beijing opens a new subway line"
    assert web_site.hits("/new") == 0  # the content was in the feed


async def test_a_summary_only_entry_reads_the_linked_page(web_site: LocalWeb) -> None:
    web_site.serve("/issues/march", issue_html())
    entries = [Entry("m", "March", web_site.url("/issues/march"))]
    web_site.serve("/feed.xml", rss(entries), "text/xml")
    document = await fetch_document(web_site.url("/feed.xml"), newsletter="T", limits=LOOPBACK)
    assert len(document.items) == 2
    assert web_site.hits("/issues/march") == 1


async def test_malformed_xml_is_one_line(web_site: LocalWeb) -> None:
    web_site.serve(
        "/broken.xml",
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Oops</title><item><title>x',
        "application/rss+xml",
    )
    url = web_site.url("/broken.xml")
    with pytest.raises(FetchError) as caught:
        await fetch_feed(url, limits=LOOPBACK)
    message = one_line(caught.value, url)
    assert message.endswith(
        "not a readable feed (malformed XML at line 1, column 99: no element found)"
    )


async def test_a_page_is_not_a_feed(web_site: LocalWeb) -> None:
    web_site.serve("/page", issue_html())
    with pytest.raises(FetchError) as caught:
        await fetch_feed(web_site.url("/page"), limits=LOOPBACK)
    assert str(caught.value).endswith("not an RSS or Atom feed (it is a page)")


async def test_an_atom_feed_is_read(web_site: LocalWeb) -> None:
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Atom test</title><id>urn:feed</id><updated>2024-03-01T00:00:00Z</updated>"
        "<entry><title>March</title><id>urn:m</id><updated>2024-03-01T00:00:00Z</updated>"
        f'<link href="{web_site.url("/m")}"/><content type="html">'
        f"{escape_xml(issue_html())}</content></entry></feed>"
    )
    web_site.serve("/atom", atom, "application/atom+xml")
    document = await fetch_document(web_site.url("/atom"), newsletter="T", limits=LOOPBACK)
    assert len(document.items) == 2


def escape_xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

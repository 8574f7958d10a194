"""The preview page: the parts delivery posts, grouped in cards, escaped, self-contained."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag

from newsletter import IssueDocument, parse_issue
from newsletter.preview_page import VOTE_BUTTONS, issue_page, thread_name, web_url
from newsletter.render import render_issue
from tests.cogs.helpers import issue_text

HOSTILE_TITLE = "<script>document.title='pwned'</script> Solar farms"
HOSTILE_BODY = (
    "Read this @everyone and @here now. **<img src=x onerror=alert(1)>** "
    "Then </div></article><h1>broken out</h1> & more."
)


def soup(document: IssueDocument) -> BeautifulSoup:
    return BeautifulSoup(issue_page(document), "html.parser")


def texts(page: BeautifulSoup, selector: str) -> list[str]:
    return [node.get_text() for node in page.select(selector)]


def with_first_item(document: IssueDocument, **changes: Any) -> IssueDocument:
    first = dataclasses.replace(document.items[0], **changes)
    return dataclasses.replace(document, items=(first, *document.items[1:]))


def test_sample_page_shows_every_posted_part_in_its_card(sample: IssueDocument) -> None:
    page = soup(sample)
    parts = render_issue(sample)
    assert len(page.select("article.item-card")) == 7
    assert len(page.select("article.header-card")) == 1
    assert len(page.select("article.extra-card")) == len(sample.extras) == 1
    # Every message, in posting order, with the embed text exactly as posted.
    assert [m["data-key"] for m in page.select(".message")] == [p.key for p in parts]
    embeds = [e for p in parts for e in p.embeds]
    assert texts(page, ".embed-title") == [e["title"] for e in embeds]
    # Discord shows the bot's **bold** as bold: the page too, without the asterisks.
    shown = [re.sub(r"\*\*(.+?)\*\*", r"\1", e["description"]) for e in embeds]
    assert texts(page, ".embed-description") == shown
    assert texts(page, ".embed-footer") == [e["footer"]["text"] for e in embeds]
    fields = [f for e in embeds for f in e.get("fields", [])]
    assert texts(page, ".field-name") == [f["name"] for f in fields]
    assert texts(page, ".field-value") == [f["value"] for f in fields]
    assert page.select_one(".thread-start strong").get_text() == thread_name(sample)  # type: ignore[union-attr]


def test_the_header_is_in_the_channel_and_the_rest_in_the_thread(sample: IssueDocument) -> None:
    page = soup(sample)
    thread = page.select_one("section.thread")
    assert isinstance(thread, Tag)
    assert not thread.select("article.header-card")
    assert len(thread.select("article.item-card")) == 7
    # The header embed's bold editorial heading is bold on the page, without asterisks.
    header = page.select_one("article.header-card .embed-description")
    assert isinstance(header, Tag)
    assert header.select_one("strong").get_text() == sample.editorial.heading  # type: ignore[union-attr]
    assert "**" not in header.get_text()


def test_vote_buttons_go_under_each_items_last_message_only(sample: IssueDocument) -> None:
    long_body = " ".join(f"Sentence number {n} about the solar farms." for n in range(300))
    document = with_first_item(sample, body=long_body, summary="Solar farms.")
    page = soup(document)
    first = page.select_one('article.item-card[data-number="1"]')
    assert isinstance(first, Tag)
    messages = first.select(".message")
    assert len(messages) >= 2  # over Discord's 4096 characters: it flows on
    assert messages[1].select_one(".embed-title").get_text().endswith("(continued)")  # type: ignore[union-attr]
    labels = [[b.get_text() for b in m.select(".button")] for m in messages]
    assert labels[:-1] == [[]] * (len(messages) - 1)
    assert labels[-1] == [f"{emoji} {label}" for emoji, label in VOTE_BUTTONS]
    assert f"{len(messages)} messages" in first.select_one(".card-label").get_text()  # type: ignore[union-attr]
    assert not page.select("article.header-card .button, article.extra-card .button")


def test_warnings_come_before_any_message() -> None:
    document = parse_issue(issue_text().encode(), filename="2024-01.txt")
    assert document.warnings
    html = issue_page(document)
    page = BeautifulSoup(html, "html.parser")
    assert texts(page, ".warnings li") == [f"⚠ {w}" for w in document.warnings]
    assert html.index('class="warnings"') < html.index('class="message"')


def test_the_sample_has_no_warnings_block(sample: IssueDocument) -> None:
    assert not sample.warnings
    assert not soup(sample).select(".warnings")


def test_hostile_text_stays_text(sample: IssueDocument) -> None:
    document = with_first_item(
        sample, title=HOSTILE_TITLE, body=HOSTILE_BODY, url="javascript:alert(1)"
    )
    html = issue_page(document)
    page = BeautifulSoup(html, "html.parser")
    assert not page.select("script, img, h1:not(.banner h1)")
    assert len(page.select("h1")) == 1  # the page's own title only
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html
    assert "javascript:" not in " ".join(str(a.get("href")) for a in page.select("a"))
    card = page.select_one('article.item-card[data-number="1"]')
    assert isinstance(card, Tag)
    assert HOSTILE_TITLE in card.get_text()
    # Discord would not ping: the bot breaks mass mentions, and the page shows that text.
    assert "@everyone" not in html and "@here" not in html
    assert "@\u200beveryone" in card.get_text()
    # The page still holds all its cards: nothing closed them early.
    assert len(page.select("article.item-card")) == 7


def test_hostile_newsletter_name_and_title_are_escaped(sample: IssueDocument) -> None:
    document = dataclasses.replace(
        sample, newsletter='News"><script>x</script>', title="</title><script>y</script>"
    )
    page = soup(document)
    assert not page.select("script")
    assert page.title is not None and "<script>y</script>" in page.title.get_text()


def test_only_web_links_become_links(sample: IssueDocument) -> None:
    document = with_first_item(sample, url="https://example.org/a?b=1&c=2")
    page = soup(document)
    [link] = page.select("a")
    assert link["href"] == "https://example.org/a?b=1&c=2"
    assert "noopener" in link["rel"]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,<script>1</script>",
        'https://x.org/" onmouseover="alert(1)',
        "ftp://example.org/",
        "",
        None,
        42,
    ],
)
def test_web_url_refuses_anything_but_http(url: object) -> None:
    assert web_url(url) is None


def test_web_url_keeps_http_and_https() -> None:
    assert web_url("http://example.org/x") == "http://example.org/x"
    assert web_url("HTTPS://example.org/") == "HTTPS://example.org/"


def test_the_page_loads_nothing_from_anywhere(sample: IssueDocument) -> None:
    document = with_first_item(sample, url="https://example.org/story")
    html = issue_page(document)
    page = BeautifulSoup(html, "html.parser")
    assert not page.select("script, link, img, iframe, object, embed, video, audio, source")
    assert not re.search(r"@import|url\(|src=", html, re.IGNORECASE)
    policy = page.select_one('meta[http-equiv="Content-Security-Policy"]')
    assert policy is not None and "default-src 'none'" in str(policy["content"])


def test_same_document_same_page(sample: IssueDocument) -> None:
    assert issue_page(sample) == issue_page(dataclasses.replace(sample))

"""Layouts beyond one numbered list: numbering styles, numbering that restarts per section,
one heading per story, digests of linked bullets, and Markdown read as CommonMark."""

import pytest

from newsletter import parse_issue
from newsletter.parse import detect_format
from tests.newsletter.issue_data import all_text

SUBJECTS = [
    "phones",
    "batteries",
    "satellites",
    "trains",
    "robots",
    "drones",
    "chips",
    "rockets",
    "scooters",
    "printers",
    "cameras",
    "routers",
    "watches",
    "speakers",
]


def sectioned(style: str, counts: tuple[int, ...] = (3, 2)) -> str:
    """A Markdown issue whose items are numbered in `style` ('1、', '#1'…), restarting at 1
    under each '## Section N' heading."""
    parts = ["# Tech Weekly — 2024-07-19", "", "Our editor's note for this week.", ""]
    subjects = iter(SUBJECTS)
    for s, count in enumerate(counts, start=1):
        parts += [f"## Section {s}", ""]
        for n in range(1, count + 1):
            number = style.replace("1", str(n))
            subject = next(subjects)
            parts += [
                f"{number} [News about {subject}](https://example.com/{s}/{n})",
                "",
                f"Text of story {s}.{n}, which explains what happened.",
                "",
            ]
    return "\n".join(parts)


@pytest.mark.parametrize("style", ["1.", "1)", "1、", "01、", "#1", "(1)", "（1）", "No. 1"])
def test_every_numbering_style_restarting_per_section(style: str) -> None:
    doc = parse_issue(sectioned(style))
    assert [item.number for item in doc.items] == [1, 2, 3, 4, 5]
    assert [item.title for item in doc.items] == [
        "News about phones",
        "News about batteries",
        "News about satellites",
        "News about trains",
        "News about robots",
    ]
    assert [item.section for item in doc.items] == ["Section 1"] * 3 + ["Section 2"] * 2
    assert doc.items[3].url == "https://example.com/2/1"
    assert doc.items[3].body == "Text of story 2.1, which explains what happened."
    assert doc.month == "2024-07"


def test_restarting_sections_are_not_chained_into_one_list() -> None:
    doc = parse_issue(sectioned("1、", counts=(6, 8)))
    assert len(doc.items) == 14
    assert doc.items[6].title == "News about chips"
    assert doc.items[6].section == "Section 2"
    assert doc.layout == "14 entries numbered '1、' in 2 sections"


def test_a_nested_numbered_list_stays_in_its_items_body() -> None:
    text = """# Weekly — 2024-03-08

## News

1. [Chip exports fall](https://example.com/chips)

   Exports fell for the third month.

   1. Memory chips fell most.
   2. Logic chips held up.
   3. Analog chips rose.
   4. Power chips fell too.

2. [Rail line opens](https://example.com/rail)

   The line links two cities.
"""
    doc = parse_issue(text)
    assert [item.title for item in doc.items] == ["Chip exports fall", "Rail line opens"]
    assert doc.items[0].body.endswith("4. Power chips fell too.")
    assert "1. Memory chips fell most." in doc.items[0].body


STORIES = """# The Maker Monthly: May 2024

A short note from the editor about this month.

## Printers get faster

A new printer prints a phone case in four minutes. It went on sale in Shenzhen this week.

Early buyers say the noise is the only drawback of the machine.

## A robot that folds laundry

Researchers showed a robot that folds a shirt in thirty seconds, twice as fast as last year.

## Book of the month: Making Things

A guide to small workshops, from tools to safety, written for complete beginners.
"""


def test_one_heading_per_story() -> None:
    doc = parse_issue(STORIES)
    assert [item.title for item in doc.items] == [
        "Printers get faster",
        "A robot that folds laundry",
        "Book of the month: Making Things",
    ]
    assert doc.items[0].body.startswith("A new printer prints")
    assert doc.items[0].body.endswith("drawback of the machine.")
    assert all(item.section is None for item in doc.items)  # stories directly under the title
    assert doc.editorial is not None
    assert doc.editorial.body == "A short note from the editor about this month."
    assert doc.layout == "3 stories under their own headings in 1 section"


DIGEST = """# Link Digest — 2024-11-02

Welcome to this week's links.

## Articles

- [Why caching is hard](https://example.com/caching) - a long read on invalidation
- [video] [Async in ten minutes](https://example.com/async)
- 📦 [Tiny crate released](https://example.com/tiny)
  - with a nested note that stays in the item

## Tools

- [disposition: merge] [A linter for YAML](https://example.com/yaml)
- Someone said something without a link.
- [Second tool](https://example.com/tool2)
- [Third tool](https://example.com/tool3)

## Events

- 2024-11-05 | Berlin | [Meetup](https://example.com/meetup)
- 2024-11-06 | Paris | [Meetup](https://example.com/paris)
"""


def test_digest_of_linked_bullets_by_section() -> None:
    doc = parse_issue(DIGEST)
    assert [(item.section, item.title, item.url) for item in doc.items] == [
        ("Articles", "Why caching is hard", "https://example.com/caching"),
        ("Articles", "Async in ten minutes", "https://example.com/async"),
        ("Articles", "Tiny crate released", "https://example.com/tiny"),
        ("Tools", "A linter for YAML", "https://example.com/yaml"),
        ("Tools", "Second tool", "https://example.com/tool2"),
        ("Tools", "Third tool", "https://example.com/tool3"),
    ]
    assert doc.items[0].body == "Why caching is hard - a long read on invalidation"
    assert doc.warnings == ("1 list entries without a link were left out of the digest",)
    assert "with a nested note that stays in the item" in doc.items[2].body
    # A section whose entries do not open with links is no digest: an extra.
    assert [extra.heading for extra in doc.extras] == ["Events"]
    assert doc.layout == "6 linked bullets in 2 sections"


def test_markdown_with_inline_html_is_read_as_markdown() -> None:
    text = """<p align="center"><img src="logo.png"></p>

# Weekly — 2024-05-03<br>

Hello readers.<br>See you next week.

## News

- [First link](https://example.com/1)<br>
- [Second link](https://example.com/2)
"""
    assert detect_format(text) == "markdown"
    doc = parse_issue(text)
    assert [item.title for item in doc.items] == ["First link", "Second link"]
    assert "<" not in all_text(doc)
    assert doc.editorial is not None
    assert doc.editorial.body == "Hello readers. See you next week."


def test_commonmark_links_comments_and_emphasis() -> None:
    text = """# Weekly — 2024-05-03

Intro text of the week.

<!-- a note to the editors: drafts go in the next branch -->

## Reading

- [Functions (the basics)](https://en.wikipedia.org/wiki/Function_(mathematics))
- [***Very* important** update](<https://example.com/a b>)
- [Escaped \\[brackets\\]](https://example.com/e "with a title")
"""
    doc = parse_issue(text)
    assert [(item.title, item.url) for item in doc.items] == [
        ("Functions (the basics)", "https://en.wikipedia.org/wiki/Function_(mathematics)"),
        ("Very important update", "https://example.com/a b"),
        ("Escaped [brackets]", "https://example.com/e"),
    ]
    assert "drafts" not in all_text(doc)
    assert "*" not in all_text(doc)


def test_html_table_of_contents_is_not_the_item_list() -> None:
    html = """<!doctype html><html><head><title>Weekly 2018-10-14</title>
<meta property="article:published_time" content="2018-10-14T08:00:00Z"></head><body>
<div class="sidebar"><ul><li><a href="/a">Archive</a></li></ul></div>
<main><h1>Weekly</h1>
<ol><li><a href="#tools">Tools</a></li><li><a href="#news">News</a></li></ol>
<h2 id="tools">Tools</h2><ul>
<li><a href="https://example.com/t1">Tool one</a>: a tool.</li>
<li><a href="https://example.com/t2">Tool two</a>: another one.</li></ul>
<h2 id="news">News</h2><ul>
<li><a href="https://example.com/n1">News one</a></li></ul>
</main><footer>© 2018</footer></body></html>"""
    doc = parse_issue(html)
    assert [(item.section, item.title) for item in doc.items] == [
        ("Tools", "Tool one"),
        ("Tools", "Tool two"),
        ("News", "News one"),
    ]
    assert doc.month == "2018-10"
    assert "Archive" not in all_text(doc)


def test_noise_sections_and_advertisements_are_dropped() -> None:
    text = """# Weekly — 2024-05-03

Intro text of the week.

## Cover image

![](cover.png)

A lake at dawn, photographed by a reader.

## Links

- [Real link](https://example.com/real)
- [Sponsor this newsletter](https://example.com/ads) (ad)
  > Reach ten thousand developers every week.
- [Another real link](https://example.com/real2)

Trying to hire? You should [advertise with us](https://example.com/advertise)!

## 往年回顾

- [去年的今天](https://example.com/last-year)

## Subscribe

Get this in your inbox every Friday.
"""
    doc = parse_issue(text)
    assert [item.title for item in doc.items] == ["Real link", "Another real link"]
    text_now = all_text(doc)
    for noise in ("lake at dawn", "Sponsor", "ten thousand", "advertise", "去年", "inbox"):
        assert noise not in text_now


def test_the_layout_is_the_one_that_explains_most_of_the_text() -> None:
    # A numbered list inside one story must not turn the stories into a numbered issue.
    text = """# Tools Monthly — June 2024

## [First tool](https://example.com/first)

The first tool indexes source code for search across many repositories at once, and
it answers a query in milliseconds.

1. It is fast.
2. It is small.

## [Second tool](https://example.com/second)

The second tool formats configuration files and checks them against a schema before
they are deployed.
"""
    doc = parse_issue(text)
    assert [item.title for item in doc.items] == ["First tool", "Second tool"]
    assert doc.items[0].body.endswith("2. It is small.")


EMAIL = """<!doctype html><html><head><title>Friday Digest, 2024-03-08</title></head>
<body><table role="presentation" width="100%"><tr><td align="center">
<table width="600"><tr><td class="header"><img src="logo.png" alt="Friday Digest"></td></tr>
<tr><td><p>Hello again. Three stories caught our eye this week, and one of them is about
tea, which pleases the whole team.</p></td></tr>
<tr><td><h2><a href="https://example.com/ferry">The electric ferry enters service</a></h2>
<p>The largest battery-powered ferry started daily crossings on Monday, carrying cars and
passengers across the estuary.</p></td></tr>
<tr><td><h2><a href="https://example.com/tea">Tea auctions move online</a></h2>
<p>The last open-outcry tea auction closed this week; bidding now happens on a web platform
run by the brokers themselves.</p></td></tr>
<tr><td><h2><a href="https://example.com/rail">A night train returns</a></h2>
<p>A night train linking the capital with the coast runs again after twelve years, three
times a week in summer.</p></td></tr>
<tr><td class="footer"><p>You received this e-mail because you subscribed to our
newsletter. <a href="https://example.com/unsubscribe">Unsubscribe</a></p></td></tr>
</table></td></tr></table></body></html>"""


def test_an_email_laid_out_in_tables() -> None:
    doc = parse_issue(EMAIL)
    assert [(item.title, item.url) for item in doc.items] == [
        ("The electric ferry enters service", "https://example.com/ferry"),
        ("Tea auctions move online", "https://example.com/tea"),
        ("A night train returns", "https://example.com/rail"),
    ]
    assert doc.items[1].body.startswith("The last open-outcry tea auction closed")
    assert doc.month == "2024-03"
    assert doc.editorial is not None and doc.editorial.body.startswith("Hello again.")
    assert "subscribed" not in all_text(doc) and "Unsubscribe" not in all_text(doc)

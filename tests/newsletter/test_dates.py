"""Which month an issue is for: the month given, metadata, a date line, the file name."""

import pytest

from newsletter import IssueFormatError, parse_issue

ITEMS = """
## News

- [First story](https://example.com/1)
- [Second story](https://example.com/2)
"""


def issue(header: str, items: str = ITEMS) -> str:
    return f"{header}\n\nA short introduction to this issue.\n{items}"


@pytest.mark.parametrize(
    ("header", "month"),
    [
        ("# 科技爱好者周刊：2021年10月", "2021-10"),
        ("# 科技周刊 2021 年 3 月 5 日", "2021-03"),
        ("# Weekly — 2024-07-17", "2024-07"),
        ("# Weekly, 2024/07/17", "2024-07"),
        ("# Weekly of March 4, 2017", "2017-03"),
        ("# Weekly of 4 March 2017", "2017-03"),
        ("# Weekly — December 2023", "2023-12"),
    ],
)
def test_date_line_in_english_chinese_or_iso(header: str, month: str) -> None:
    assert parse_issue(issue(header)).month == month


def test_a_weekly_issue_takes_the_month_of_its_date() -> None:
    doc = parse_issue(issue("# Weekly — 2024-07-31"))
    assert (doc.month, doc.title) == ("2024-07", "July 2024")


@pytest.mark.parametrize(
    "front",
    [
        "---\ntitle: Weekly 12\ndate: 2024-07-17\n---\n",
        '+++\ntitle = "Weekly 12"\ndate = 2024-07-17\n+++\n',
        "Title: Weekly 12\nDate: 2024-07-17\nCategory: Weekly\n\n",
        '{:title "Weekly 2024-07-17"\n:layout :post}\n',
    ],
    ids=["yaml", "toml", "pelican", "edn"],
)
def test_front_matter_dates(front: str) -> None:
    doc = parse_issue(front + issue("# Weekly"))
    assert doc.month == "2024-07"
    assert "Weekly 12" not in (doc.editorial.body if doc.editorial else "")


def test_front_matter_beats_a_date_line_in_the_text() -> None:
    text = "Title: Weekly\nDate: 2024-07-17\n\n" + issue("# Weekly — June 2024")
    assert parse_issue(text).month == "2024-07"


def test_a_month_field_beats_the_publication_date() -> None:
    # A monthly issue published early next month is the previous month's issue.
    front = '+++\ntitle = "Rust OSDev"\ndate = 2023-02-07\n[extra]\nmonth = "January 2023"\n+++\n'
    assert parse_issue(front + issue("# Rust OSDev")).month == "2023-01"


def test_a_month_in_the_title_beats_the_publication_date() -> None:
    front = "---\ntitle: This Month in Tools, January 2024\ndate: 2024-02-08\n---\n"
    assert parse_issue(front + issue("# Tools")).month == "2024-01"


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="article:published_time" content="2024-07-17T09:00:00+08:00">',
        '<meta name="date" content="Wed, 17 Jul 2024 09:00:00 GMT">',
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"datePublished": "2024-07-17"}</script>',
    ],
    ids=["article-meta", "rfc2822-meta", "json-ld"],
)
def test_html_metadata_dates(head: str) -> None:
    html = (
        f"<!doctype html><html><head><title>Weekly</title>{head}</head><body>"
        "<h1>Weekly</h1><p>Intro.</p><h2>News</h2><ul>"
        '<li><a href="https://example.com/1">One</a></li>'
        '<li><a href="https://example.com/2">Two</a></li></ul></body></html>'
    )
    assert parse_issue(html).month == "2024-07"


def test_html_time_element_outside_the_page_chrome() -> None:
    html = (
        "<!doctype html><html><body><footer><time datetime='2020'>2020</time></footer>"
        "<main><h1>Weekly</h1><p>Published <time datetime='2024-07-17'>today</time>.</p>"
        "<h2>News</h2><ul><li><a href='https://example.com/1'>One</a></li>"
        "<li><a href='https://example.com/2'>Two</a></li></ul></main></body></html>"
    )
    assert parse_issue(html).month == "2024-07"


def test_the_month_given_overrides_every_date() -> None:
    text = "Title: Weekly\nDate: 2024-07-17\n\n" + issue("# Weekly — June 2024")
    doc = parse_issue(text, month="2024-08")
    assert (doc.month, doc.title) == ("2024-08", "August 2024")


@pytest.mark.parametrize("month", ["2024-13", "July 2024", "24-07", ""])
def test_a_month_given_must_be_year_and_month(month: str) -> None:
    with pytest.raises(IssueFormatError, match="is not a month like 2024-07"):
        parse_issue(issue("# Weekly"), month=month or " ")


def test_file_name_is_the_last_resort_with_a_warning() -> None:
    doc = parse_issue(issue("# Weekly"), filename="weekly-2024-05-03.md")
    assert doc.month == "2024-05"
    assert doc.warnings == ("month taken from the file name 'weekly-2024-05-03.md'",)


def test_a_date_inside_a_story_is_not_the_issues_date() -> None:
    items = ITEMS + "- [Third story](https://example.com/3), released on 2019-12-18\n"
    with pytest.raises(IssueFormatError, match="no date: pass --month"):
        parse_issue(issue("# Weekly", items))


def test_no_date_is_refused_naming_what_was_found() -> None:
    sections = []
    for s in range(7):
        entries = [f"{n}、[话题 {s}-{n}](https://example.com/{s}/{n})" for n in range(1, 6)]
        sections.append(f"## 栏目 {s}\n\n" + "\n\n".join(entries))
    sections[0] += "\n\n6、[话题 0-6](https://example.com/0/6)\n\n7、[话题 0-7](https://e.com/7)"
    text = "# 周刊\n\n本期导读。\n\n" + "\n\n".join(sections)
    with pytest.raises(IssueFormatError) as caught:
        parse_issue(text)
    assert str(caught.value) == (
        "found 37 entries numbered '1、' in 7 sections but no date: pass --month"
    )

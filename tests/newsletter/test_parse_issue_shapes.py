"""Shapes of issues not covered by the files: headings only, wrapped text, format override."""

import pytest

from newsletter import IssueFormatError, parse_issue
from newsletter.parse import detect_format

HEADINGS_ONLY_MARKDOWN = """# This Month in China – June 2024

## A Hot Summer

Record heat closed schools in Henan for three days.

## 1. BYD opens a plant in Thailand

BYD opened its first South-East Asian car factory in Rayong.

It can build 150,000 cars a year.

## 2. Beijing approves a Level 3 driving pilot

Nine carmakers may now test cars that drive themselves on Beijing's ring roads.

## 3. Xiaomi delivers 10,000 SU7 cars

Xiaomi delivered its 10,000th SU7 sedan two months after launch.
"""


def test_items_given_only_as_numbered_headings() -> None:
    doc = parse_issue(HEADINGS_ONLY_MARKDOWN)
    assert [item.title for item in doc.items] == [
        "BYD opens a plant in Thailand",
        "Beijing approves a Level 3 driving pilot",
        "Xiaomi delivers 10,000 SU7 cars",
    ]
    assert doc.items[0].body == (
        "BYD opened its first South-East Asian car factory in Rayong.\n\n"
        "It can build 150,000 cars a year."
    )
    assert doc.items[2].body == "Xiaomi delivered its 10,000th SU7 sedan two months after launch."
    assert doc.editorial is not None and doc.editorial.heading == "A Hot Summer"


def test_plain_text_with_numbered_headings_and_no_list() -> None:
    text = (
        "April 2024\nTHE EDITORIAL\nA calm month.\n"
        "1. First story\nThe first story happened.\n2. Second story\nThe second story too.\n"
    )
    doc = parse_issue(text)
    assert [(i.title, i.body) for i in doc.items] == [
        ("First story", "The first story happened."),
        ("Second story", "The second story too."),
    ]


def test_hard_wrapped_text_is_rejoined_into_paragraphs() -> None:
    text = (
        "August 2024\n\n"
        "1. Guangdong tests a hydrogen tram line\n"
        "2. Lhasa gets a new airport terminal\n\n"
        "Guangdong started testing a hydrogen-powered tram line in Foshan this\n"
        "week, carrying passengers between two metro stations without overhead\n"
        "wires and refuelling once a day.\n\n"
        "Lhasa's Gonggar airport opened a terminal three times the size of the\n"
        "old one, ready for the expected growth in tourism to Tibet.\n"
    )
    doc = parse_issue(text)
    assert doc.items[0].body.startswith("Guangdong started testing")
    assert "\n" not in doc.items[0].body
    assert doc.items[1].body.endswith("tourism to Tibet.")


def test_html_headings_matching_titles_win_without_numbers() -> None:
    html = (
        "<html><body><h1>September 2024</h1><p>Editorial text here.</p><ol>"
        "<li>Chery exports one million cars</li><li>Tianjin port adds a robot berth</li></ol>"
        "<h3>Chery exports one million cars</h3><p>Only a short note.</p>"
        "<h3>Tianjin port adds a robot berth</h3><p>Chery is mentioned here too.</p>"
        "</body></html>"
    )
    doc = parse_issue(html)
    assert [i.body for i in doc.items] == ["Only a short note.", "Chery is mentioned here too."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<html><body><p>x</p><div>y</div></body></html>", "html"),
        ("# Title\n\nText", "markdown"),
        ("See [the site](https://example.com)", "markdown"),
        ("December 2023\n1. Item", "text"),
        ("Price < 5 and > 3", "text"),
    ],
)
def test_format_detection(text: str, expected: str) -> None:
    assert detect_format(text) == expected


def test_format_override_reads_markdown_as_plain_text() -> None:
    text = "# May 2024\n\n1. [Linked](https://example.com/x)\n2. Other\n\nBody one.\n\nBody two.\n"
    as_markdown = parse_issue(text)
    as_text = parse_issue(text, fmt="text")
    assert as_markdown.items[0].title == "Linked"
    assert as_markdown.items[0].url == "https://example.com/x"
    assert as_text.items[0].title == "[Linked](https://example.com/x)"


def test_month_can_come_from_the_file_name() -> None:
    doc = parse_issue("1. One\n2. Two\nFirst.\nSecond.\n", filename="issue-2022-02.txt")
    assert doc.month == "2022-02"
    assert any("file name" in w for w in doc.warnings)


@pytest.mark.parametrize(
    ("line", "month"),
    [
        ("CHINESE INNOVATION NEWS – DECEMBER 2023", "2023-12"),
        ("“This Month in China” — Sept. 2021", "2021-09"),
        ("Issue of March, 2020", "2020-03"),
    ],
)
def test_month_lines(line: str, month: str) -> None:
    doc = parse_issue(f"{line}\n1. One\n2. Two\nFirst.\nSecond.\n")
    assert doc.month == month


def test_custom_newsletter_name() -> None:
    doc = parse_issue("May 2024\n1. One\n2. Two\nFirst.\nSecond.\n", newsletter="Tech Weekly")
    assert doc.newsletter == "Tech Weekly"


def test_middle_item_without_text_is_reported() -> None:
    text = "May 2024\n1. Apples\n2. Pears\n3. Plums\n1. Apples\nFirst.\n3. Plums\nThird.\n"
    with pytest.raises(IssueFormatError, match="item 2 listed but its text is missing"):
        parse_issue(text)


def test_section_heading_before_the_texts_is_not_item_text() -> None:
    text = (
        "May 2024\n1. Apples grow in Yantai\n2. Pears ripen in Korla\nTHE NEWS IN DETAIL\n"
        "Yantai apple farmers expect a record harvest.\nKorla pears are sweeter this year.\n"
    )
    doc = parse_issue(text)
    assert [i.body for i in doc.items] == [
        "Yantai apple farmers expect a record harvest.",
        "Korla pears are sweeter this year.",
    ]


def test_a_line_starting_like_a_comment_age_inside_a_body_is_kept() -> None:
    text = (
        "May 2024\n1. Printing\n2. Robots\n"
        "Factories print parts.\n3d printing grew fast in Xi'an this month.\n"
        "Robots weld cars in Hefei.\n"
    )
    doc = parse_issue(text)
    assert "3d printing grew fast" in doc.items[0].body
    assert doc.items[1].body == "Robots weld cars in Hefei."


def test_a_short_body_under_a_title_of_the_same_length_is_the_items_text() -> None:
    # Two lines of about the same length read like one wrapped paragraph; the repeated
    # title at its start still marks where the item's text begins.
    titles = [f"Chengdu district {n} reports a record harvest" for n in (1, 2, 3)]
    listed = "\n".join(f"{n}. {t}" for n, t in enumerate(titles, 1))
    texts = "\n\n".join(
        f"{n}. {t}\nThe yield in district {n} rose by a tenth." for n, t in enumerate(titles, 1)
    )
    doc = parse_issue(f"May 2024\n\n{listed}\n\n{texts}\n")
    assert [item.title for item in doc.items] == titles
    assert [item.body for item in doc.items] == [
        f"The yield in district {n} rose by a tenth." for n in (1, 2, 3)
    ]

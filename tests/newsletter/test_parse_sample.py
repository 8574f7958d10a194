"""The December 2023 issue exactly as copied from the newsletter's web page."""

import pytest

from newsletter import IssueDocument
from tests.newsletter.issue_data import all_text

TITLES = [
    "Chinese scientists develop powerful hydrogen therapy that could reverse ageing",
    "Chinese scientists use genetics to boost iron content of corn, offer hope to anaemia "
    "sufferers worldwide",
    "Xiaomi founder Lei Jun ready to take on Tesla in the EV market",
    "China memory chip maker CXMT makes strides in DRAM Technology",
    "China releases guideline on upgrading traditional manufacturing industries",
    "China targets ‘future industries’ in 2024 and ‘digital push’ by 2026",
    "Generative AI updates from China (Dec 2023)",
]

STARTS = [
    "Reverse ageing.",
    "Chinese scientists created a gene-based method",
    "Xiaomi phones are known",
    "ChangXin Memory Technologies",
    "China has released a guideline",
    "Beijing aims to boost",
    "Moore Threads Intelligent Technology",
]

ENDS = [
    "it’s a must for China.",
    "where corn is the staple food.",
    "the hardest part of the decision.",
    "heat up the tech war between China and the US.",
    "as the factories in Europe or America is a fool.",
    "service factory of the world.",
    "helping create one of the nation’s leaders in facial and image recognition.",
]


def test_month_and_title(sample: IssueDocument) -> None:
    assert sample.month == "2023-12"
    assert sample.title == "December 2023"
    assert sample.newsletter == "This Month in China"


def test_item_titles_come_from_the_numbered_list(sample: IssueDocument) -> None:
    assert [item.title for item in sample.items] == TITLES
    assert [item.number for item in sample.items] == list(range(1, 8))


@pytest.mark.parametrize("index", range(7))
def test_each_body_starts_and_ends_where_the_item_does(sample: IssueDocument, index: int) -> None:
    body = sample.items[index].body
    assert body.startswith(STARTS[index])
    assert body.endswith(ENDS[index])


def test_bodies_do_not_overlap_and_lose_no_paragraph(sample: IssueDocument) -> None:
    paragraphs = [p for item in sample.items for p in item.body.split("\n\n")]
    assert len(paragraphs) == len(set(paragraphs))
    # 23 body lines for items 1-6 plus 12 for item 7 in the source, minus no noise lines.
    assert "Recommended by LinkedIn" not in paragraphs
    assert all(p.strip() == p and p for p in paragraphs)


def test_last_item_stops_before_the_editors_closing_line(sample: IssueDocument) -> None:
    assert "If you know of any other" not in sample.items[-1].body


def test_editorial(sample: IssueDocument) -> None:
    assert sample.editorial is not None
    assert sample.editorial.heading == "Neighbours"
    assert sample.editorial.body.startswith("Xi Jinping made four international visits in 2023.")
    assert sample.editorial.body.endswith("– as has China.")
    assert "CHINESE INNOVATION NEWS" not in sample.editorial.body
    assert 0 < len(sample.editorial.summary) <= 400


def test_interview_extra(sample: IssueDocument) -> None:
    assert [extra.heading for extra in sample.extras] == [
        "Recommended interview of the month: TEMU"
    ]
    body = sample.extras[0].body
    assert body.startswith("I was invited for a panel discussion")
    assert body.endswith("Worth a watch! Link on YouTube")


@pytest.mark.parametrize(
    "noise",
    [
        "Recommended by LinkedIn",
        "Subscribe",
        "Click the links",
        "If you know of any other",
        "11mo",
        "Nelson Mandela",
        "HPLC",
        "Bandhan Bank",
        "Sr. Account Manager",
        "SCIENCE OR HERBAL",
        "Absolutely inspiring",
    ],
)
def test_noise_and_comments_appear_in_no_field(sample: IssueDocument, noise: str) -> None:
    assert noise not in all_text(sample)


def test_xiaomi_take_holds_the_editors_opinion(sample: IssueDocument) -> None:
    xiaomi = sample.items[2]
    assert xiaomi.take is not None
    assert "I always envisioned" in xiaomi.take
    assert "I always envisioned" not in xiaomi.summary


def test_items_without_first_person_have_no_take(sample: IssueDocument) -> None:
    assert sample.items[0].take is None
    assert sample.items[3].take is None


def test_summaries_are_short_and_come_from_their_own_item(sample: IssueDocument) -> None:
    for item in sample.items:
        assert 0 < len(item.summary) <= 400
        assert item.summary.split(". ")[0] in item.body


def test_roundup_summary_covers_several_updates(sample: IssueDocument) -> None:
    roundup = sample.items[6]
    paragraphs = roundup.body.split("\n\n")
    touched = {i for i, p in enumerate(paragraphs) for s in roundup.summary.split(". ") if s in p}
    assert len(touched) >= 2


def test_no_warnings_and_no_urls(sample: IssueDocument) -> None:
    assert sample.warnings == ()
    assert all(item.url is None for item in sample.items)

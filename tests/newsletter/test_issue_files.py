"""Issues in other shapes than the sample: one per file under tests/data/issues/."""

import pytest

from newsletter import IssueDocument, parse_issue
from newsletter.summarize import split_sentences
from tests.newsletter.issue_data import ISSUES, all_text


def load(name: str) -> IssueDocument:
    path = ISSUES / name
    return parse_issue(path.read_bytes(), filename=path.name)


def assert_bodies(doc: IssueDocument, expected: list[tuple[str, str, str]]) -> None:
    assert [item.title for item in doc.items] == [title for title, _, _ in expected]
    for item, (_, start, end) in zip(doc.items, expected, strict=True):
        assert item.body.startswith(start), (item.number, item.body[:80])
        assert item.body.endswith(end), (item.number, item.body[-80:])


class TestOneItemPlainTextWithCrlf:
    @pytest.fixture
    def doc(self) -> IssueDocument:
        return load("one-item-2024-03.txt")

    def test_structure(self, doc: IssueDocument) -> None:
        assert (doc.month, doc.title) == ("2024-03", "March 2024")
        assert doc.editorial is not None
        assert doc.editorial.heading == "Quiet Spring"
        assert doc.editorial.body.startswith("The “Two Sessions” in Beijing")
        assert doc.editorial.body.endswith("to carry the next decade.")
        assert_bodies(
            doc,
            [
                (
                    "Shenzhen opens a drone delivery corridor over Qianhai Bay",
                    "Shenzhen opened a 12-kilometre drone delivery corridor",
                    "to copy it by 2026.",
                )
            ],
        )
        assert doc.extras == ()

    def test_no_carriage_returns_survive(self, doc: IssueDocument) -> None:
        assert "\r" not in all_text(doc)

    def test_take_and_summary(self, doc: IssueDocument) -> None:
        item = doc.items[0]
        assert item.take is not None and item.take.startswith("I flew over the bay")
        assert "I expect" not in item.summary
        assert item.summary.startswith("Shenzhen opened")
        # "Dr." is an abbreviation, never the end of a sentence.
        assert not any(s.endswith("Dr.") for s in split_sentences(item.body))

    @pytest.mark.parametrize(
        "noise",
        [
            "Subscribe",
            "Recommended by LinkedIn",
            "Like",
            "2w",
            "Drones over Qianhai",
            "gold",
            "Retired teacher",
            "Harbour Freight",
            "let me know",
        ],
    )
    def test_noise_is_dropped(self, doc: IssueDocument, noise: str) -> None:
        assert noise not in all_text(doc)


class TestFiveItemsMarkdown:
    @pytest.fixture
    def doc(self) -> IssueDocument:
        return load("five-items-2024-05.md")

    def test_structure(self, doc: IssueDocument) -> None:
        assert doc.month == "2024-05"
        assert doc.editorial is not None
        assert doc.editorial.heading == "Batteries Everywhere"
        assert "**" not in doc.editorial.body
        assert_bodies(
            doc,
            [
                (
                    "CATL unveils a storage system that keeps its capacity for five years",
                    "CATL presented TENER",
                    "for the same guaranteed output.",
                ),
                (
                    "Hefei's quantum lab links three cities with an entangled network",
                    "Researchers at the University of Science and Technology of China",
                    "have struggled with.",
                ),
                (
                    "Pinduoduo's overseas arm Temu starts a local-seller programme in Europe",
                    "Temu, the shopping app owned by PDD Holdings",
                    "watching this very carefully.",
                ),
                (
                    "Chang'e-6 lands on the far side of the Moon to collect samples",
                    "China's Chang'e-6 probe touched down",
                    "for the trip home.",
                ),
                (
                    "Alibaba cuts cloud AI prices by up to 97 per cent",
                    "Alibaba Cloud cut the price",
                    "could not afford to experiment before.",
                ),
            ],
        )

    def test_linked_titles_keep_their_urls(self, doc: IssueDocument) -> None:
        assert [item.url for item in doc.items] == [
            "https://example.com/news/catl-storage",
            "https://example.com/news/hefei-quantum",
            "https://example.com/news/temu-local",
            "https://example.com/news/change-6",
            "https://example.com/news/alibaba-cloud-prices",
        ]

    def test_book_extra(self, doc: IssueDocument) -> None:
        assert [e.heading for e in doc.extras] == ["Book of the month: Shenzhen Speed by Lin Wei"]
        assert doc.extras[0].body.startswith("A short, readable history")
        assert doc.extras[0].body.endswith("their first factories.")

    def test_markdown_syntax_is_removed(self, doc: IssueDocument) -> None:
        text = all_text(doc)
        assert "](" not in text and "**" not in text and "## " not in text
        assert "Nature this month" in doc.items[1].body  # *Nature* lost its asterisks

    @pytest.mark.parametrize("noise", ["Subscribe", "Recommended by", "Click the links", "Share"])
    def test_noise_is_dropped(self, doc: IssueDocument, noise: str) -> None:
        assert noise not in all_text(doc)


class TestNineItemsHtmlPage:
    @pytest.fixture
    def doc(self) -> IssueDocument:
        return load("nine-items-2024-07.html")

    def test_structure(self, doc: IssueDocument) -> None:
        assert (doc.month, doc.title) == ("2024-07", "July 2024")
        assert doc.editorial is not None
        assert doc.editorial.heading == "Slow Trains"
        assert doc.editorial.body.startswith("China’s high-speed rail network passed 45,000")
        assert doc.editorial.body.endswith("the speed of its headlines.")
        assert len(doc.items) == 9
        assert doc.items[0].title == "BYD confirms start date for its Hungarian car factory"
        assert doc.items[8].title == "Yunnan tea exports hit a record"
        assert doc.items[0].body.startswith("BYD said its plant in Szeged")
        assert doc.items[0].body.endswith("tariffs on imported electric vehicles.")
        assert doc.items[4].body.startswith("Moonshot AI said")
        assert doc.items[8].body.endswith("- Prices for aged pu’er fell for the second year.")

    def test_extra(self, doc: IssueDocument) -> None:
        assert [e.heading for e in doc.extras] == ["Podcast of the month: The Rail Map"]
        assert doc.extras[0].body.endswith("across the Nu River gorge.")

    def test_links_are_kept_as_given(self, doc: IssueDocument) -> None:
        assert doc.items[1].url == "https://example.com/a/wuhan-robotaxi"
        assert doc.items[8].url == "ftp://example.com/a/tea-exports"

    @pytest.mark.parametrize(
        "noise",
        [
            "Archive",
            "Subscribe",
            "window.analytics",
            "font-family",
            "Click the links",
            "Recommended by",
            "Related articles",
            "Five things",
            "Loved the slow train",
            "Sodium batteries will change",
            "Privacy",
            "noopener",
            "Comments",
        ],
    )
    def test_page_chrome_is_dropped(self, doc: IssueDocument, noise: str) -> None:
        assert noise not in all_text(doc)


class TestTwelveItemsCp1252MixedHeadings:
    @pytest.fixture
    def doc(self) -> IssueDocument:
        return load("twelve-items-2024-10.txt")

    def test_decoded_from_cp1252(self, doc: IssueDocument) -> None:
        assert doc.editorial is not None
        assert "Café owners" in doc.editorial.body
        assert doc.editorial.heading == "Golden Week"

    def test_titled_and_untitled_bodies(self, doc: IssueDocument) -> None:
        assert_bodies(
            doc,
            [
                (
                    "Xpeng shows a flying car that docks into a six-wheel van",
                    "Xpeng’s AeroHT unit",
                    "is still pending.",
                ),
                (
                    "Shanghai’s Yangshan port runs its fourth automated terminal",
                    "The automated terminal at Shanghai’s Yangshan",
                    "a conventional terminal.",
                ),
                (
                    "Pop Mart’s Labubu dolls sell out across Southeast Asia",
                    "Pop Mart sold out",
                    "almost a third of sales.",
                ),
                (
                    "Hainan expands duty-free shopping quotas for visitors",
                    "Hainan raised the duty-free",
                    "lure shoppers back.",
                ),
                (
                    "Solar panel prices fall below 0.7 yuan per watt",
                    "The price of standard solar modules",
                    "willing to follow it.",
                ),
                (
                    "Guangzhou opens a metro line with driverless trains",
                    "Guangzhou opened Metro Line 11",
                    "the Canton Fair area.",
                ),
                (
                    "Tencent open-sources its Hunyuan video model",
                    "Tencent released its Hunyuan",
                    "free to download.",
                ),
                (
                    "EU votes for tariffs on Chinese electric cars",
                    "The European Union voted",
                    "a full trade war.",
                ),
                (
                    "China tightens export controls on rare earth technology",
                    "The Ministry of Commerce",
                    "germanium shipments.",
                ),
                (
                    "Mingyang installs the world’s largest offshore wind turbine",
                    "Mingyang Smart Energy",
                    "survive typhoons.",
                ),
                (
                    "Mooncake sales drop as companies cut gift budgets",
                    "Mooncake sales before",
                    "durian and coffee.",
                ),
                (
                    "Chengdu’s panda base welcomes twin cubs",
                    "The giant panda base in Chengdu",
                    "first health checks.",
                ),
            ],
        )

    def test_one_sentence_item_is_its_own_summary(self, doc: IssueDocument) -> None:
        item = doc.items[6]
        assert item.summary == item.body

    def test_take_of_the_tariff_item(self, doc: IssueDocument) -> None:
        assert doc.items[7].take == (
            "I think both sides will keep talking about minimum prices instead of tariffs, "
            "because nobody wants a full trade war."
        )

    @pytest.mark.parametrize(
        "noise",
        [
            "Recommended by LinkedIn",
            "Report this article",
            "Thank you for your newsletter",
            "Senior Analyst",
            "2wGreat",
            "Yangshan port visit is on my list",
            "let me know",
        ],
    )
    def test_noise_and_comments_are_dropped(self, doc: IssueDocument, noise: str) -> None:
        assert noise not in all_text(doc)

    def test_no_extras_or_warnings(self, doc: IssueDocument) -> None:
        assert doc.extras == ()
        assert doc.warnings == ()

import pytest

from newsletter import split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It works. It ships.", ["It works.", "It ships."]),
        (
            "The U.S. market is big. China is bigger.",
            ["The U.S. market is big.", "China is bigger."],
        ),
        (
            "Exports to the U.S. The rest went to Europe.",
            ["Exports to the U.S.", "The rest went to Europe."],
        ),
        ("Dr. Wang spoke first. Prof. Li replied.", ["Dr. Wang spoke first.", "Prof. Li replied."]),
        ("It ranked No. 1 in Asia. Then it fell.", ["It ranked No. 1 in Asia.", "Then it fell."]),
        (
            "Use cases, e.g. Retail, grew. Others did not.",
            ["Use cases, e.g. Retail, grew.", "Others did not."],
        ),
        (
            "Its score of 79.02 is lower. ChatGPT won.",
            ["Its score of 79.02 is lower.", "ChatGPT won."],
        ),
        ("Worth US$4.2 trillion. Big.", ["Worth US$4.2 trillion.", "Big."]),
        ("J. K. Rowling wrote it. She is British.", ["J. K. Rowling wrote it.", "She is British."]),
        ("He said “it is done.” Then he left.", ["He said “it is done.”", "Then he left."]),
        ("Wait… What happened? Nobody knows!", ["Wait…", "What happened?", "Nobody knows!"]),
        ("5/6G…will soon be introduced. Next.", ["5/6G…will soon be introduced.", "Next."]),
        ("Will it be copied? ...", ["Will it be copied? ..."]),
        ("Para one.\n\nPara two", ["Para one.", "Para two"]),
        ("", []),
    ],
)
def test_split(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_sentences_never_cross_paragraphs() -> None:
    assert split_sentences("no end here\n\nNext paragraph.") == ["no end here", "Next paragraph."]

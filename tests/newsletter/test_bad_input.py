"""Input that is not an issue is refused with a short message saying what is wrong."""

import os

import pytest

from newsletter import IssueFormatError, parse_issue

LIST = "December 2023\n" + "".join(f"{n}. Title number {n}\n" for n in range(1, 8))


@pytest.mark.parametrize("data", [b"", b"   \n\n  ", "", "\n\t\n"])
def test_empty(data: bytes | str) -> None:
    with pytest.raises(IssueFormatError, match="file is empty"):
        parse_issue(data)


def test_random_bytes_look_binary() -> None:
    data = bytes(range(256)) * 40 + os.urandom(1000)
    with pytest.raises(IssueFormatError, match="file looks binary"):
        parse_issue(data)


def test_nul_bytes_look_binary() -> None:
    with pytest.raises(IssueFormatError, match="file looks binary"):
        parse_issue(b"December 2023\x00\n1. A\n2. B\n")


def test_over_two_megabytes() -> None:
    data = b"December 2023 is a month. " * (3_000_000 // 26)
    with pytest.raises(IssueFormatError, match="larger than 2 MB"):
        parse_issue(data)


def test_no_items_says_what_was_found() -> None:
    with pytest.raises(IssueFormatError) as caught:
        parse_issue("December 2023\nJust some text.\nAnd more text.\n")
    assert str(caught.value) == (
        "no items found: found 3 paragraphs, but no numbered items, linked list entries "
        "or story headings"
    )


def test_no_month_names_the_items_found() -> None:
    with pytest.raises(IssueFormatError) as caught:
        parse_issue("1. One\n2. Two\nFirst.\nSecond.\n")
    assert str(caught.value) == (
        "found 2 items numbered '1.' (a list of titles with their texts below) "
        "but no date: pass --month"
    )


def test_cut_off_item_list() -> None:
    text = LIST + "Title number 1 has this text.\nTitle number 2 has this text.\n"
    with pytest.raises(
        IssueFormatError, match="item list cut off: items 3–7 listed but their text is missing"
    ):
        parse_issue(text)


def test_undecodable_bytes() -> None:
    # 0x81 is unassigned in cp1252 and invalid as UTF-8 here.
    with pytest.raises(IssueFormatError, match="cannot decode text"):
        parse_issue(b"December 2023\n1. Caf\n" + b"\x81\x81 text\n")


def test_utf8_bom_is_accepted() -> None:
    doc = parse_issue(b"\xef\xbb\xbf" + b"May 2024\n1. One\n2. Two\nFirst.\nSecond.\n")
    assert doc.month == "2024-05"


def test_error_is_a_value_error() -> None:
    assert issubclass(IssueFormatError, ValueError)

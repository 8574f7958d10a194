import json

from newsletter import IssueDocument, parse_issue


def test_to_dict_has_exactly_the_spec_shape(sample: IssueDocument) -> None:
    data = sample.to_dict()
    assert list(data) == [
        "newsletter",
        "month",
        "title",
        "editorial",
        "items",
        "extras",
        "warnings",
    ]
    assert list(data["editorial"]) == ["heading", "body", "summary"]
    assert list(data["items"][0]) == ["number", "title", "body", "summary", "take", "url"]
    assert list(data["extras"][0]) == ["heading", "body"]
    json.dumps(data)  # JSON-serialisable as is


def test_round_trip(sample: IssueDocument) -> None:
    again = IssueDocument.from_dict(json.loads(sample.to_json()))
    assert again == sample
    assert again.content_hash() == sample.content_hash()


def test_same_text_gives_the_same_hash(sample: IssueDocument) -> None:
    from tests.newsletter.issue_data import SAMPLE

    again = parse_issue(SAMPLE.read_text(encoding="utf-8"), filename=SAMPLE.name)
    assert again.content_hash() == sample.content_hash()


def test_changed_text_gives_another_hash(sample: IssueDocument) -> None:
    from tests.newsletter.issue_data import SAMPLE

    text = SAMPLE.read_text(encoding="utf-8").replace("Reverse ageing.", "Reverse aging.")
    assert parse_issue(text).content_hash() != sample.content_hash()


def test_body_keeps_paragraphs_separated_by_a_blank_line(sample: IssueDocument) -> None:
    assert sample.items[0].body.count("\n\n") == 3
    assert "\n\n\n" not in sample.items[0].body

import hashlib
import json
from dataclasses import replace

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
    assert list(data["items"][0]) == [
        "number",
        "section",
        "title",
        "body",
        "summary",
        "take",
        "url",
    ]
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


def test_a_document_stored_before_sections_reads_back_with_the_same_hash(
    sample: IssueDocument,
) -> None:
    stored = sample.to_dict()
    for item in stored["items"]:
        del item["section"]  # the shape stored before items had sections
    old_hash = hashlib.sha256(
        json.dumps(stored, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    again = IssueDocument.from_dict(stored)
    assert all(item.section is None for item in again.items)
    assert again.content_hash() == old_hash == sample.content_hash()


def test_a_section_is_part_of_the_content(sample: IssueDocument) -> None:
    sectioned = replace(sample, items=(replace(sample.items[0], section="News"), *sample.items[1:]))
    assert sectioned.to_dict()["items"][0]["section"] == "News"
    assert sectioned.content_hash() != sample.content_hash()
    assert IssueDocument.from_dict(json.loads(sectioned.to_json())) == sectioned


def test_the_layout_is_said_but_not_stored(sample: IssueDocument) -> None:
    assert sample.layout == "7 items numbered '1.' (a list of titles with their texts below)"
    assert "layout" not in sample.to_json()

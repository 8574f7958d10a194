"""A posted item shows the editor's take once: in its own field, not again in the text."""

from newsletter import IssueDocument, Item, parse_issue
from newsletter.render import TAKE_FIELD_NAME, body_without_take, render_issue
from tests.newsletter.issue_data import ISSUES


def posted_text(doc: IssueDocument, number: int) -> tuple[str, list[str]]:
    parts = [p for p in render_issue(doc) if p.key.split(":")[:2] == ["item", str(number)]]
    text = "\n\n".join(p.embeds[0].get("description", "") for p in parts)
    takes = [
        f["value"]
        for p in parts
        for f in p.embeds[0].get("fields", ())
        if f["name"] == TAKE_FIELD_NAME
    ]
    return text, takes


def test_every_take_of_every_test_issue_is_posted_exactly_once(sample: IssueDocument) -> None:
    docs = [sample, *(parse_issue(p.read_bytes(), filename=p.name) for p in ISSUES.iterdir())]
    seen = 0
    for doc in docs:
        for item in doc.items:
            text, takes = posted_text(doc, item.number)
            if item.take is None:
                assert takes == []
                continue
            seen += 1
            assert takes == [item.take]
            first_sentence = item.take.split(". ")[0]
            assert first_sentence not in text, (doc.month, item.number)
    assert seen >= 4  # the sample's three takes and the other issues' ones


def test_a_take_inside_a_paragraph_leaves_the_rest_of_it(sample: IssueDocument) -> None:
    roundup = sample.items[6]  # "Would love to see them both on a panel debate." closes a paragraph
    assert roundup.take == "Would love to see them both on a panel debate."
    posted = body_without_take(roundup)
    assert "panel debate" not in posted
    assert "Baidu’s CEO claims Ernie Bot 4.0 now matches ChatGPT4 performance." in posted
    assert posted.count("\n\n") == roundup.body.count("\n\n")


def test_without_a_take_the_body_is_posted_as_it_is() -> None:
    item = Item(number=1, title="T", body="One.\n\nTwo.", summary="One.")
    assert body_without_take(item) == item.body

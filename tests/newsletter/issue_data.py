"""Paths of the test issues and helpers shared by the newsletter tests."""

from pathlib import Path

from masthead.samples import SAMPLE_ISSUE
from newsletter import IssueDocument

DATA = Path(__file__).resolve().parent.parent / "data"
SAMPLE = SAMPLE_ISSUE
ISSUES = DATA / "issues"


def all_text(doc: IssueDocument) -> str:
    """Every string of the document, for 'appears in no field' checks."""
    values: list[str] = []

    def collect(value: object) -> None:
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)

    collect(doc.to_dict())
    return "\n".join(values)

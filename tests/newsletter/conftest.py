import pytest

from newsletter import IssueDocument, parse_issue
from tests.newsletter.issue_data import SAMPLE


@pytest.fixture(scope="session")
def sample() -> IssueDocument:
    return parse_issue(SAMPLE.read_bytes(), filename=SAMPLE.name)

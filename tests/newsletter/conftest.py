import pytest
from tests.newsletter.issue_data import SAMPLE

from newsletter import IssueDocument, parse_issue


@pytest.fixture(scope="session")
def sample() -> IssueDocument:
    return parse_issue(SAMPLE.read_bytes(), filename=SAMPLE.name)

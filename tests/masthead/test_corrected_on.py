"""A correction's date is the editors' date: the day in the TIMEZONE setting."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from db.models import Issue
from masthead.importing import corrected_on, render_stored
from newsletter.parse import parse_issue
from tests.cogs.helpers import issue_text

SHANGHAI = ZoneInfo("Asia/Shanghai")


def issue(corrected_at: datetime | None) -> Issue:
    document = parse_issue(issue_text(), newsletter="This Month in China")
    return Issue(document=document.to_json(), corrected_at=corrected_at)


@pytest.mark.parametrize(
    ("utc", "zone", "day"),
    [
        # 01:00 in Shanghai on the 5th is still the 4th in UTC.
        (datetime(2024, 3, 4, 17, 0, tzinfo=UTC), SHANGHAI, date(2024, 3, 5)),
        (datetime(2024, 3, 4, 15, 59, tzinfo=UTC), SHANGHAI, date(2024, 3, 4)),
        (datetime(2024, 3, 4, 17, 0, tzinfo=UTC), UTC, date(2024, 3, 4)),
        # Behind UTC: the evening before.
        (datetime(2024, 3, 5, 3, 0, tzinfo=UTC), ZoneInfo("America/Los_Angeles"), date(2024, 3, 4)),
        # A new year in one zone and not the other.
        (datetime(2023, 12, 31, 23, 30, tzinfo=UTC), SHANGHAI, date(2024, 1, 1)),
    ],
)
def test_the_day_is_taken_in_the_zone(utc: datetime, zone: ZoneInfo, day: date) -> None:
    assert corrected_on(issue(utc), zone) == day


def test_never_corrected_has_no_day() -> None:
    assert corrected_on(issue(None), SHANGHAI) is None


def test_the_default_zone_is_utc() -> None:
    assert corrected_on(issue(datetime(2024, 3, 4, 17, 0, tzinfo=UTC))) == date(2024, 3, 4)


def test_the_header_shows_the_local_day() -> None:
    stored = issue(datetime(2024, 3, 4, 17, 0, tzinfo=UTC))
    footer = render_stored(stored, SHANGHAI)[0].embeds[0]["footer"]["text"]
    assert footer.endswith("Corrected on 5 March 2024")
    utc_footer = render_stored(stored)[0].embeds[0]["footer"]["text"]
    assert utc_footer.endswith("Corrected on 4 March 2024")

"""Publish times as editors type them: one format, read in the TIMEZONE setting."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from masthead.publish_time import PublishTimeError, local_text, parse_publish_time, until_text

NOW = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def test_a_time_is_read_in_the_zone_and_kept_in_utc() -> None:
    moment = parse_publish_time("2024-01-05 09:00", BERLIN, now=NOW)
    assert moment == datetime(2024, 1, 5, 8, 0, tzinfo=UTC)
    assert local_text(moment, BERLIN) == "2024-01-05 09:00 Europe/Berlin"


def test_summer_time_comes_from_the_zone_rules() -> None:
    moment = parse_publish_time("2024-07-05 09:00", BERLIN, now=NOW)
    assert moment == datetime(2024, 7, 5, 7, 0, tzinfo=UTC)


def test_a_t_between_date_and_time_and_extra_spaces_are_accepted() -> None:
    assert parse_publish_time(" 2024-01-05T09:00 ", BERLIN, now=NOW) == parse_publish_time(
        "2024-01-05   09:00", BERLIN, now=NOW
    )


@pytest.mark.parametrize(
    "text",
    ["tomorrow at nine", "05/01/2024 09:00", "5 Jan 2024 09:00", "2024-01-05", "2024-02-30 10:00"],
)
def test_other_formats_and_garbage_are_refused_with_the_expected_form(text: str) -> None:
    with pytest.raises(PublishTimeError) as refused:
        parse_publish_time(text, BERLIN, now=NOW)
    message = str(refused.value)
    assert "2024-01-05 09:00" in message and "Europe/Berlin" in message
    assert "\n" not in message


def test_ten_thousand_characters_are_refused_without_being_echoed() -> None:
    with pytest.raises(PublishTimeError) as refused:
        parse_publish_time("2024-01-05 09:00" + "x" * 10_000, BERLIN, now=NOW)
    assert len(str(refused.value)) < 120


@pytest.mark.parametrize("text", ["", "   "])
def test_nothing_is_refused(text: str) -> None:
    with pytest.raises(PublishTimeError):
        parse_publish_time(text, BERLIN, now=NOW)


def test_the_past_is_refused_saying_what_time_it_is() -> None:
    with pytest.raises(PublishTimeError) as refused:
        parse_publish_time("2024-01-01 12:59", BERLIN, now=NOW)  # 11:59 UTC
    assert "in the past" in str(refused.value)
    assert "2024-01-01 13:00 Europe/Berlin" in str(refused.value)


def test_a_time_the_clocks_skip_is_refused() -> None:
    with pytest.raises(PublishTimeError) as refused:
        parse_publish_time("2024-03-10 02:30", NEW_YORK, now=NOW)
    assert "does not exist" in str(refused.value)


def test_a_time_that_happens_twice_is_the_first() -> None:
    moment = parse_publish_time("2024-11-03 01:30", NEW_YORK, now=NOW)
    assert moment == datetime(2024, 11, 3, 5, 30, tzinfo=UTC)  # still summer time


@pytest.mark.parametrize("text", ["2026-01-01 00:00", "9999-12-31 23:59"])
def test_more_than_a_year_ahead_is_a_mistyped_year(text: str) -> None:
    with pytest.raises(PublishTimeError, match="check the year"):
        parse_publish_time(text, NEW_YORK, now=NOW)


def test_until_text_counts_down() -> None:
    assert until_text(datetime(2024, 1, 1, 15, 20, tzinfo=UTC), NOW) == "in 3 h 20 min"
    assert until_text(datetime(2024, 1, 1, 12, 0, 45, tzinfo=UTC), NOW) == "in 45 s"
    assert until_text(datetime(2024, 1, 3, 13, 0, tzinfo=UTC), NOW) == "in 2 d 1 h"
    assert until_text(NOW, NOW) == "due now"


def test_seconds_may_be_given_and_are_shown_back() -> None:
    moment = parse_publish_time("2024-01-05 09:00:30", BERLIN, now=NOW)
    assert moment == datetime(2024, 1, 5, 8, 0, 30, tzinfo=UTC)
    assert local_text(moment, BERLIN) == "2024-01-05 09:00:30 Europe/Berlin"

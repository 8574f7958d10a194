"""Publish times as editors write and read them: a wall-clock time in the TIMEZONE setting.

Only one written form is accepted, `2024-01-05 09:00` (a `T` may stand for the space, and
seconds may follow): a date like 05/01/2024 reads as May to some editors and January to
others, so it is refused rather than guessed. Offsets and daylight-saving rules come from
`zoneinfo`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

EXAMPLE = "2024-01-05 09:00"
FORMAT = "%Y-%m-%d %H:%M"
FORMATS = (FORMAT, f"{FORMAT}:%S")
MAX_INPUT = 40  # longer than any way of writing FORMAT; more is not echoed back
MAX_AHEAD = timedelta(days=366)  # further than that is a mistyped year


class PublishTimeError(ValueError):
    """The text is not a usable publish time; the message is one line for the editor."""


def parse_publish_time(text: str, zone: ZoneInfo, *, now: datetime | None = None) -> datetime:
    """The moment (UTC) that `text`, a wall-clock time in `zone`, names; in the future."""
    cleaned = " ".join(text.replace("T", " ", 1).split())
    if not cleaned or len(text) > MAX_INPUT:
        raise PublishTimeError(f"That is not a time: write it like {EXAMPLE} ({zone.key}).")
    wall = _read(cleaned)
    if wall is None:
        raise PublishTimeError(
            f"{_echo(text)} is not a time like {EXAMPLE} (year-month-day hour:minute, {zone.key})."
        )
    # An ambiguous wall time (clocks going back) is its first occurrence (fold=0).
    local = wall.replace(tzinfo=zone)
    try:
        moment = local.astimezone(UTC)
    except OverflowError:  # 9999-12-31 23:59 west of UTC
        raise PublishTimeError(f"{cleaned} is too far ahead: check the year.") from None
    # A wall time skipped when clocks go forward does not survive the round trip.
    if moment.astimezone(zone).replace(tzinfo=None) != wall:
        raise PublishTimeError(
            f"{cleaned} does not exist in {zone.key} (the clocks skip it): pick another time."
        )
    now = now or datetime.now(UTC)
    if moment <= now:
        raise PublishTimeError(
            f"{cleaned} ({zone.key}) is in the past: it is now {local_text(now, zone)}."
        )
    if moment - now > MAX_AHEAD:
        raise PublishTimeError(f"{cleaned} is more than a year ahead: check the year.")
    return moment


def _read(text: str) -> datetime | None:
    for form in FORMATS:
        try:
            return datetime.strptime(text, form)
        except ValueError:
            continue
    return None


def local_text(moment: datetime, zone: ZoneInfo) -> str:
    """`2024-01-05 09:00 Europe/Berlin`: how an editor wrote it, in the setting's zone
    (with seconds when it has any)."""
    local = moment.astimezone(zone)
    return f"{local.strftime(FORMATS[local.second > 0])} {zone.key}"


def until_text(moment: datetime, now: datetime | None = None) -> str:
    """`in 3 h 20 min`, `in 45 s`, `due now`: for the terminal, where there are no
    Discord timestamps to do it."""
    left = moment - (now or datetime.now(UTC))
    if left <= timedelta(0):
        return "due now"
    seconds = int(left.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"in {days} d {hours} h"
    if hours:
        return f"in {hours} h {minutes} min"
    return f"in {minutes} min" if minutes else f"in {seconds} s"


def _echo(text: str) -> str:
    """What the editor typed (at most MAX_INPUT characters), quoted."""
    return repr(text.strip())

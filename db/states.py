"""The states a record moves through, as enums shared by the models and the code.

They are stored as their lower-case values (VARCHAR with a CHECK constraint), so the
database reads the same as before they were types, and a typo is a NameError, not a row
that no query ever finds again.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Enum


class IssueStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    DELIVERING = "delivering"
    DONE = "done"
    FAILED = "failed"


class PartStatus(StrEnum):
    PENDING = "pending"  # about to be sent: a crash leaves it here, maybe sent
    SENT = "sent"


class TipStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    SHORTLISTED = "shortlisted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # by the reader, while pending
    USED = "used"  # credited to an item of a published issue


class DmStatus(StrEnum):
    NONE = "none"  # nothing to tell the tipster
    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"  # DMs switched off, or the author was forgotten
    FAILED = "failed"  # DMs closed: logged, not retried for ever


class FeedEntryStatus(StrEnum):
    SEEN = "seen"  # in the feed when it was added: never previewed
    SKIPPED = "skipped"  # its issue was already imported with this text
    PENDING = "pending"  # its preview is to be sent (after `attempted_at`, maybe sent)
    SENT = "sent"  # the preview waits for an editor
    UNDELIVERED = "undelivered"  # no review channel would take it, and DMs are closed
    PUBLISHED = "published"
    DISCARDED = "discarded"


class ScheduleStatus(StrEnum):
    SCHEDULED = "scheduled"  # waits for its time; the only state that may fire
    PUBLISHED = "published"  # claimed by one process, which published the issue
    CANCELLED = "cancelled"  # by an editor, or by publishing the issue at once


def state_column(states: type[StrEnum]) -> Enum:
    """A column type storing an enum by value. The CHECK constraint is declared by the
    model (named, so migrations can refer to it), not generated here."""

    def values(enum: type[Any]) -> list[str]:
        return [member.value for member in enum]

    return Enum(
        states,
        native_enum=False,
        create_constraint=False,
        length=16,
        values_callable=values,
        validate_strings=True,
    )


def one_of(column: str, states: type[StrEnum]) -> str:
    """The SQL of a CHECK constraint allowing exactly the enum's values."""
    return f"{column} IN ({', '.join(repr(s.value) for s in states)})"

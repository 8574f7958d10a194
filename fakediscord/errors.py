"""Errors answered the way Discord answers them (status + JSON error code)."""

from __future__ import annotations

from typing import Any


class DiscordError(Exception):
    """Raised by handlers; the REST layer turns it into Discord's JSON error body.

    ``violation`` marks refusals caused by a request Discord would reject as malformed or
    out of protocol (invalid form body, late/double acknowledgement): they fail the test
    that caused them. Refusals a correct bot must handle (403, 404 unknown channel) don't.
    """

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: dict[str, Any] | None = None,
        *,
        violation: bool = False,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.violation = violation

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


def invalid_form_body(errors: dict[str, Any]) -> DiscordError:
    return DiscordError(400, 50035, "Invalid Form Body", errors, violation=True)


def field_error(path: list[str | int], code: str, message: str) -> dict[str, Any]:
    """Discord's nested error shape: {"embeds": {"0": {"title": {"_errors": [...]}}}}."""
    node: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(path):
        node = {str(key): node}
    return node


def merge_errors(into: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    for key, value in other.items():
        if key == "_errors":
            into.setdefault("_errors", []).extend(value)
        else:
            merge_errors(into.setdefault(key, {}), value)
    return into


UNKNOWN_CHANNEL = (404, 10003, "Unknown Channel")
UNKNOWN_MESSAGE = (404, 10008, "Unknown Message")
UNKNOWN_WEBHOOK = (404, 10015, "Unknown Webhook")
UNKNOWN_INTERACTION = (404, 10062, "Unknown interaction")
UNKNOWN_GUILD = (404, 10004, "Unknown Guild")
UNKNOWN_MEMBER = (404, 10007, "Unknown Member")
UNKNOWN_USER = (404, 10013, "Unknown User")
UNKNOWN_COMMAND = (404, 10063, "Unknown application command")
MISSING_ACCESS = (403, 50001, "Missing Access")
MISSING_PERMISSIONS = (403, 50013, "Missing Permissions")
CANNOT_DM = (403, 50007, "Cannot send messages to this user")
CANNOT_EDIT_OTHERS = (403, 50005, "Cannot edit a message authored by another user")
ALREADY_ACKNOWLEDGED = (400, 40060, "Interaction has already been acknowledged")


def error(spec: tuple[int, int, str], *, violation: bool = False) -> DiscordError:
    return DiscordError(*spec, violation=violation)

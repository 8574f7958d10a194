"""What REST handlers receive and return, and the table they register in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import DiscordError, field_error, invalid_form_body

if TYPE_CHECKING:
    from .server import Emulator


@dataclass
class FileUpload:
    index: int
    filename: str
    data: bytes
    content_type: str | None


@dataclass
class Request:
    """One REST call as handlers see it."""

    method: str
    path: str
    route: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    files: list[FileUpload]
    # time.monotonic() when the body had arrived, before the emulator's own checks: what
    # the bot's timing is measured by (validation is Discord's time, not the bot's).
    received: float = 0.0

    def id(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise DiscordError(404, 0, "404: Not Found") from None

    def int_query(self, name: str, default: int, *, low: int = 0, high: int = 2**64) -> int:
        """A whole-number query parameter; anything else is refused as Discord does."""
        raw = self.query.get(name)
        if raw is None:
            return default
        if not raw.lstrip("-").isdigit() or not low <= int(raw) <= high:
            raise invalid_form_body(
                field_error([name], "NUMBER_TYPE_COERCE", f"Value {raw!r} is not valid.")
            )
        return int(raw)

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("1", "true")


Handler = Callable[["Emulator", Request], Awaitable[Any]]


class Reply:
    """A handler result other than ``200 + JSON``."""

    def __init__(self, status: int, data: Any = None) -> None:
        self.status = status
        self.data = data


class RouteTable:
    def __init__(self) -> None:
        self.handlers: dict[tuple[str, str], Handler] = {}

    def route(self, method: str, template: str) -> Callable[[Handler], Handler]:
        def register(func: Handler) -> Handler:
            self.handlers[(method, template)] = func
            return func

        return register


def check_limits(errs: dict[str, Any]) -> None:
    """Refuse with 50035 when a documented limit was exceeded."""
    if errs:
        raise invalid_form_body(errs)

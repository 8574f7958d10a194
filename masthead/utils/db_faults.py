"""Telling "the database cannot be reached" apart from a bug.

Commands answer the first with a short "temporarily unavailable" and workers back off
(masthead/utils/background.py); the second is logged with its traceback. The database
reaches us in several shapes: SQLAlchemy wraps driver errors (OperationalError for
SQLite's locked, read-only or full file, InterfaceError for asyncpg's closed connection,
`connection_invalidated` for a connection that died mid-statement), asyncpg raises its
connection errors, and opening a connection can fail with a bare OSError or TimeoutError.
Those last two are only the database's when they were raised inside a database driver:
Discord's HTTP errors are OSErrors too.
"""

from __future__ import annotations

import sqlite3
from types import TracebackType

from sqlalchemy import exc as sa_exc

DRIVER_PATHS = ("/sqlalchemy/", "/asyncpg/", "/aiosqlite/")
SQLITE_UNAVAILABLE = (
    "database is locked",
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
    "readonly database",
)
MAX_CHAIN = 8  # causes followed: enough for SQLAlchemy's and discord.py's wrappers


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` (or what it wraps) means the database could not be used."""
    seen = 0
    current: BaseException | None = error
    while current is not None and seen < MAX_CHAIN:
        if _is_outage(current):
            return True
        seen += 1
        # discord.py wraps a command's exception as .original; Python chains the rest.
        current = getattr(current, "original", None) or current.__cause__ or current.__context__
    return False


def _is_outage(error: BaseException) -> bool:
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated or isinstance(error, sa_exc.InterfaceError):
            return True
        if isinstance(error.orig, sqlite3.Error):
            # SQLite reports a missing table the same way: only these are the file's state.
            return any(sign in str(error.orig).lower() for sign in SQLITE_UNAVAILABLE)
        return isinstance(error, sa_exc.OperationalError)
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return True
    if _is_asyncpg_connection_error(error):
        return True
    if isinstance(error, OSError | TimeoutError):
        return _raised_in_driver(error.__traceback__)
    return False


def _is_asyncpg_connection_error(error: BaseException) -> bool:
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return False
    # InterfaceError: a connection the server dropped, used; InternalClientError: its
    # first use while the drop is still being read ("another operation is in progress").
    # Misuse raises them too, but there is no telling the two apart from here (and
    # SQLAlchemy calls both kinds InterfaceError alike).
    return isinstance(
        error,
        asyncpg.PostgresConnectionError
        | asyncpg.ConnectionDoesNotExistError
        | asyncpg.CannotConnectNowError
        | asyncpg.InterfaceError
        | asyncpg.InternalClientError,
    )


def _raised_in_driver(tb: TracebackType | None) -> bool:
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename.replace("\\", "/")
        if any(part in filename for part in DRIVER_PATHS):
            return True
        tb = tb.tb_next
    return False


def fault_summary(error: BaseException) -> str:
    """One short line for the log: the innermost error's type and first line."""
    inner = getattr(error, "original", None) or error
    inner = getattr(inner, "orig", None) or inner
    lines = str(inner).strip().splitlines()
    return f"{type(inner).__name__}: {lines[0][:200] if lines else ''}".rstrip(": ")

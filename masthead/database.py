"""Opening the database at start: connect, migrate, and turn failures into one clear line."""

from __future__ import annotations

import logging

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from db import migrate
from db.models import BotState
from masthead.settings import SettingsError

log = logging.getLogger(__name__)

WRITE_CHECK_KEY = "masthead:write-check"  # never committed


async def check_and_migrate(engine: AsyncEngine) -> None:
    """Fail fast with a SettingsError naming DATABASE_URL when the database is unusable."""
    url = make_url(str(engine.url))
    where = url.render_as_string(hide_password=True)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (OSError, SQLAlchemyError, DBAPIError) as exc:
        reason = _short_reason(exc)
        raise SettingsError(f"DATABASE_URL: cannot connect to {where}: {reason}") from None
    try:
        await migrate.upgrade(engine)
    except SQLAlchemyError as exc:
        raise SettingsError(
            f"DATABASE_URL: migrating {where} failed: {_short_reason(exc)}"
        ) from None
    try:
        await _check_writable(engine)
    except SQLAlchemyError as exc:
        raise SettingsError(
            f"DATABASE_URL: cannot write to {where}: {_short_reason(exc)}"
        ) from None
    log.info("database ready at %s", where)


async def _check_writable(engine: AsyncEngine) -> None:
    """A row written and rolled back: a read-only file (or a read-only server) would
    otherwise pass the checks above and fail every command that writes, later."""
    async with engine.connect() as connection, connection.begin() as transaction:
        await connection.execute(insert(BotState).values(key=WRITE_CHECK_KEY, value=""))
        await transaction.rollback()


def _short_reason(exc: BaseException) -> str:
    inner = getattr(exc, "orig", None) or exc
    message = str(inner).strip().splitlines()[0] if str(inner).strip() else type(inner).__name__
    return message[:200]

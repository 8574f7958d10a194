"""Alembic, driven from code: the URL comes from settings, never from an ini file."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Search structures that live outside the models (the FTS5 tables and their shadow
# tables, PostgreSQL's stored tsvector and its index); autogenerate must not drop them.
SEARCH_OBJECTS = ("items_fts", "items_cjk", "ix_items_search", "search_vector")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return not (name or "").startswith(SEARCH_OBJECTS)


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on a '%' in a password.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply migrations up to `revision` over the engine's own connection."""
    async with engine.begin() as connection:
        await connection.run_sync(_run, "upgrade", revision, engine)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_run, "downgrade", revision, engine)


async def current_revision(connection: AsyncConnection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def _current(sync_connection: object) -> str | None:
        return MigrationContext.configure(sync_connection).get_current_revision()  # type: ignore[arg-type]

    return await connection.run_sync(_current)


def _run(sync_connection: object, action: str, revision: str, engine: AsyncEngine) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    config.attributes["connection"] = sync_connection
    if action == "upgrade":
        command.upgrade(config, revision)
    else:
        command.downgrade(config, revision)

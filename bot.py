"""Masthead's entry point and command line (`python bot.py --help`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from db.engine import create_engine, create_sessionmaker
from masthead.database import check_and_migrate
from masthead.logs import setup_logging
from masthead.settings import Settings, SettingsError, load_settings

log = logging.getLogger("masthead")

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot.py", description="Masthead, the newsletter bot.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="connect to Discord and serve (the default)")
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply pending migrations")
    return parser


async def run_bot(settings: Settings) -> None:
    # Imported here so CLI commands that never touch Discord start fast.
    from masthead.bot import Masthead

    token = settings.require_token()
    engine = create_engine(settings.database_url)
    try:
        await check_and_migrate(engine)
        async with Masthead(settings=settings, sessionmaker=create_sessionmaker(engine)) as bot:
            await bot.start(token)
    finally:
        await engine.dispose()


async def db_upgrade(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await check_and_migrate(engine)
    finally:
        await engine.dispose()
    print("database is at the latest migration")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        setup_logging(settings.log_level)
        if args.command in (None, "run"):
            settings.require_token()
            asyncio.run(run_bot(settings))
        elif args.command == "db":
            asyncio.run(db_upgrade(settings))
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

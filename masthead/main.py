"""Masthead's command line (`python bot.py --help`, or `python -m masthead`): the entry
point owns the process: settings once, logging, the engine, the bot."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TextIO

from db.engine import create_engine, create_sessionmaker
from db.states import TipStatus
from masthead.cli import CliError, fetch_issues, import_issues, preview, read_issues
from masthead.database import check_and_migrate
from masthead.delivery_status import NoSuchIssue, status_report
from masthead.feedback_report import json_report, load_feedback, terminal_report
from masthead.logs import setup_logging
from masthead.publish_time import EXAMPLE, PublishTimeError, parse_publish_time
from masthead.samples import SAMPLE_ISSUE
from masthead.settings import Settings, SettingsError, load_settings
from masthead.tips_export import FORMATS, write_tips

EXIT_USAGE = 2
_MONTH_HELP = "the issue's month, over any date in the issue"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot.py", description="Masthead, the newsletter bot.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="connect to Discord and serve (the default)")
    preview = commands.add_parser("preview", help="parse an issue file or URL and show it")
    preview.add_argument("path", metavar="PATH_OR_URL")
    shown = preview.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="print the issue document")
    shown.add_argument(
        "--html", metavar="FILE", help="write the issue as it will be posted, as a web page"
    )
    preview.add_argument("--month", type=_month, metavar="YYYY-MM", help=_MONTH_HELP)
    import_ = commands.add_parser("import", help="parse and store issue files or URLs")
    import_.add_argument(
        "paths", nargs="+", metavar="PATH_OR_URL", help="a file, a page, or a feed (newest entry)"
    )
    import_.add_argument("--replace", action="store_true", help="replace a changed month")
    import_.add_argument("--month", type=_month, metavar="YYYY-MM", help=_MONTH_HELP)
    when = import_.add_mutually_exclusive_group()
    when.add_argument("--publish", action="store_true", help="queue delivery everywhere")
    when.add_argument(
        "--publish-at",
        metavar="TIME",
        help=f'publish at a time in the TIMEZONE setting, like "{EXAMPLE}"',
    )
    sandbox = commands.add_parser(
        "sandbox", help="the bot against a local Discord emulator, driven from the terminal"
    )
    sandbox.add_argument("--issue", default=str(SAMPLE_ISSUE), help="issue file to publish")
    sandbox.add_argument("--database-url", help="default: a temporary SQLite database")
    sandbox.add_argument(
        "--script",
        nargs="?",
        const="",
        metavar="FILE",
        help="run FILE's lines (one command each; without FILE, a tour), then exit",
    )
    sandbox.add_argument(
        "--user", choices=("reader", "moderator", "editor"), default="editor", help="who acts"
    )
    tips = commands.add_parser("tips", help="readers' tips")
    tips_commands = tips.add_subparsers(dest="tips_command", required=True)
    export = tips_commands.add_parser("export", help="every server's tips, streamed to a file")
    export.add_argument("--status", choices=[s.value for s in TipStatus])
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="sent on or after")
    export.add_argument("--output", metavar="FILE", help="default: standard output")
    status = commands.add_parser("status", help="how far an issue's delivery has got")
    status.add_argument(
        "--month", type=_month, metavar="YYYY-MM", help="default: the latest published issue"
    )
    feedback = commands.add_parser(
        "feedback", help="votes, opens and empty searches for an issue (as /feedback)"
    )
    feedback.add_argument(
        "--month", type=_month, metavar="YYYY-MM", help="default: the latest published issue"
    )
    feedback.add_argument("--json", action="store_true", help="print the report as JSON")
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply pending migrations")
    return parser


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-01-31") from None


def _month(text: str) -> str:
    """A month as stored, YYYY-MM (strptime alone would take 2024-1 and 0999-01)."""
    try:
        parsed = datetime.strptime(text, "%Y-%m")
    except ValueError:
        parsed = None
    if parsed is None or parsed.strftime("%Y-%m") != text:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a month like 2024-01")
    return text


async def show_status(settings: Settings, month: str | None) -> None:
    engine = create_engine(settings.database_url)
    try:
        await check_and_migrate(engine)
        report = await status_report(
            create_sessionmaker(engine), settings.newsletter_name, month, settings.timezone
        )
    except NoSuchIssue as exc:
        raise CliError(str(exc)) from None
    finally:
        await engine.dispose()
    print(report)


async def show_feedback(settings: Settings, month: str | None, *, as_json: bool) -> None:
    engine = create_engine(settings.database_url)
    try:
        await check_and_migrate(engine)
        report = await load_feedback(create_sessionmaker(engine), settings.newsletter_name, month)
    except NoSuchIssue as exc:
        raise CliError(str(exc)) from None
    finally:
        await engine.dispose()
    print(json_report(report) if as_json else terminal_report(report))


async def export_tips(settings: Settings, args: argparse.Namespace) -> None:
    engine = create_engine(settings.database_url)
    try:
        await check_and_migrate(engine)
        with contextlib.ExitStack() as stack:
            out: TextIO = sys.stdout
            if args.output:
                # A one-shot command: nothing else waits on this event loop.
                try:
                    out = stack.enter_context(open(args.output, "w", encoding="utf-8", newline=""))  # noqa: ASYNC230
                except OSError as exc:
                    raise CliError(f"{args.output}: cannot write ({exc.strerror})") from None
            async with create_sessionmaker(engine)() as session:
                count = await write_tips(
                    session,
                    out,
                    format=args.format,
                    status=TipStatus(args.status) if args.status else None,
                    since=args.since,
                )
    finally:
        await engine.dispose()
    if args.output:
        print(f"{count} tip(s) written to {args.output}")


async def run_bot(settings: Settings, token: str) -> None:
    # Imported here so CLI commands that never touch Discord start fast.
    from masthead.bot import Masthead

    engine = create_engine(settings.database_url)
    try:
        await check_and_migrate(engine)
        async with Masthead(settings=settings, sessionmaker=create_sessionmaker(engine)) as bot:
            await bot.login(token)  # runs setup_hook: cogs loaded, command tree synced
            # What exists now lives as long as the process: keep the cyclic GC from
            # rescanning it (a full collection of these ~110,000 objects is a ~50 ms
            # pause, landing in the middle of whatever command is being answered).
            gc.freeze()
            await bot.connect()
    finally:
        await engine.dispose()


async def import_files(settings: Settings, args: argparse.Namespace) -> None:
    publish_at = None
    if args.publish_at is not None:  # refused before anything is read or stored
        try:
            publish_at = parse_publish_time(args.publish_at, settings.timezone)
        except PublishTimeError as exc:
            raise CliError(f"--publish-at: {exc}") from None
    fetched = await fetch_issues(
        args.paths, settings.newsletter_name, args.month, allow_private=settings.fetch_allow_private
    )
    documents = read_issues(args.paths, settings.newsletter_name, fetched, month=args.month)
    engine = create_engine(settings.database_url)
    try:
        await check_and_migrate(engine)
        report = await import_issues(
            create_sessionmaker(engine),
            documents,
            replace=args.replace,
            publish_now=args.publish,
            publish_at=publish_at,
            zone=settings.timezone,
        )
    finally:
        await engine.dispose()
    print("\n".join(report))


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
        # Only the bot logs at the configured level; one-shot commands keep stderr quiet.
        serving = args.command in (None, "run")
        quiet = max(logging.getLevelName(settings.log_level), logging.WARNING)
        setup_logging(
            settings.log_level if serving else logging.getLevelName(quiet), settings.log_format
        )
        if serving:
            asyncio.run(run_bot(settings, settings.require_token()))
        elif args.command == "preview":
            name = settings.newsletter_name
            print(
                preview(
                    args.path,
                    name,
                    as_json=args.json,
                    month=args.month,
                    html=args.html,
                    allow_private=settings.fetch_allow_private,
                )
            )
        elif args.command == "import":
            asyncio.run(import_files(settings, args))
        elif args.command == "sandbox":
            from masthead.sandbox import run_sandbox

            failed = asyncio.run(
                run_sandbox(
                    settings, args.issue, args.database_url, script=args.script, user=args.user
                )
            )
            if failed:
                return 1
        elif args.command == "tips":
            asyncio.run(export_tips(settings, args))
        elif args.command == "status":
            asyncio.run(show_status(settings, args.month))
        elif args.command == "feedback":
            asyncio.run(show_feedback(settings, args.month, as_json=args.json))
        elif args.command == "db":
            asyncio.run(db_upgrade(settings))
    except (SettingsError, CliError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The command line's side of scheduling and delivery progress: TIMEZONE, `import
--publish-at`, and `status`."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.models import Issue, Schedule
from db.repositories import deliveries, issues
from db.states import DeliveryStatus, ScheduleStatus
from tests.cli.test_settings_errors import assert_one_line_error, run_cli
from tests.cogs.helpers import issue_text


def _db(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"


def _draft(tmp_path: Path) -> Path:
    path = tmp_path / "january.txt"
    path.write_text(issue_text(), encoding="utf-8")
    return path


def _rows(tmp_path: Path) -> tuple[list[Issue], list[Schedule]]:
    async def read() -> tuple[list[Issue], list[Schedule]]:
        engine = create_engine(_db(tmp_path))
        try:
            await migrate.upgrade(engine)
            async with create_sessionmaker(engine)() as session:
                stored = list((await session.execute(select(Issue))).scalars())
                waiting = list((await session.execute(select(Schedule))).scalars())
                return stored, waiting
        finally:
            await engine.dispose()

    return asyncio.run(read())


@pytest.mark.parametrize("value", ["Mars/Olympus_Mons", "../../etc/passwd", "x" * 300])
def test_a_bad_timezone_names_the_setting(tmp_path: Path, value: str) -> None:
    result = run_cli(tmp_path, "db", "upgrade", TIMEZONE=value)
    assert_one_line_error(result, "TIMEZONE", "IANA")
    assert len(result.stderr) < 250


def test_a_scheduled_import_is_read_in_the_timezone(tmp_path: Path) -> None:
    zone = ZoneInfo("Asia/Shanghai")
    moment = (datetime.now(UTC) + timedelta(days=1)).replace(second=0, microsecond=0)
    typed = moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    result = run_cli(
        tmp_path, "import", str(_draft(tmp_path)), "--publish-at", typed, TIMEZONE="Asia/Shanghai"
    )
    assert result.returncode == 0, result.stderr
    assert f"to be published {typed} Asia/Shanghai" in result.stdout
    stored, waiting = _rows(tmp_path)
    assert [i.status for i in stored] == ["draft"]
    assert [(s.publish_at, s.status, s.created_by) for s in waiting] == [
        (moment, ScheduleStatus.SCHEDULED, None)
    ]

    shown = run_cli(tmp_path, "status", "--month", "2024-01", TIMEZONE="Asia/Shanghai")
    assert shown.returncode == 0, shown.stderr
    assert f"scheduled for {typed} Asia/Shanghai (in 23 h" in shown.stdout
    assert "Scheduled." in shown.stdout


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("whenever", "is not a time like 2024-01-05 09:00"),
        ("05/01/2024 09:00", "is not a time like 2024-01-05 09:00"),
        ("2020-01-05 09:00", "is in the past"),
        ("2024-01-05 09:00" + "9" * 10_000, "That is not a time"),
    ],
)
def test_a_bad_publish_time_stores_nothing(tmp_path: Path, value: str, says: str) -> None:
    result = run_cli(tmp_path, "import", str(_draft(tmp_path)), "--publish-at", value)
    assert_one_line_error(result, "--publish-at", says, "UTC")
    assert len(result.stderr) < 250
    assert _rows(tmp_path) == ([], [])


def test_publish_and_publish_at_exclude_each_other(tmp_path: Path) -> None:
    result = run_cli(
        tmp_path, "import", str(_draft(tmp_path)), "--publish", "--publish-at", "2030-01-01 09:00"
    )
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr
    assert _rows(tmp_path) == ([], [])


def test_status_without_an_issue_or_with_a_bad_month(tmp_path: Path) -> None:
    assert_one_line_error(run_cli(tmp_path, "status"), "no issue is published yet")
    assert_one_line_error(run_cli(tmp_path, "status", "--month", "2031-07"), "no issue of 2031-07")
    bad = run_cli(tmp_path, "status", "--month", "July")
    assert bad.returncode == 2 and "not a month like 2024-01" in bad.stderr


def test_status_shows_progress_and_the_first_failures(tmp_path: Path) -> None:
    async def deliver() -> None:
        engine = create_engine(_db(tmp_path))
        try:
            await migrate.upgrade(engine)
            async with create_sessionmaker(engine).begin() as session:
                issue, _ = await issues.store_issue(
                    session,
                    issues.IssueData(
                        newsletter="This Month in China",
                        month="2024-01",
                        title="January 2024",
                        document_json=json.dumps({}),
                        content_hash="h",
                        items=[],
                    ),
                )
                await issues.mark_published(session, issue)
                states = [DeliveryStatus.DONE] * 30 + [DeliveryStatus.QUEUED] * 5
                states += [DeliveryStatus.FAILED] * 25
                for n, state in enumerate(states):
                    delivery, _ = await deliveries.queue_delivery(
                        session, issue_id=issue.id, guild_id=100 + n, channel_id=200 + n
                    )
                    reason = "channel not found (deleted?)" if state == "failed" else None
                    await deliveries.set_status(session, delivery.id, state, reason=reason)
        finally:
            await engine.dispose()

    asyncio.run(deliver())
    result = run_cli(tmp_path, "status")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "This Month in China — January 2024 (2024-01)"
    assert lines[1].startswith("published ") and lines[1].endswith(" UTC")
    assert lines[2] == "On its way: 55 of 60 servers done."
    assert lines[3] == "##################-- 55/60 servers (91%)"
    assert lines[4] == "delivered 30 · in progress 0 · waiting 5 · failed 25"
    assert lines[5] == "failed:"
    assert lines[6] == "  server 135, channel 235: channel not found (deleted?)"
    assert lines[-1] == "  … and 5 more"
    assert len(lines) == 6 + 20 + 1

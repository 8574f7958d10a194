"""`python bot.py feedback`: the /feedback report in the editor's terminal, on every backend."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.repositories import issues, tips, votes
from masthead.importing import publish, store_document
from masthead.lookup_counts import LookupCounts
from masthead.main import build_parser
from masthead.samples import SAMPLE_ISSUE
from newsletter.parse import parse_issue
from newsletter.tips import TipDraft
from tests.cli.test_settings_errors import assert_one_line_error, run_cli

NEWSLETTER = "This Month in China"


def _seed(url: str) -> None:
    """The sample published, with votes on item 1, opens of items 2 and 3, empty searches
    (one with a terminal escape in it) and a tip for January."""

    async def seed() -> None:
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
            sessionmaker = create_sessionmaker(engine)
            document = parse_issue(SAMPLE_ISSUE.read_bytes(), newsletter=NEWSLETTER)
            async with sessionmaker.begin() as session:
                issue, _ = await store_document(session, document)
                await publish(session, issue)
                item_ids = await issues.item_ids(session, issue.id)
                for user, helpful in [(1, True), (2, True), (3, False)]:
                    await votes.cast_vote(
                        session, item_id=item_ids[1], user_id=user, helpful=helpful
                    )
                await tips.submit_tip(
                    session,
                    newsletter=NEWSLETTER,
                    guild_id=1,
                    user_id=9,
                    draft=TipDraft("Ports automate night shifts", None, None),
                    anonymous=False,
                    for_month="2024-01",
                    limit_per_hour=5,
                )
            counter = LookupCounts(sessionmaker, NEWSLETTER)
            for _ in range(4):
                counter.item_opened(issue.id, 2)
            counter.full_text_opened(issue.id, 3)
            for query in ["Lithium  Mines", "lithium mines", "\x1b[2Jwiped"]:
                counter.search_missed(query)
            await counter.flush()
        finally:
            await engine.dispose()

    asyncio.run(seed())


@pytest.fixture
def seeded(database_url: str) -> str:
    _seed(database_url)
    return database_url


def test_the_terminal_report_shows_the_counts(tmp_path: Path, seeded: str) -> None:
    result = run_cli(tmp_path, "feedback", "--month", "2023-12", DATABASE_URL=seeded)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith("(2023-12): feedback")
    rows = {int(line.split()[0]): line.split()[1:5] for line in lines if line[:3].strip().isdigit()}
    assert rows[1] == ["2", "1", "0", "0"]
    assert rows[2] == ["0", "0", "4", "0"]
    assert rows[3] == ["0", "0", "0", "1"]
    assert "       2  lithium mines" in lines
    assert "       1  [2jwiped" in lines
    assert "\x1b" not in result.stdout
    assert lines[-1] == "Tips for 2024-01: pending 1"


def test_json_has_the_same_numbers(tmp_path: Path, seeded: str) -> None:
    result = run_cli(tmp_path, "feedback", "--json", DATABASE_URL=seeded)  # the latest issue
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["month"] == "2023-12"
    items = {i["number"]: i for i in report["items"]}
    assert (items[1]["helpful"], items[1]["not_helpful"]) == (2, 1)
    assert (items[2]["item_opens"], items[3]["full_text_opens"]) == (4, 1)
    assert sum(i["item_opens"] + i["full_text_opens"] for i in report["items"]) == 5
    assert report["missed_searches"] == [
        {"query": "lithium mines", "count": 2},
        {"query": "[2jwiped", "count": 1},
    ]
    assert report["tips"] == {"month": "2024-01", "by_status": {"pending": 1}}


def test_no_issue_or_an_unknown_month_is_a_one_line_error(tmp_path: Path) -> None:
    assert_one_line_error(run_cli(tmp_path, "feedback"), "no issue is published yet")
    assert_one_line_error(
        run_cli(tmp_path, "feedback", "--month", "2031-07"), "no issue of 2031-07"
    )


@pytest.mark.parametrize(
    "month", ["July", "2023-12'; DROP TABLE issues; --", "\x1b[2J", "9" * 5000, ""]
)
def test_a_hostile_month_is_refused_before_anything_runs(
    month: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The parser alone (in this process): nothing past it may see the text.
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["feedback", "--month", month])
    assert exited.value.code == 2
    stderr = capsys.readouterr().err
    assert "is not a month like 2024-01" in stderr
    assert "\x1b" not in stderr and len(stderr) < 1000

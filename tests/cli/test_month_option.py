"""`--month` on preview and import: the month of an issue that carries no date, and of a
second weekly issue in the same month."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_settings_errors import assert_one_line_error, run_cli

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"
UNDATED = CORPUS / "haskell-weekly" / "issue-538.markdown"  # the date lives in the site's code


def weekly(day: int) -> str:
    links = "\n".join(f"- [Story {day}-{n}](https://example.com/{day}/{n})" for n in range(3))
    return f"# Weekly — 2024-07-{day:02d}\n\nThis week's note.\n\n## Links\n\n{links}\n"


def test_an_issue_without_a_date_is_refused_naming_what_was_found(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "preview", str(UNDATED))
    assert_one_line_error(
        result, "issue-538.markdown", "found 13 linked bullets in 4 sections but no date"
    )
    assert "--month" in result.stderr


def test_month_option_gives_the_month(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "preview", str(UNDATED), "--json", "--month", "2026-08")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["month"], document["title"]) == ("2026-08", "August 2026")
    assert document["items"][0]["section"] == "Featured"


@pytest.mark.parametrize("month", ["August", "2024-1", "2024-13", "2024-01-05", " 2024-01"])
def test_month_option_must_be_a_month_as_stored(tmp_path: Path, month: str) -> None:
    result = run_cli(tmp_path, "preview", str(UNDATED), "--month", month)
    assert result.returncode == 2
    assert "is not a month like 2024-01" in result.stderr


def test_preview_says_which_layout_it_read(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "preview", str(UNDATED), "--month", "2026-08")
    assert result.returncode == 0, result.stderr
    assert "Layout: 13 linked bullets in 4 sections" in result.stdout


def test_a_second_weekly_issue_of_a_month_needs_its_own_month(
    tmp_path: Path, database_url: str
) -> None:
    first, second = tmp_path / "weekly-10.md", tmp_path / "weekly-17.md"
    first.write_text(weekly(10), encoding="utf-8")
    second.write_text(weekly(17), encoding="utf-8")
    stored = run_cli(tmp_path, "import", str(first), DATABASE_URL=database_url)
    assert stored.returncode == 0, stored.stderr
    refused = run_cli(tmp_path, "import", str(second), DATABASE_URL=database_url)
    assert_one_line_error(refused, "weekly-17.md", "2024-07", "--replace", "--month")
    both = run_cli(tmp_path, "import", str(first), str(second), DATABASE_URL=database_url)
    assert_one_line_error(both, "weekly-17.md", "also in", "--month")
    moved = run_cli(
        tmp_path, "import", str(second), "--month", "2024-08", DATABASE_URL=database_url
    )
    assert moved.returncode == 0, moved.stderr
    assert "2024-08 created (3 items)" in moved.stdout

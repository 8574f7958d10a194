"""`import` of changed text for a stored month names what changed, with or without
--replace (what a replaced published issue's output adds is in
tests/cogs/test_corrections_crash.py, which publishes one)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_settings_errors import assert_one_line_error, run_cli
from tests.cogs.helpers import issue_text

BODIES = {
    "Solar farms spread across Gansu": "Gansu added solar panels. Officials expect more.",
    "Beijing opens a new subway line": "The line links the airport. It cuts the trip.",
}


def test_changed_text_names_the_changes_and_needs_replace(
    tmp_path: Path, database_url: str
) -> None:
    issue = tmp_path / "2024-01.txt"
    issue.write_text(issue_text(bodies=BODIES), encoding="utf-8")
    assert run_cli(tmp_path, "import", str(issue), DATABASE_URL=database_url).returncode == 0

    changed = {**BODIES, "Beijing opens a new subway line": "The line opens in June. It is fast."}
    changed["Shanghai tests flying taxis"] = "Two companies fly test routes. Flights start soon."
    issue.write_text(issue_text(bodies=changed), encoding="utf-8")
    summary = "items changed: 2; items added: 3; items removed: none; editorial: unchanged"

    refused = run_cli(tmp_path, "import", str(issue), DATABASE_URL=database_url)
    assert_one_line_error(refused, "2024-01.txt", "--replace", summary, "nothing was stored")
    replaced = run_cli(tmp_path, "import", str(issue), "--replace", DATABASE_URL=database_url)
    assert replaced.returncode == 0, replaced.stderr
    # Not published: nothing was posted, so there is nothing to correct.
    assert replaced.stdout.strip() == f"{issue}: 2024-01 replaced (3 items): {summary}"

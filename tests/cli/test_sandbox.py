"""`python bot.py sandbox`: the real bot and the emulator, driven through stdin or a script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.cogs.helpers import issue_text

ROOT = Path(__file__).resolve().parents[2]


def run_sandbox(
    cwd: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The sandbox as a user starts it: from a directory with no `.env`, and no Discord or
    database settings in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "sandbox", *args],
        input=stdin,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )


def test_sandbox_publishes_the_sample_and_answers_commands(tmp_path: Path) -> None:
    script = "/item number:3\n/search query:DRAM\n/item number:12\nnews\nquit\n"
    result = run_sandbox(tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Published December 2023 to #news" in out
    assert "3. Xiaomi founder Lei Jun ready to take on Tesla in the EV market" in out
    assert "I always envisioned" in out  # the editor's take on the card
    assert "4. China memory chip maker CXMT" in out  # the search hit
    assert "December 2023 has items 1–7; there is no item 12." in out
    assert "── thread: This Month in China — December 2023" in out
    assert not (tmp_path / "data").exists()  # the sandbox keeps to a temporary database


def test_script_publishes_an_issue_reads_it_and_reviews_a_tip(tmp_path: Path) -> None:
    (tmp_path / "january.txt").write_text(issue_text("January 2024"), encoding="utf-8")
    (tmp_path / "session.txt").write_text(
        """\
# The editor imports January and publishes it from the preview.
/issue import file:january.txt
click 2
/latest
/item number:2
/search query:subway

# A reader sends a tip through the form, fields on the line.
as reader
/tip headline:"Shanghai opens Asia's largest vertical farm" link:https://example.com/farm why:Food
/mytips

# A moderator approves it, with a note for the tipster.
as moderator
/review
click 1 reason:"Great find"
review
as reader
dms
""",
        encoding="utf-8",
    )
    result = run_sandbox(tmp_path, "--script", "session.txt")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    # Each line is echoed at the prompt of whoever acts, then answered.
    assert "editor@#general> /issue import file:january.txt\n┃ Preview — " in out
    assert "┃ This Month in China — January 2024\n┃ 1. Solar farms spread across Gansu" in out
    assert "┃ 2. Beijing opens a new subway line\n┃ The line links the airport" in out
    assert "┃ — January 2024 · 2. Beijing opens a new subway line" in out  # the search hit
    assert "reader@#general> /tip headline:" in out
    assert "Thanks! Your tip #1 is in, for the February 2024 issue." in out
    assert "(new messages: 1 in #review)" in out
    assert "┃ #1 · ⏳ pending · Shanghai opens Asia's largest vertical farm" in out
    assert "moderator@#general> /review\n1 tip(s) waiting for review" in out
    assert "[1] Approve\n[2] Shortlist\n[3] Reject" in out
    assert "Tip #1: Approved by @moderator just now." in out
    assert "┃   Approved by @moderator just now\n┃ — Note\n┃   Great find" in out  # the card
    assert "Good news: your tip “Shanghai opens Asia's largest vertical farm” (tip #1)" in out
    assert "error" not in out


def test_a_failing_line_makes_the_script_exit_non_zero_naming_it(tmp_path: Path) -> None:
    (tmp_path / "session.txt").write_text(
        "/latest\n\n# the issue has 7 items\n/item number:12\n/item number:abc\n/item number:7\n",
        encoding="utf-8",
    )
    result = run_sandbox(tmp_path, "--script", "session.txt")
    assert result.returncode == 1
    out = result.stdout
    assert (
        "December 2023 has items 1–7; there is no item 12.\n"
        "error: line 4: the bot answered with an error: December 2023 has items 1–7; "
        "there is no item 12.\n"
    ) in out
    # The range is the one the bot registered for the option.
    assert "error: line 5: number: enter a whole number from 1 to " in out
    assert "7. Generative AI updates from China" in out  # the script went on
    assert "sandbox: 2 line(s) of session.txt failed: line 4, line 5" in result.stderr


def test_a_form_asks_for_each_field_at_the_terminal(tmp_path: Path) -> None:
    answers = [
        "/tip",
        "Too short",  # refused by the form's limits, and asked again
        "Shanghai opens Asia's largest vertical farm",
        "https://example.com/farm",
        "",  # optional: left empty
        "/setup show",
        "quit",
    ]
    result = run_sandbox(tmp_path, "--user", "reader", stdin="\n".join(answers) + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "You are @reader." in out
    assert "The bot opened a form, “Send a news tip”." in out
    prompt = "  Headline (required, 10–150 characters; What happened, in one line): "
    assert f"{prompt}Too short\n  headline: enter 10–150 characters (this is 9)\n{prompt}" in out
    assert "  Link (optional) (at most 2048 characters; https://…): https://example.com/farm" in out
    assert "  Why it matters (optional) (at most 1000 characters): \n" in out
    assert "Thanks! Your tip #1 is in" in out
    # A reader is no moderator.
    assert "reader@#general> /setup show\nOnly moderators" in out

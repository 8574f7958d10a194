"""The pytest plugin fails a test that made Discord refuse a request, unless expected."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

TESTS = """
import aiohttp

async def test_refused(fake_discord):
    g = fake_discord.add_guild("g"); c = fake_discord.add_channel(g, "c")
    async with aiohttp.ClientSession() as s, s.post(
        f"{fake_discord.api_base}/channels/{c.id}/messages", json={"content": 1},
        headers={"Authorization": f"Bot {fake_discord.token}"}) as r:
        assert r.status == 400

async def test_expected(fake_discord):
    g = fake_discord.add_guild("g"); c = fake_discord.add_channel(g, "c")
    with fake_discord.expect_violation(code=50035):
        async with aiohttp.ClientSession() as s, s.post(
            f"{fake_discord.api_base}/channels/{c.id}/messages", json={"content": 1},
            headers={"Authorization": f"Bot {fake_discord.token}"}) as r:
            assert r.status == 400
"""


def test_violation_fails_the_test_unless_expected(tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(TESTS))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "fakediscord.pytest_plugin",
            "-q",
            "-o",
            "asyncio_mode=auto",
            "-p",
            "no:cacheprovider",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )

    # The refusal fails test_refused at teardown; test_expected passes.
    assert "2 passed, 1 error" in run.stdout, run.stdout
    summary = run.stdout.split("short test summary")[-1]
    assert "ERROR test_sample.py::test_refused - Failed: Discord would have refused" in summary
    assert "test_expected" not in summary

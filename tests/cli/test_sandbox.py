"""`python bot.py sandbox`: the real bot and the emulator, driven through stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_sandbox_publishes_the_sample_and_answers_commands(tmp_path: Path) -> None:
    script = "/item number:3\n/search query:DRAM\n/item number:12\nnews\nquit\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "sandbox"],
        input=script,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Published December 2023 to #news" in out
    assert "3. Xiaomi founder Lei Jun ready to take on Tesla in the EV market" in out
    assert "I always envisioned" in out  # the editor's take on the card
    assert "4. China memory chip maker CXMT" in out  # the search hit
    assert "December 2023 has items 1–7; there is no item 12." in out
    assert "── thread: This Month in China — December 2023" in out
    assert not (tmp_path / "data").exists()  # the sandbox keeps to a temporary database

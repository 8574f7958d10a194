"""Running a benchmark in its --quick mode from a test: every script under bench/ runs so,
so none rots between the runs done by hand. Nothing here asserts speed."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent


def run_quick(
    script: str,
    report: str,
    *,
    timeout: float = 120,
    table: bool = True,
    args: Sequence[str] = (),
) -> tuple[str, dict[str, Any]]:
    """``bench/<script> --quick [args]``: what it printed and the JSON report it wrote
    to bench/out/<report>. A table (``table``) has a ratio column and a target line."""
    path = ROOT / "bench" / "out" / report
    path.unlink(missing_ok=True)  # a report left by an earlier run proves nothing
    result = subprocess.run(
        [sys.executable, f"bench/{script}", "--quick", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    if table:
        header = next(line for line in result.stdout.splitlines() if line.startswith("case"))
        assert "ratio" in header.split()
        assert "target:" in result.stdout
    written: dict[str, Any] = json.loads(path.read_text())
    return result.stdout, written

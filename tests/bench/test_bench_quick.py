"""Every benchmark runs in --quick mode, so none rots between the runs done by hand."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

# (script, report written to bench/out/, a line the printed table must have)
BENCHES = [
    ("bench_commands.py", "commands.json", "throughput (commands/s)"),
    ("bench_delivery.py", "delivery.json", "Masthead: issue to 10 servers"),
    ("bench_corrections.py", "corrections.json", "Masthead: one item corrected in 10 servers"),
    ("bench_search.py", "search.json", "all 14 queries"),
]


@pytest.mark.parametrize(("script", "report", "row"), BENCHES, ids=[b[0] for b in BENCHES])
def test_bench_quick_prints_ratios_and_writes_json(script: str, report: str, row: str) -> None:
    (ROOT / "bench" / "out" / report).unlink(missing_ok=True)  # only this run's report counts
    result = subprocess.run(
        [sys.executable, f"bench/{script}", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    header = next(line for line in result.stdout.splitlines() if line.startswith("case"))
    assert "ratio" in header.split()
    assert row in result.stdout
    assert "target:" in result.stdout
    written = json.loads((ROOT / "bench" / "out" / report).read_text())
    assert written["quick"] is True
    ratios = [r["ratio"] for r in written["rows"] if "ratio" in r]
    assert ratios and all(value > 0 for value in ratios)

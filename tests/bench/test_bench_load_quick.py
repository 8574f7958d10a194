"""The load test runs in --quick mode, as test_bench_quick.py runs the other benchmarks,
so it does not rot between the runs done by hand. Nothing here asserts speed."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
COMMANDS = ("/latest", "/item", "/search", "/tip", "/tip submit")


def test_bench_load_quick_answers_every_command_during_a_delivery() -> None:
    report = ROOT / "bench" / "out" / "load.json"
    report.unlink(missing_ok=True)  # only this run's report counts
    result = subprocess.run(
        [sys.executable, "bench/bench_load.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    header = next(line for line in result.stdout.splitlines() if line.startswith("case"))
    assert "ratio" in header.split()
    assert "failures: 0" in result.stdout
    assert "target:" in result.stdout
    written = json.loads(report.read_text())
    assert written["quick"] is True and written["failures"] == []
    rows = {r["case"]: r for r in written["rows"]}
    # 40 commands in turn: ten of each, and every /tip's form submitted.
    assert [rows[f"{name} (ms)"]["n"] for name in COMMANDS] == [10] * 5
    assert all(r["ratio"] > 0 for r in rows.values())

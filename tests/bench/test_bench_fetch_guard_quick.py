import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_bench_fetch_guard_quick_prints_ratios_and_writes_json() -> None:
    written = ROOT / "bench" / "out" / "fetch_guard.json"
    written.unlink(missing_ok=True)  # a report left by an earlier run proves nothing
    result = subprocess.run(
        [sys.executable, "bench/bench_fetch_guard.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    header = next(line for line in result.stdout.splitlines() if line.startswith("case"))
    assert "ratio" in header.split()
    assert "target:" in result.stdout
    report = json.loads(written.read_text())
    assert report["quick"] is True
    assert [r["case"][:3] for r in report["rows"]] == ["(a)", "(b)", "(c)"]
    assert all(r["ratio"] > 0 and r["runs"] > 0 for r in report["rows"])

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_bench_parse_quick_runs_and_writes_json() -> None:
    written = ROOT / "bench" / "out" / "parse.json"
    written.unlink(missing_ok=True)  # a report left by an earlier run proves nothing
    result = subprocess.run(
        [sys.executable, "bench/bench_parse.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "sample preview" in result.stdout
    report = json.loads(written.read_text())
    assert [r["case"][:3] for r in report["rows"]] == ["(a)", "(b)", "(c)"]
    assert all(r["p50_ms"] > 0 for r in report["rows"])

"""The tips benchmarks run in --quick mode, as test_bench_quick.py runs the others, so
neither rots between the runs done by hand. Nothing here asserts speed."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def run_quick(script: str, report: str) -> tuple[str, dict]:
    (ROOT / "bench" / "out" / report).unlink(missing_ok=True)  # only this run's report counts
    result = subprocess.run(
        [sys.executable, f"bench/{script}", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    header = next(line for line in result.stdout.splitlines() if line.startswith("case"))
    assert "ratio" in header.split()
    assert "target:" in result.stdout
    written = json.loads((ROOT / "bench" / "out" / report).read_text())
    assert written["quick"] is True
    ratios = [r["ratio"] for r in written["rows"] if "ratio" in r]
    assert ratios and all(value > 0 for value in ratios)
    return result.stdout, written


def test_bench_tips_quick_submits_to_both_bots() -> None:
    stdout, written = run_quick("bench_tips.py", "tips.json")
    assert "submit -> receipt, only this run's tips" in stdout
    assert "submit -> receipt, 300 earlier tips" in stdout
    submits = [r for r in written["rows"] if r["key"] in ("empty", "earlier")]
    assert [r["n"] for r in submits] == [10, 10]
    assert all(r["p50"] > 0 and r["baseline_p50"] > 0 for r in submits)


def test_bench_export_quick_times_and_measures_every_run() -> None:
    stdout, written = run_quick("bench_export.py", "export.json")
    assert "csv, 2,000 tips" in stdout
    assert "json, 2,000 tips" in stdout
    measured = [r for r in written["rows"] if r["tips"]]
    assert {(r["format"], r["tips"]) for r in measured} == {
        (f, n) for f in ("csv", "json") for n in (500, 2000)
    }
    assert all(r["cli_peak_rss_mb"] > 0 and r["traced_mb"] > 0 for r in measured)


def test_bench_tip_writer_quick_times_the_writer_and_a_session() -> None:
    stdout, written = run_quick("bench_tip_writer.py", "tip_writer.json")
    assert "submission, 0 earlier tips" in stdout
    assert "submission, 300 earlier tips" in stdout
    assert [(r["earlier"], r["n"]) for r in written["rows"]] == [(0, 10), (300, 10)]
    assert all(r["p50"] > 0 and r["baseline_p50"] > 0 for r in written["rows"])

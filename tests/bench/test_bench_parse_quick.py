"""bench/bench_parse.py in --quick mode (see quick.py)."""

from tests.bench.quick import run_quick


def test_bench_parse_quick_runs_and_writes_json() -> None:
    printed, report = run_quick("bench_parse.py", "parse.json", timeout=110, table=False)
    assert "sample preview" in printed
    assert [r["case"][:3] for r in report["rows"]] == ["(a)", "(b)", "(c)"]
    assert all(r["p50_ms"] > 0 for r in report["rows"])

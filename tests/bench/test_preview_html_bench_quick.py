"""bench/bench_preview_page.py in --quick mode (see quick.py)."""

from tests.bench.quick import run_quick


def test_bench_preview_page_quick_prints_ratios_and_writes_json() -> None:
    _, report = run_quick("bench_preview_page.py", "preview_page.json", timeout=90)
    assert report["quick"] is True
    assert [r["case"][:3] for r in report["rows"]] == ["(a)", "(b)", "(c)"]
    assert all(r["ratio"] > 0 and r["page_mb"] > 0 for r in report["rows"])

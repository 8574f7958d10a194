"""Every benchmark runs in --quick mode, so none rots between the runs done by hand."""

import pytest

from tests.bench.quick import run_quick

# (script, report written to bench/out/, a line the printed table must have)
BENCHES = [
    ("bench_commands.py", "commands.json", "throughput (commands/s)"),
    ("bench_delivery.py", "delivery.json", "Masthead: issue to 10 servers"),
    ("bench_corrections.py", "corrections.json", "Masthead: one item corrected in 10 servers"),
    ("bench_search.py", "search.json", "all 14 queries"),
]


@pytest.mark.parametrize(("script", "report", "row"), BENCHES, ids=[b[0] for b in BENCHES])
def test_bench_quick_prints_ratios_and_writes_json(script: str, report: str, row: str) -> None:
    printed, written = run_quick(script, report, timeout=90)
    assert row in printed
    assert written["quick"] is True
    ratios = [r["ratio"] for r in written["rows"] if "ratio" in r]
    assert ratios and all(value > 0 for value in ratios)

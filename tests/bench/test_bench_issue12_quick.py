"""The issue 12 benchmarks (memory per server, /issue publish at many servers) run in
--quick mode, so they do not rot between the runs done by hand."""

from tests.bench.quick import run_quick


def test_bench_memory_quick_prints_per_server_memory_and_writes_json() -> None:
    printed, written = run_quick("bench_memory.py", "memory.json", table=False)
    assert "Masthead: the bot with 200 servers" in printed
    assert "target: under 100 KB per server" in printed
    assert written["quick"] is True
    assert written["servers"] == 200
    baseline, bot = written["rows"]
    assert baseline["servers"] == 1 and baseline["rss_kb"] > 0 and bot["rss_kb"] > 0
    # Both measured in this run; the per-server figure is what they imply.
    implied = (bot["rss_kb"] - baseline["rss_kb"]) / 199
    assert abs(bot["per_server_kb"] - implied) < 1e-6


def test_bench_publish_quick_prints_answer_times_and_writes_json() -> None:
    printed, written = run_quick("bench_publish.py", "publish.json")
    assert "/issue publish to 200 servers" in printed
    assert "target: every answer under" in printed
    assert written["quick"] is True
    publish, latest, bulk, row_at_a_time = written["rows"]
    assert publish["samples"] == 3 and latest["samples"] == 9
    assert publish["ratio"] > 0 and bulk["ratio"] > 0
    assert row_at_a_time["case"].startswith("baseline:")

"""bench/bench_review_outbox.py in --quick mode (see quick.py)."""

from tests.bench.quick import run_quick


def test_bench_review_outbox_quick_times_both_queries_in_both_cases() -> None:
    printed, written = run_quick("bench_review_outbox.py", "review_outbox.json", timeout=100)
    assert written["quick"] is True
    assert [row["key"] for row in written["rows"]] == [
        f"{case}:{query}"
        for case in ("pending", "carded")
        for query in ("cards_to_post", "cards_to_edit")
    ]
    assert all(row["n"] == 10 and row["p50"] > 0 and row["ratio"] > 0 for row in written["rows"])
    assert "+300 pending tips, servers without settings" in printed

"""The load test in --quick mode (see quick.py)."""

from tests.bench.quick import run_quick

COMMANDS = ("/latest", "/item", "/search", "/tip", "/tip submit")


def test_bench_load_quick_answers_every_command_during_a_delivery() -> None:
    printed, written = run_quick("bench_load.py", "load.json", timeout=100)
    assert "failures: 0" in printed
    assert written["quick"] is True and written["failures"] == []
    rows = {r["case"]: r for r in written["rows"]}
    # 40 commands in turn: ten of each, and every /tip's form submitted.
    assert [rows[f"{name} (ms)"]["n"] for name in COMMANDS] == [10] * 5
    assert all(r["ratio"] > 0 for r in rows.values())

"""The tips benchmarks run in --quick mode, as test_bench_quick.py runs the others, so
none rots between the runs done by hand. Nothing here asserts speed."""

from tests.bench.quick import run_quick


def test_bench_tips_quick_submits_to_both_bots_and_splits_the_time() -> None:
    stdout, written = run_quick("bench_tips.py", "tips.json", args=["--breakdown"])
    assert "submit -> receipt, only this run's tips" in stdout
    assert "submit -> receipt, 300 earlier tips" in stdout
    assert written["quick"] is True
    submits = [r for r in written["rows"] if r["key"] in ("empty", "earlier")]
    assert [r["n"] for r in submits] == [10, 10]
    assert all(r["p50"] > 0 and r["baseline_p50"] > 0 and r["ratio"] > 0 for r in submits)
    # Each bot's phases, as measured in this run: three per case, none negative.
    assert "where the submit time went" in stdout
    phases = written["phases"]
    assert len(phases) == 6
    assert all(p["p50"] >= 0 and p["baseline_p50"] >= 0 for p in phases)
    assert all(p["p50"] > 0 for p in phases if p["phase"] == "handler to its answer")


def test_bench_export_quick_times_and_measures_every_run() -> None:
    stdout, written = run_quick("bench_export.py", "export.json", table=False)
    assert "csv, 2,000 tips" in stdout
    assert "json, 2,000 tips" in stdout
    assert written["quick"] is True
    measured = [r for r in written["rows"] if r["tips"]]
    assert {(r["format"], r["tips"]) for r in measured} == {
        (f, n) for f in ("csv", "json") for n in (500, 2000)
    }
    assert all(r["cli_peak_rss_mb"] > 0 and r["traced_mb"] > 0 for r in measured)


def test_bench_tip_writer_quick_times_the_writer_and_a_session() -> None:
    stdout, written = run_quick("bench_tip_writer.py", "tip_writer.json")
    assert "submission, 0 earlier tips" in stdout
    assert "submission, 300 earlier tips" in stdout
    assert written["quick"] is True
    assert [(r["earlier"], r["n"]) for r in written["rows"]] == [(0, 10), (300, 10)]
    assert all(r["p50"] > 0 and r["baseline_p50"] > 0 for r in written["rows"])

"""Benchmark the HTML preview page (`preview --html`, the page /issue import attaches)
against its baseline: `render_issue` alone, the parts the page shows. The ratio is what
the page costs on top of what delivery computes anyway.

(a) the sample issue;
(b) a 2 MB issue (the largest file /issue import takes): the sample's items repeated to
    120 items of ~17 kB each, so every item flows over several messages;
(c) a hostile 2 MB issue whose text is all markup characters (`<&>"'`), which the
    escaping grows most: its page's size is checked against Discord's 10 MB upload limit
    (a page over it is not attached; /issue import says to run `preview --html`).

Usage: python bench/bench_preview_page.py [--quick] [--repeat N]
Writes bench/out/preview_page.json and prints the table.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable

from _common import percentile, print_table, ratio, verdict, write_report

from masthead.samples import SAMPLE_ISSUE
from newsletter import IssueDocument, parse_issue
from newsletter.preview_page import issue_page
from newsletter.render import render_issue

ISSUE_BYTES = 2 * 1024 * 1024
UPLOAD_LIMIT = 10 * 1024 * 1024
TARGET_SAMPLE_MS = 50.0
TARGET_LARGE_MS = 1000.0


def large(sample: IssueDocument, filler: str | None = None) -> IssueDocument:
    """About 2 MB of item text: the sample's bodies (or `filler`) repeated."""
    count = 120
    per_item = ISSUE_BYTES // count
    items = []
    for number in range(1, count + 1):
        source = sample.items[(number - 1) % len(sample.items)]
        text = filler or source.body
        body = (text + "\n\n") * (per_item // (len(text) + 2) + 1)
        items.append(dataclasses.replace(source, number=number, body=body[:per_item]))
    return dataclasses.replace(sample, items=tuple(items))


def time_ms(action: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds per run. The ratio is judged on CPU time: the machine's
    cores are shared, and wall time measures the neighbours too."""
    action()  # warm up: the template compiles once per process
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def row(name: str, document: IssueDocument, repeat: int) -> dict[str, float | str]:
    page, page_cpu = time_ms(lambda: issue_page(document), repeat)
    _, parts_cpu = time_ms(lambda: render_issue(document), repeat)
    text = sum(len(i.body) for i in document.items)
    return {
        "case": name,
        "text_mb": text / 2**20,
        "page_mb": len(issue_page(document).encode("utf-8")) / 2**20,
        "p50_ms": percentile(page, 50),
        "cpu_p50_ms": percentile(page_cpu, 50),
        "baseline_cpu_p50_ms": percentile(parts_cpu, 50),
        "ratio": ratio(percentile(page_cpu, 50), percentile(parts_cpu, 50)),
        "runs": repeat,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny repetition counts")
    parser.add_argument("--repeat", type=int, help="repetitions of the sample")
    args = parser.parse_args(argv)
    sample_repeat = args.repeat or (3 if args.quick else 200)
    large_repeat = 1 if args.quick else 10

    sample = parse_issue(SAMPLE_ISSUE.read_bytes(), filename=SAMPLE_ISSUE.name)
    rows = [
        row("(a) sample: 7 items", sample, sample_repeat),
        row("(b) 2 MB issue: 120 items", large(sample), large_repeat),
        row("(c) 2 MB of <&>\"' : 120 items", large(sample, "<&>\"' " * 40), large_repeat),
    ]
    print_table(
        rows,
        [
            ("case", "case"),
            ("text_mb", "text MB"),
            ("page_mb", "page MB"),
            ("p50_ms", "page p50 ms"),
            ("cpu_p50_ms", "page CPU ms"),
            ("baseline_cpu_p50_ms", "parts CPU ms"),
            ("ratio", "ratio"),
            ("runs", "runs"),
        ],
    )
    sample_met = float(rows[0]["cpu_p50_ms"]) < TARGET_SAMPLE_MS
    large_met = all(float(r["cpu_p50_ms"]) < TARGET_LARGE_MS for r in rows[1:])
    fits = all(float(r["page_mb"]) * 2**20 <= UPLOAD_LIMIT for r in rows)
    print(f"target: sample page < {TARGET_SAMPLE_MS:.0f} ms CPU: {verdict(sample_met)}")
    print(f"target: 2 MB issue's page < {TARGET_LARGE_MS:.0f} ms CPU: {verdict(large_met)}")
    print(f"target: every page within the 10 MB upload limit: {verdict(fits)}")
    write_report(
        "preview_page",
        {
            "quick": args.quick,
            "targets_met": {"sample": sample_met, "large": large_met, "upload": fits},
            "rows": rows,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the fetch guard (masthead/fetch_guard.py) against its baseline: the same
fetch with private addresses allowed, where aiohttp resolves and connects unchecked.

Each fetch opens a new session, as `/issue fetch` and the CLI do, so every one resolves
its host and connects afresh: the guard's whole cost, not hidden by a kept-alive
connection. A local server answers a 20 kB page.

(a) an address written as the host (http://127.0.0.1:PORT/): the guard reads it;
(b) a name (http://localhost:PORT/): the guard's resolver checks every address it gets;
(c) the check alone, on a mix of hosts (per host; baseline: `urlsplit` of the URL).

The bench has no public server: in this process alone, loopback counts as public, so the
guarded fetches go through every check and then connect.

Usage: python bench/bench_fetch_guard.py [--quick] [--repeat N]
Writes bench/out/fetch_guard.json and prints the table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from _common import percentile, print_table, ratio, verdict, write_report
from aiohttp import web

from masthead import fetch_guard
from masthead.fetching import Limits, fetch

PAGE = "<html><body>" + "<p>An item of the issue, as a page would carry it.</p>" * 400
TARGET_RATIO = 1.5  # a guarded fetch may cost at most half again an unguarded one
HOSTS = ["127.0.0.1", "localhost", "[::1]", "2130706433", "example.com", "10.0.0.5"]


def loopback_counts_as_public() -> None:
    real = fetch_guard.non_public_kind

    def kind(address: fetch_guard.Address) -> str | None:
        return None if address.is_loopback else real(address)

    fetch_guard.non_public_kind = kind  # type: ignore[assignment]


async def serve() -> tuple[web.AppRunner, int]:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


async def fetch_ms(url: str, limits: Limits, repeat: int) -> list[float]:
    await fetch(url, limits=limits)  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fetched = await fetch(url, limits=limits)
        times.append((time.perf_counter() - start) * 1000)
        assert fetched is not None and len(fetched.body) > 10_000
    return times


def call_us(action: Callable[[], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        action()
    return (time.perf_counter() - start) * 1e6 / repeat


def check_all() -> None:
    for host in HOSTS:
        with contextlib.suppress(fetch_guard.AddressRefused):
            fetch_guard.check_host(host)


async def run(repeat: int) -> list[dict[str, float | str]]:
    loopback_counts_as_public()
    runner, port = await serve()
    rows: list[dict[str, float | str]] = []
    try:
        for name, host in [("(a) written address", "127.0.0.1"), ("(b) name", "localhost")]:
            url = f"http://{host}:{port}/"
            # Interleaved rounds, so that a busy neighbour slows both sides alike.
            guarded: list[float] = []
            plain: list[float] = []
            for _ in range(5):
                guarded += await fetch_ms(url, Limits(), max(1, repeat // 5))
                plain += await fetch_ms(url, Limits(allow_private=True), max(1, repeat // 5))
            rows.append(
                {
                    "case": name,
                    "guarded_p50_ms": percentile(guarded, 50),
                    "baseline_p50_ms": percentile(plain, 50),
                    "ratio": ratio(percentile(guarded, 50), percentile(plain, 50)),
                    "runs": len(guarded),
                }
            )
    finally:
        await runner.cleanup()
    urls = [f"http://{host}:80/" for host in HOSTS]
    calls = repeat * 100
    checked = call_us(check_all, calls) / len(HOSTS)
    split = call_us(lambda: [urlsplit(u).hostname for u in urls], calls) / len(HOSTS)
    rows.append(
        {
            "case": "(c) the check alone, per host",
            "guarded_p50_ms": checked / 1000,
            "baseline_p50_ms": split / 1000,
            "ratio": ratio(checked, split),
            "runs": calls,
        }
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny repetition counts")
    parser.add_argument("--repeat", type=int, help="fetches per case and side")
    args = parser.parse_args(argv)
    repeat = args.repeat or (5 if args.quick else 200)
    rows = asyncio.run(run(repeat))
    print_table(
        rows,
        [
            ("case", "case"),
            ("guarded_p50_ms", "guarded p50 ms"),
            ("baseline_p50_ms", "unguarded p50 ms"),
            ("ratio", "ratio"),
            ("runs", "runs"),
        ],
    )
    met = all(float(r["ratio"]) <= TARGET_RATIO for r in rows[:2])
    print(f"target: a guarded fetch within {TARGET_RATIO}x an unguarded one: {verdict(met)}")
    write_report("fetch_guard", {"quick": args.quick, "targets_met": {"ratio": met}, "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())

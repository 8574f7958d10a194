"""Shared by the benchmarks: percentiles, the printed table and the JSON report."""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ratio(subject: float, base: float) -> float:
    return subject / base if base else math.inf


def print_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> None:
    """Rows as an aligned text table; ``columns`` are (key, heading) pairs."""
    cells = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    widths = [
        max(len(heading), *(len(line[i]) for line in cells))
        for i, (_, heading) in enumerate(columns)
    ]
    print(
        "  ".join(
            h.ljust(w) if i == 0 else h.rjust(w)
            for i, ((_, h), w) in enumerate(zip(columns, widths, strict=True))
        )
    )
    for line in cells:
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return "" if value is None else str(value)


def machine() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def write_report(name: str, report: Mapping[str, Any]) -> Path:
    """bench/out/<name>.json with the run's time and machine; returns the path."""
    path = OUT_DIR / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"date": datetime.now(UTC).isoformat(timespec="seconds"), **machine(), **report}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")
    return path


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"

"""A real issue shipped with the package, for the sandbox and the tests: This Month in
China, December 2023, exactly as copied from the web (page noise and comments included)."""

from __future__ import annotations

from pathlib import Path

SAMPLE_ISSUE = Path(__file__).resolve().parent / "issue-2023-12.txt"

"""The corpus of real issues (tests/data/corpus): each issue file with its hand-written
ground truth beside it (same name, `.json`), described in SOURCES.md."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"


@dataclass(frozen=True)
class CorpusIssue:
    path: Path
    truth: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"


def corpus_issues() -> list[CorpusIssue]:
    found = []
    for truth_path in sorted(CORPUS.rglob("*.json")):
        path = truth_path.with_name(truth_path.name.removesuffix(".json"))
        found.append(CorpusIssue(path, json.loads(truth_path.read_text(encoding="utf-8"))))
    return found

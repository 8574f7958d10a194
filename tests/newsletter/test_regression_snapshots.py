"""The sample and the test issues parse exactly as they did before sections and the new
layouts existed: the snapshots were written by the parser of that time, and the document
only gained `section` (null for all of them), which the content hash leaves out when null."""

import hashlib
import json
from pathlib import Path

import pytest

from newsletter import parse_issue
from tests.newsletter.issue_data import ISSUES, SAMPLE

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
FILES = [SAMPLE, *sorted(p for p in ISSUES.iterdir() if p.is_file())]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_document_is_unchanged(path: Path) -> None:
    before = json.loads((SNAPSHOTS / f"{path.name}.json").read_text(encoding="utf-8"))
    doc = parse_issue(path.read_bytes(), filename=path.name)
    now = doc.to_dict()
    assert [item.pop("section") for item in now["items"]] == [None] * len(doc.items)
    assert now == before


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_content_hash_is_unchanged(path: Path) -> None:
    before = json.loads((SNAPSHOTS / f"{path.name}.json").read_text(encoding="utf-8"))
    canonical = json.dumps(before, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    old_hash = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert parse_issue(path.read_bytes(), filename=path.name).content_hash() == old_hash

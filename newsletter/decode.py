"""Turn uploaded bytes into clean text, refusing what cannot be a newsletter issue."""

from __future__ import annotations

from .errors import IssueFormatError

MAX_BYTES = 2_000_000
_UTF8_BOM = b"\xef\xbb\xbf"
# Tab, LF, CR and form feed occur in real text; other C0 controls mean binary data.
_ALLOWED_CONTROLS = frozenset(b"\t\n\r\f")
_MAX_CONTROL_RATIO = 0.01


def decode_bytes(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise IssueFormatError("file is larger than 2 MB")
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    if not data.strip():
        raise IssueFormatError("file is empty")
    if b"\x00" in data or _control_ratio(data) > _MAX_CONTROL_RATIO:
        raise IssueFormatError("file looks binary")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise IssueFormatError("cannot decode text (not UTF-8 or cp1252)") from None
    return normalize_text(text)


def normalize_text(text: str) -> str:
    """Check a str input the same way as bytes and normalise line endings."""
    if len(text) > MAX_BYTES // 4 and len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise IssueFormatError("file is larger than 2 MB")
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise IssueFormatError("file looks binary")
    sample = text[:20_000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    if sample and controls / len(sample) > _MAX_CONTROL_RATIO:
        raise IssueFormatError("file looks binary")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    if not text.strip():
        raise IssueFormatError("file is empty")
    return text


def _control_ratio(data: bytes) -> float:
    sample = data[:20_000]
    controls = sum(1 for byte in sample if byte < 32 and byte not in _ALLOWED_CONTROLS)
    return controls / len(sample)

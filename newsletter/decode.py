"""Turn uploaded bytes into clean text, refusing what cannot be a newsletter issue."""

from __future__ import annotations

import re

from .errors import IssueFormatError

MAX_BYTES = 2_000_000
# A newsletter issue has hundreds of lines, an HTML page a few thousand; Markdown's block
# parser takes about 7 µs a line, so this keeps the worst case well under a second.
MAX_LINES = 30_000
_UTF8_BOM = b"\xef\xbb\xbf"
# Tab, LF, CR and form feed occur in real text; other C0 controls mean binary data.
_ALLOWED_CONTROLS = frozenset(b"\t\n\r\f")
_MAX_CONTROL_RATIO = 0.01


_CJK = re.compile("[\u4e00-\u9fff]")


def decode_bytes(data: bytes) -> str:
    return decode_with_notes(data)[0]


def decode_with_notes(data: bytes) -> tuple[str, list[str]]:
    """The text, and a note when part of it had to be read in another encoding.

    The candidates are few and known: UTF-8 (line by line when only some lines are),
    GB18030 when the bytes read as Chinese, else Windows-1252. A statistical detector
    guesses on short texts, and a guess is worse than a refusal."""
    if len(data) > MAX_BYTES:
        raise IssueFormatError("file is larger than 2 MB")
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    if not data.strip():
        raise IssueFormatError("file is empty")
    if b"\x00" in data or _control_ratio(data) > _MAX_CONTROL_RATIO:
        raise IssueFormatError("file looks binary")
    try:
        return normalize_text(data.decode("utf-8")), []
    except UnicodeDecodeError:
        pass
    mixed = _mixed(data)
    if mixed is not None:
        return normalize_text(mixed[0]), [mixed[1]]
    chinese = _as_chinese(data)
    if chinese is not None:
        return normalize_text(chinese), []
    try:
        return normalize_text(data.decode("cp1252")), []
    except UnicodeDecodeError:
        raise IssueFormatError("cannot decode text (not UTF-8, cp1252 or GB18030)") from None


def _as_chinese(data: bytes) -> str | None:
    """GB18030 text, when the bytes read as mostly common Chinese characters (GB2312's). Most
    Windows-1252 bytes also form valid GB18030 pairs, but an accented letter before an ASCII
    letter gives a rare character outside GB2312, so Western text never passes."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    cjk = _CJK.findall(text)
    if len(cjk) < 10:
        return None
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    common = sum(1 for ch in cjk if _in_gb2312(ch))
    return text if common >= 10 and common >= 0.7 * non_ascii else None


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _mixed(data: bytes) -> tuple[str, str] | None:
    """Lines in UTF-8 next to lines in Windows-1252 (text pasted together from two sources):
    each line is read in the encoding it is valid in."""
    lines = data.split(b"\n")
    utf8_lines = 0
    decoded: list[str] = []
    legacy = 0
    for line in lines:
        try:
            decoded.append(line.decode("utf-8"))
            utf8_lines += not line.isascii()
        except UnicodeDecodeError:
            try:
                decoded.append(line.decode("cp1252"))
            except UnicodeDecodeError:
                return None
            legacy += 1
    if not utf8_lines:
        return None
    return "\n".join(decoded), f"mixed encodings: {legacy} line(s) read as Windows-1252, not UTF-8"


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
    lines = text.count("\n") + 1
    if lines > MAX_LINES:
        raise IssueFormatError(
            f"file has {lines:,} lines: more than the {MAX_LINES:,} of any newsletter issue"
        )
    return text


def _control_ratio(data: bytes) -> float:
    sample = data[:20_000]
    controls = sum(1 for byte in sample if byte < 32 and byte not in _ALLOWED_CONTROLS)
    return controls / len(sample)

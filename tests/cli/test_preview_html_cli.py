"""`preview --html FILE`: the issue's page written, or one line saying why not. The real
command line once; the refusals through the same functions, in process."""

from __future__ import annotations

from pathlib import Path

import pytest

from masthead.cli import CliError, preview
from masthead.main import build_parser
from masthead.samples import SAMPLE_ISSUE
from newsletter.parse import parse_issue
from newsletter.preview_page import issue_page
from tests.cli.test_settings_errors import run_cli

NEWSLETTER = "This Month in China"


def test_writes_the_page_of_the_parsed_issue(tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    out.write_text("an older page")  # replaced, not appended to
    result = run_cli(tmp_path, "preview", str(SAMPLE_ISSUE), "--html", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{out}: December 2023 as it will be posted (7 items)\n"
    document = parse_issue(SAMPLE_ISSUE.read_bytes(), filename=SAMPLE_ISSUE.name)
    assert out.read_text(encoding="utf-8") == issue_page(document)


def test_a_file_that_is_not_an_issue_writes_nothing(tmp_path: Path) -> None:
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    out = tmp_path / "page.html"
    with pytest.raises(CliError) as raised:
        preview(str(binary), NEWSLETTER, as_json=False, html=str(out))
    assert str(raised.value).startswith(f"{binary}: ")
    assert not out.exists()


def test_an_unwritable_page_is_an_error_naming_it(tmp_path: Path) -> None:
    out = tmp_path / "missing-folder" / "page.html"
    with pytest.raises(CliError) as raised:
        preview(str(SAMPLE_ISSUE), NEWSLETTER, as_json=False, html=str(out))
    assert str(raised.value).startswith(f"{out}: cannot write the file")
    assert "\n" not in str(raised.value)


def test_html_and_json_do_not_mix(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["preview", "x.txt", "--json", "--html", "x.html"])
    assert exited.value.code == 2
    assert "not allowed with" in capsys.readouterr().err

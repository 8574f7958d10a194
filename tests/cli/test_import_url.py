"""`bot.py import URL`: a page or a feed's newest entry, through the real CLI, served by a
local web server; a URL that cannot be read is one line and stores nothing."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from db.models import Issue
from tests.cli.test_issue_files import _count
from tests.cli.test_settings_errors import assert_one_line_error, run_cli
from tests.local_web import Entry, LocalWeb, rss, running_web

ISSUES = Path(__file__).resolve().parents[1] / "data" / "issues"


@pytest.fixture
async def web_site() -> AsyncIterator[LocalWeb]:
    async with running_web() as site:
        yield site


async def cli(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    # In a thread: the web server answers from this test's event loop meanwhile.
    result = await asyncio.to_thread(run_cli, tmp_path, *args, FETCH_ALLOW_PRIVATE="1")
    return result.returncode, result.stdout, result.stderr


async def stored(tmp_path: Path) -> int:
    return await asyncio.to_thread(_count, f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", Issue)


async def test_import_of_a_page_url_stores_the_issue(web_site: LocalWeb, tmp_path: Path) -> None:
    web_site.serve("/july", (ISSUES / "nine-items-2024-07.html").read_bytes())
    url = web_site.url("/july")
    code, out, err = await cli(tmp_path, "import", url)
    assert code == 0, err
    assert out.strip() == f"{url}: 2024-07 created (9 items)"
    assert await stored(tmp_path) == 1


async def test_import_of_a_feed_url_takes_its_newest_entry(
    web_site: LocalWeb, tmp_path: Path
) -> None:
    web_site.serve("/may.md", (ISSUES / "five-items-2024-05.md").read_bytes(), "text/markdown")
    web_site.serve("/july", (ISSUES / "nine-items-2024-07.html").read_bytes())
    entries = [
        Entry("may", "May", web_site.url("/may.md"), "Wed, 01 May 2024 08:00:00 GMT"),
        Entry("july", "July", web_site.url("/july"), "Mon, 01 Jul 2024 08:00:00 GMT"),
    ]
    web_site.serve("/feed", rss(entries), "application/rss+xml")
    code, out, err = await cli(tmp_path, "import", web_site.url("/feed"), "--publish")
    assert code == 0, err
    assert "2024-07 created (9 items), published" in out
    assert web_site.hits("/may.md") == 0


async def test_files_and_urls_import_together(web_site: LocalWeb, tmp_path: Path) -> None:
    web_site.serve("/july", (ISSUES / "nine-items-2024-07.html").read_bytes())
    code, out, err = await cli(
        tmp_path, "import", str(ISSUES / "five-items-2024-05.md"), web_site.url("/july")
    )
    assert code == 0, err
    assert len(out.strip().splitlines()) == 2
    assert await stored(tmp_path) == 2


def refused_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.xml"


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("javascript", "only http and https URLs can be fetched, not javascript:"),
        ("ftp", "only http and https URLs can be fetched, not ftp:"),
        ("long", "longer than 2048 characters"),
        ("refused", "cannot connect to 127.0.0.1"),
        ("404", "HTTP 404 Not Found"),
        ("not a URL", "no such file"),
    ],
)
async def test_a_bad_url_is_one_line_and_stores_nothing(
    web_site: LocalWeb, tmp_path: Path, case: str, reason: str
) -> None:
    web_site.serve("/july", (ISSUES / "nine-items-2024-07.html").read_bytes())
    url = {
        "javascript": "javascript:alert(1)",
        "ftp": "ftp://127.0.0.1/issue.md",
        "long": "https://example.com/" + "a" * 2981,
        "refused": refused_url(),
        "404": web_site.url("/gone"),
        "not a URL": "example.com/issue.html",
    }[case]
    # With a good URL before it: all or nothing.
    result = await asyncio.to_thread(
        run_cli, tmp_path, "import", web_site.url("/july"), url, FETCH_ALLOW_PRIVATE="1"
    )
    assert_one_line_error(result, reason, url[:100])
    assert await stored(tmp_path) == 0


async def test_month_and_preview_work_for_urls(web_site: LocalWeb, tmp_path: Path) -> None:
    web_site.serve("/july", (ISSUES / "nine-items-2024-07.html").read_bytes())
    url = web_site.url("/july")
    code, out, err = await cli(tmp_path, "preview", url, "--month", "2024-08")
    assert code == 0, err
    assert "(2024-08)" in out.splitlines()[0]
    code, out, err = await cli(tmp_path, "import", url, "--month", "2024-08")
    assert code == 0, err
    assert out.strip() == f"{url}: 2024-08 created (9 items)"

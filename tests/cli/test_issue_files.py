"""`preview` and `import` through the real CLI: documents out, nothing stored on error."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import func, insert, inspect, select

from db.engine import create_engine
from db.models import Base, Delivery, GuildSettings, Issue, Item
from masthead.samples import SAMPLE_ISSUE
from tests.cli.test_settings_errors import assert_one_line_error, run_cli

SAMPLE = SAMPLE_ISSUE


def _count(url: str, model: type[Base]) -> int:
    async def count() -> int:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
                if model.__tablename__ not in tables:
                    return 0  # not even migrated: nothing stored
                result = await connection.execute(select(func.count()).select_from(model))
                return int(result.scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(count())


def test_preview_json_is_the_issue_document(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "preview", str(SAMPLE), "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["month"] == "2023-12"
    assert document["title"] == "December 2023"
    assert document["editorial"]["heading"] == "Neighbours"
    assert [i["number"] for i in document["items"]] == [1, 2, 3, 4, 5, 6, 7]
    assert set(document) == {
        "newsletter",
        "month",
        "title",
        "editorial",
        "items",
        "extras",
        "warnings",
    }


def test_preview_text_shows_titles_and_summaries(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "preview", str(SAMPLE))
    assert result.returncode == 0, result.stderr
    assert "3. Xiaomi founder Lei Jun ready to take on Tesla in the EV market" in result.stdout
    assert "Summary:" in result.stdout


BAD_FILES = {
    "empty.txt": b"",
    "random.bin": bytes(range(256)) * 40,
    "huge.txt": b"December 2023\n1. A title\n" + b"word " * 700_000,
    "no-items.txt": b"December 2023\nJust a letter to friends.\n\nNothing numbered here.\n",
    "utf16.txt": "December 2023\n1. Title\n".encode("utf-16"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_exit_2_naming_the_file_and_store_nothing(
    tmp_path: Path, database_url: str, name: str
) -> None:
    bad = tmp_path / name
    bad.write_bytes(BAD_FILES[name])
    result = run_cli(tmp_path, "import", str(SAMPLE), str(bad), DATABASE_URL=database_url)
    assert_one_line_error(result, name)
    assert _count(database_url, Issue) == 0


def test_cut_off_issue_is_refused(tmp_path: Path, database_url: str) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    # The page ends in the middle of the numbered list of titles.
    cut = text[: text.index("4. China memory chip maker")]
    bad = tmp_path / "cut.txt"
    bad.write_text(cut, encoding="utf-8")
    result = run_cli(tmp_path, "import", str(bad), DATABASE_URL=database_url)
    assert_one_line_error(result, "cut.txt")
    assert _count(database_url, Issue) == 0


def test_missing_file_is_named(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "preview", str(tmp_path / "nope.txt"))
    assert_one_line_error(result, "nope.txt", "no such file")


def test_import_twice_is_a_noop_and_changed_text_needs_replace(
    tmp_path: Path, database_url: str
) -> None:
    first = run_cli(tmp_path, "import", str(SAMPLE), DATABASE_URL=database_url)
    assert first.returncode == 0, first.stderr
    assert "created" in first.stdout
    again = run_cli(tmp_path, "import", str(SAMPLE), DATABASE_URL=database_url)
    assert again.returncode == 0 and "unchanged" in again.stdout
    assert (_count(database_url, Issue), _count(database_url, Item)) == (1, 7)

    changed = tmp_path / "changed.txt"
    changed.write_text(
        SAMPLE.read_text(encoding="utf-8").replace("Reverse ageing.", "Reverse ageing!"),
        encoding="utf-8",
    )
    refused = run_cli(tmp_path, "import", str(changed), DATABASE_URL=database_url)
    assert_one_line_error(refused, "changed.txt", "--replace")
    replaced = run_cli(tmp_path, "import", str(changed), "--replace", DATABASE_URL=database_url)
    assert replaced.returncode == 0 and "replaced" in replaced.stdout
    assert (_count(database_url, Issue), _count(database_url, Item)) == (1, 7)


def test_import_publish_queues_every_subscribed_channel(tmp_path: Path, database_url: str) -> None:
    assert run_cli(tmp_path, "db", "upgrade", DATABASE_URL=database_url).returncode == 0

    async def subscribe() -> None:
        engine = create_engine(database_url)
        async with engine.begin() as connection:
            for guild in (1, 2):
                await connection.execute(
                    insert(GuildSettings).values(
                        guild_id=guild, announce_channel_id=guild * 100, updated_at=func.now()
                    )
                )
        await engine.dispose()

    asyncio.run(subscribe())
    result = run_cli(tmp_path, "import", str(SAMPLE), "--publish", DATABASE_URL=database_url)
    assert result.returncode == 0, result.stderr
    assert _count(database_url, Delivery) == 2
    again = run_cli(tmp_path, "import", str(SAMPLE), "--publish", DATABASE_URL=database_url)
    assert again.returncode == 0
    assert _count(database_url, Delivery) == 2  # publishing twice never queues twice

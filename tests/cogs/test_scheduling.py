"""Scheduled publishing end to end: `/issue publish … at:`, the scheduler, and
`/issue schedule` with its Cancel buttons."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from db.repositories import issues, schedules
from db.states import IssueStatus, ScheduleStatus
from fakediscord import FakeDiscord
from masthead.bot import Masthead
from masthead.publish_time import local_text
from tests.cogs.helpers import World, subscribe, wait_delivered
from tests.cogs.schedule_helpers import (
    answer_of,
    buttons,
    issue_row,
    schedule_rows,
    sleep_past,
    store_draft,
    typed_time,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")  # UTC+8 all year: a time read in UTC would be 8 h off
PARTS = 3  # issue_text(): the header, then two items in the thread


@pytest.fixture
def shanghai(masthead: Masthead) -> Masthead:
    masthead.settings = dataclasses.replace(masthead.settings, timezone=SHANGHAI)
    return masthead


async def publish_at(fake: FakeDiscord, world: World, at: str, issue: str = "2024-01") -> str:
    result = await fake.run_command(
        world.guild, world.news, fake.owner, "issue", "publish", issue=issue, at=at
    )
    assert result.ephemeral
    return result.content


async def test_a_scheduled_issue_is_published_once_within_5_s_of_its_time(
    fake_discord: FakeDiscord, shanghai: Masthead, world: World
) -> None:
    await subscribe(fake_discord, world)
    await store_draft(shanghai)
    typed, moment = typed_time(2, SHANGHAI)

    answer = await publish_at(fake_discord, world, typed)
    assert "January 2024 will be published" in answer
    assert f"<t:{int(moment.timestamp())}:F>" in answer  # each editor's own clock
    assert local_text(moment, SHANGHAI) in answer  # and the setting's
    assert fake_discord.messages(world.news) == []
    assert (await issue_row(shanghai.sessionmaker, "2024-01")).status == IssueStatus.DRAFT

    header, posted = await wait_delivered(fake_discord, world.news, PARTS - 1)
    arrived = datetime.now(UTC)
    issue = await issue_row(shanghai.sessionmaker, "2024-01")
    assert issue.status == IssueStatus.PUBLISHED and issue.published_at is not None
    assert moment <= issue.published_at <= moment + timedelta(seconds=5)
    assert arrived - moment < timedelta(seconds=5)
    assert len(header) == 1 and len(posted) == PARTS - 1
    (schedule,) = await schedule_rows(shanghai.sessionmaker)
    assert (schedule.status, schedule.queued) == (ScheduleStatus.PUBLISHED, 1)


async def test_setting_another_time_moves_the_schedule(
    fake_discord: FakeDiscord, shanghai: Masthead, world: World
) -> None:
    await store_draft(shanghai)
    first, first_moment = typed_time(3600, SHANGHAI)
    second, moment = typed_time(7200, SHANGHAI)
    await publish_at(fake_discord, world, first)
    answer = await publish_at(fake_discord, world, second)
    assert f"It was set for {local_text(first_moment, SHANGHAI)}." in answer
    (schedule,) = await schedule_rows(shanghai.sessionmaker)
    assert (schedule.publish_at, schedule.status) == (moment, ScheduleStatus.SCHEDULED)


@pytest.mark.parametrize(
    ("at", "says"),
    [
        ("next friday at nine", "is not a time like 2024-01-05 09:00"),
        ("05/01/2024 09:00", "is not a time like 2024-01-05 09:00"),
        ("2023-12-01 09:00", "is in the past"),
        ("2024-01-05 09:00" * 375, "That is not a time"),  # 6,000: the most Discord sends
    ],
)
async def test_a_bad_time_is_refused_in_one_line_and_nothing_is_scheduled(
    fake_discord: FakeDiscord, shanghai: Masthead, world: World, at: str, says: str
) -> None:
    await store_draft(shanghai)
    answer = await publish_at(fake_discord, world, at)
    assert says in answer and "Asia/Shanghai" in answer
    assert "\n" not in answer and len(answer) < 200
    assert await schedule_rows(shanghai.sessionmaker) == []


async def test_only_editors_schedule_and_an_unknown_issue_is_refused(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await store_draft(masthead)
    typed, _ = typed_time(3600, masthead.settings.timezone)
    result = await fake_discord.run_command(
        world.guild, world.news, world.moderator, "issue", "publish", issue="2024-01", at=typed
    )
    assert "Only the newsletter's editors" in result.content
    assert "No issue matches" in await publish_at(fake_discord, world, typed, issue="1999-01")
    assert await schedule_rows(masthead.sessionmaker) == []


async def test_a_published_issue_cannot_be_scheduled(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await store_draft(masthead)
    await fake_discord.run_command(
        world.guild, world.news, fake_discord.owner, "issue", "publish", issue="2024-01"
    )
    typed, _ = typed_time(3600, masthead.settings.timezone)
    assert "already published" in await publish_at(fake_discord, world, typed)
    assert await schedule_rows(masthead.sessionmaker) == []


async def test_publishing_now_drops_the_schedule(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await store_draft(masthead)
    typed, _ = typed_time(3600, masthead.settings.timezone)
    await publish_at(fake_discord, world, typed)
    await fake_discord.run_command(
        world.guild, world.news, fake_discord.owner, "issue", "publish", issue="2024-01"
    )
    (schedule,) = await schedule_rows(masthead.sessionmaker)
    assert schedule.status == ScheduleStatus.CANCELLED
    listed = await fake_discord.run_command(
        world.guild, world.news, fake_discord.owner, "issue", "schedule"
    )
    assert "Nothing is scheduled" in listed.embeds[0]["description"]
    assert listed.components == []


async def test_the_list_shows_each_time_and_a_cancelled_schedule_never_fires(
    fake_discord: FakeDiscord, shanghai: Masthead, world: World
) -> None:
    await subscribe(fake_discord, world)
    await store_draft(shanghai, "January 2024")
    await store_draft(shanghai, "February 2024")
    soon, moment = typed_time(3, SHANGHAI)
    later, _ = typed_time(3600, SHANGHAI)
    await publish_at(fake_discord, world, later, issue="2024-02")
    await publish_at(fake_discord, world, soon, issue="2024-01")

    listed = await fake_discord.run_command(
        world.guild, world.news, fake_discord.owner, "issue", "schedule"
    )
    fields = listed.embeds[0]["fields"]
    assert [f["name"] for f in fields] == ["January 2024 (2024-01)", "February 2024 (2024-02)"]
    assert f"<t:{int(moment.timestamp())}:F>" in fields[0]["value"]
    assert local_text(moment, SHANGHAI) in fields[0]["value"]
    ids = buttons(answer_of(listed))
    assert set(ids) == {"Cancel January 2024", "Cancel February 2024"}
    stale = await fake_discord.run_command(  # an answer shown before the cancel
        world.guild, world.news, fake_discord.owner, "issue", "schedule"
    )

    refused = await fake_discord.click(
        answer_of(listed), ids["Cancel January 2024"], world.moderator
    )
    assert "Only the newsletter's editors" in refused.content
    clicked = await fake_discord.click(
        answer_of(listed), ids["Cancel January 2024"], fake_discord.owner
    )
    assert clicked.type == 7  # the list is edited in place
    assert clicked.content.startswith("Cancelled: January 2024")
    assert [f["name"] for f in clicked.embeds[0]["fields"]] == ["February 2024 (2024-02)"]

    await sleep_past(moment, 4)
    assert fake_discord.messages(world.news) == []
    assert (await issue_row(shanghai.sessionmaker, "2024-01")).status == IssueStatus.DRAFT
    statuses = {s.issue_id: s.status for s in await schedule_rows(shanghai.sessionmaker)}
    assert sorted(statuses.values()) == [ScheduleStatus.CANCELLED, ScheduleStatus.SCHEDULED]

    again = await fake_discord.click(
        answer_of(stale), ids["Cancel January 2024"], fake_discord.owner
    )
    assert "no longer scheduled" in again.content


async def test_cancel_pressed_after_the_schedule_fired_says_too_late(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    await store_draft(masthead)
    typed, moment = typed_time(2, masthead.settings.timezone)
    await publish_at(fake_discord, world, typed)
    listed = await fake_discord.run_command(
        world.guild, world.news, fake_discord.owner, "issue", "schedule"
    )
    start = time.monotonic()
    while (await issue_row(masthead.sessionmaker, "2024-01")).status != IssueStatus.PUBLISHED:
        assert time.monotonic() - start < 10, "the schedule never fired"
        await sleep_past(moment, 0.2)
    clicked = await fake_discord.click(
        answer_of(listed), buttons(answer_of(listed))["Cancel January 2024"], fake_discord.owner
    )
    assert clicked.content.startswith("Too late: January 2024 was already published")


async def test_thirty_long_titled_schedules_fit_one_answer(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    soon = datetime.now(UTC) + timedelta(hours=1)
    async with masthead.sessionmaker.begin() as session:
        for n in range(30):
            month = f"{2030 + n // 12}-{n % 12 + 1:02d}"
            issue, _ = await issues.store_issue(
                session,
                issues.IssueData(
                    newsletter=masthead.settings.newsletter_name,
                    month=month,
                    title=f"{month} " + "A very long title " * 10,
                    document_json="{}",
                    content_hash=month,
                    items=[],
                ),
            )
            await schedules.schedule_issue(session, issue.id, soon + timedelta(minutes=n), by=None)
    listed = await fake_discord.run_command(
        world.guild, world.news, fake_discord.owner, "issue", "schedule"
    )
    embed = listed.embeds[0]
    shown = len(embed["fields"])
    assert 0 < shown <= 25
    assert embed["footer"]["text"] == f"and {30 - shown} more, not shown"
    assert len(buttons(answer_of(listed))) == shown
    assert all(len(label) <= 80 for label in buttons(answer_of(listed)))

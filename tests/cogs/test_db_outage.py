"""A running bot loses its PostgreSQL database and gets it back, without a restart.

The bot reaches PostgreSQL through a TCP proxy (tests/tcp_proxy.py) that the test cuts:
every connection dropped, new ones dropped as they open. Meanwhile readers keep /latest
and /item (from memory), everything else says the database is temporarily unavailable,
the workers back off with one warning each, and once the proxy forwards again the
delivery queued before the outage finishes with every part posted once, and /tip works.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from db import migrate
from db.engine import create_engine
from db.models import Tip
from fakediscord import FakeDiscord, InteractionResult
from masthead.bot import Masthead
from masthead.importing import render_stored
from masthead.utils import background
from masthead.utils.errors import DATABASE_UNAVAILABLE
from tests.backends import PG_URL, reset_postgres
from tests.cogs.helpers import (
    COMMANDS,
    World,
    import_and_publish,
    make_world,
    masthead_for,
    subscribe,
    wait_delivered,
)
from tests.cogs.tip_helpers import buttons, send_tip
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgresql

MESSAGES = "/channels/{channel_id}/messages"
HEADLINE = "Harbin opens its ice festival a week early"


@pytest.fixture
async def proxy() -> AsyncIterator[TcpProxy]:
    assert PG_URL is not None
    url = make_url(PG_URL)
    proxy = await TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    yield proxy
    await proxy.stop()


@pytest.fixture
async def bot(
    fake_discord: FakeDiscord,
    run_bot: Callable[..., Awaitable[Any]],
    proxy: TcpProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Masthead]:
    """The real bot, its database behind `proxy`; workers back off at most half a second
    so the test sees them recover quickly."""
    monkeypatch.setattr(background, "OUTAGE_FIRST_PAUSE_SECONDS", 0.1)
    monkeypatch.setattr(background, "OUTAGE_MAX_PAUSE_SECONDS", 0.5)
    assert PG_URL is not None
    await reset_postgres(PG_URL)
    direct = create_engine(PG_URL)
    await migrate.upgrade(direct)
    await direct.dispose()
    url = make_url(PG_URL).set(host="127.0.0.1", port=proxy.port)
    database_url = url.render_as_string(hide_password=False)
    engine = create_engine(database_url)
    bot = masthead_for(fake_discord, engine, database_url)
    await run_bot(bot, commands=COMMANDS)
    yield bot
    proxy.restore()
    await bot.close()
    await engine.dispose()


def in_time(fake: FakeDiscord, result: InteractionResult) -> InteractionResult:
    assert result.refused is None, result.refused
    assert result.latency is not None and result.latency < fake.ack_window, result.latency
    return result


async def test_an_outage_and_its_end_without_a_restart(
    fake_discord: FakeDiscord,
    bot: Masthead,
    proxy: TcpProxy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    world: World = make_world(fake_discord)
    await subscribe(fake_discord, world)
    # Warm the readers' cache, then let every entry count as expired: during the outage
    # answers can only come from what is kept when a reload fails.
    fake_discord.slow(0.3, method="POST", route=MESSAGES)  # delivery still under way at the cut
    issue_id = await import_and_publish(bot)
    for command, options in (("latest", {}), ("item", {"number": 3})):
        await fake_discord.run_command(world.guild, world.news, world.reader, command, **options)
    bot.published.ttl = 0.0
    opened_form = await fake_discord.run_command(world.guild, world.news, world.reader, "tip")
    assert opened_form.modal is not None
    await fake_discord.wait_until(lambda: fake_discord.messages(world.news), "the header posted")

    proxy.cut()
    latest = in_time(
        fake_discord,
        await fake_discord.run_command(world.guild, world.news, world.reader, "latest"),
    )
    assert "December 2023" in latest.embeds[0]["title"]
    item = in_time(
        fake_discord,
        await fake_discord.run_command(world.guild, world.news, world.reader, "item", number=3),
    )
    assert item.embeds[0]["title"].startswith("3. Xiaomi founder Lei Jun")
    assert item.message is not None
    # A button goes through the component error path (`reports_errors`), not the tree's.
    full_text = await fake_discord.click(
        item.message, buttons(item.message)["Full text"], world.reader
    )
    in_time(fake_discord, full_text)
    assert full_text.content == DATABASE_UNAVAILABLE, full_text
    refused = {
        "search": await fake_discord.run_command(
            world.guild, world.news, world.reader, "search", query="DRAM"
        ),
        "tip": await fake_discord.run_command(world.guild, world.news, world.reader, "tip"),
        "setup show": await fake_discord.run_command(
            world.guild, world.news, world.moderator, "setup", "show"
        ),
    }
    for name, result in refused.items():
        in_time(fake_discord, result)
        assert result.ephemeral and result.content == DATABASE_UNAVAILABLE, (name, result)
    suggested = await fake_discord.autocomplete(
        world.guild, world.news, fake_discord.owner, "issue", "publish", focused="issue", issue="20"
    )
    assert in_time(fake_discord, suggested).choices == []
    form = await fake_discord.submit_modal(
        opened_form, {"headline": HEADLINE, "link": "", "why": "Tourists `plan` ahead."}
    )
    in_time(fake_discord, form)
    await form.wait_message()
    assert form.ephemeral
    assert form.content.startswith(DATABASE_UNAVAILABLE + " What you typed:")
    assert HEADLINE in form.content and "Tourists ˋplanˋ ahead." in form.content
    # The workers keep trying, further apart each time (0.1, 0.2, 0.4 s …), so they come
    # back by themselves, but say so once each.
    delivery = bot.get_cog("Delivery")
    assert delivery is not None
    outage = delivery.worker.outage  # type: ignore[attr-defined]
    bot.dispatch("tips_changed")  # the review outbox and the scheduler look now too
    bot.dispatch("schedules_changed")

    def warned() -> Counter[str]:
        return Counter(
            r.getMessage().split(":")[0]
            for r in caplog.records
            if "the database is unavailable" in r.getMessage() and r.name == background.__name__
        )

    await fake_discord.wait_until(
        lambda: outage.streak >= 4 and {"review outbox", "scheduler"} <= set(warned()),
        "the workers to back off",
        slow=True,
    )
    assert proxy.refused >= 4
    assert warned()["delivery worker"] == 1, warned()
    assert all(count == 1 for count in warned().values()), warned()
    tracebacks = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert tracebacks == [], [r.getMessage() for r in tracebacks]

    proxy.restore()
    fake_discord.clear_faults()
    parts = await _parts(bot, issue_id)
    header, posted = await wait_delivered(fake_discord, world.news, parts - 1)
    assert len(header) == 1 and len(posted) == parts - 1
    assert max(Counter(m.nonce for m in posted).values()) == 1
    await fake_discord.wait_until(
        lambda: any(
            "delivery worker: the database is back" in r.getMessage() for r in caplog.records
        ),
        "the delivery worker to see the database back",
        slow=True,
    )
    assert not outage.in_outage
    tip = await send_tip(fake_discord, world, headline=HEADLINE)
    in_time(fake_discord, tip)
    assert "Thanks" in tip.content, tip.content
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Tip)) == 1


async def _parts(bot: Masthead, issue_id: int) -> int:
    from db.repositories import issues

    async with bot.sessionmaker() as session:
        issue = await issues.get_issue_by_id(session, issue_id)
    assert issue is not None
    return len(render_stored(issue))

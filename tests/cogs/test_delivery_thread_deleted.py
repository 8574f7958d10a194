"""A moderator deletes the issue's thread (and maybe its header) mid-delivery, then asks
for the issue again: it is posted whole in a new thread, each part exactly once."""

from __future__ import annotations

import pytest

from fakediscord import Channel, FakeDiscord, Message
from masthead.bot import Masthead
from tests.cogs.helpers import (
    World,
    import_and_publish,
    make_world,
    subscribe,
    wait_delivered,
    wait_for_failure,
)
from tests.cogs.test_delivery_recovery import crash_once_on
from tests.cogs.test_publishing import sample_parts

MESSAGES = "/channels/{channel_id}/messages"


async def delete_thread_mid_delivery(
    fake: FakeDiscord, bot: Masthead, *, header_too: bool
) -> tuple[World, Message]:
    """Publish, delete the thread once it holds two items (and the header, if asked),
    wait for the failure to show; returns the world and the first header."""
    world = make_world(fake)
    await subscribe(fake, world)
    fake.slow(0.1, method="POST", route=MESSAGES)  # the moderator acts mid-delivery

    def thread_with_two_items() -> Channel | None:
        threads = fake.threads(world.news)
        return threads[0] if threads and len(fake.messages(threads[0])) >= 2 else None

    await import_and_publish(bot)
    thread = await fake.wait_until(thread_with_two_items, "two items in the thread", slow=True)
    [header] = fake.messages(world.news)
    fake.delete_channel(thread)
    if header_too:
        fake.delete_message(header)
    # The reason names the thread: the announce channel itself is fine.
    assert (await wait_for_failure(fake, world)).startswith(f"<#{world.news.id}>: thread not")
    fake.clear_faults()
    return world, header


async def ask_again(fake: FakeDiscord, world: World) -> tuple[Message, list[str]]:
    """/setup announce on the same channel, as a moderator retries; returns the header
    and the titles in the new thread once the issue is whole again."""
    result = await subscribe(fake, world)
    assert "Posting December 2023 there now." in result.content
    parts = len(sample_parts())
    [header], posted = await wait_delivered(fake, world.news, parts - 1)
    [thread] = fake.threads(world.news)
    assert thread.id == header.id  # opened on the header in the channel
    titles = [m.embeds[0].get("title") for m in posted]
    assert len(titles) == len(set(titles)) == parts - 1, titles
    return header, titles


async def test_deleted_thread_is_opened_again_on_the_same_header(
    fake_discord: FakeDiscord, masthead: Masthead
) -> None:
    world, first = await delete_thread_mid_delivery(fake_discord, masthead, header_too=False)

    header, titles = await ask_again(fake_discord, world)

    assert header.id == first.id
    assert [t.split(".")[0] for t in titles[:7]] == [str(n) for n in range(1, 8)]


async def test_deleted_header_and_thread_are_posted_again(
    fake_discord: FakeDiscord, masthead: Masthead
) -> None:
    world, first = await delete_thread_mid_delivery(fake_discord, masthead, header_too=True)

    header, _ = await ask_again(fake_discord, world)

    assert header.id != first.id
    assert header.embeds == first.embeds


@pytest.mark.parametrize("header_too", [False, True])
async def test_crash_after_a_part_of_the_new_thread_is_sent_is_not_a_duplicate(
    fake_discord: FakeDiscord,
    masthead: Masthead,
    monkeypatch: pytest.MonkeyPatch,
    header_too: bool,
) -> None:
    world, _ = await delete_thread_mid_delivery(fake_discord, masthead, header_too=header_too)
    # The first part posted again (header or item 1) is not recorded, and Discord's nonce
    # memory is over: the history scan must find it in the channel or the new thread.
    fake_discord.state.nonce_window = 0.0
    tried = crash_once_on(monkeypatch, call=1)

    await ask_again(fake_discord, world)

    assert tried() == 1  # the crash happened

"""Messages as Discord stores them: nonces, mentions, threads, DMs, attachments."""

from __future__ import annotations

import io

import discord

from bench.baseline_bot import BaselineBot
from fakediscord import File
from fakediscord import permissions as perms
from tests.fakediscord.fakediscord_support import World


async def test_enforce_nonce_returns_the_first_message(world: World, raw) -> None:
    path = f"/channels/{world.channel.id}/messages"
    body = {"content": "part 1", "nonce": "issue-7:chan:part-1", "enforce_nonce": True}

    first = await raw("POST", path, json=body)
    again = await raw("POST", path, json={**body, "content": "part 1 (retry)"})
    unenforced = await raw("POST", path, json={**body, "enforce_nonce": False})

    assert first[0] == again[0] == 200
    assert again[1]["id"] == first[1]["id"]
    assert again[1]["content"] == "part 1"
    assert unenforced[1]["id"] != first[1]["id"]
    assert [m.content for m in world.fake.messages(world.channel)] == ["part 1", "part 1"]


async def test_discord_py_nonce_retry_after_lost_response(world: World, run_bot) -> None:
    bot = await run_bot(BaselineBot(sync_commands=False))
    channel = bot.get_partial_messageable(world.channel.id)

    first = await channel.send("header", nonce="d-1")  # discord.py sets enforce_nonce
    retried = await channel.send("header", nonce="d-1")  # discord.py sets enforce_nonce

    assert retried.id == first.id
    stored = await world.fake.wait_for_message(world.channel, lambda m: m.nonce == "d-1")
    assert stored.id == first.id
    assert len(world.fake.messages(world.channel)) == 1


async def test_allowed_mentions_decide_who_is_pinged(served: World) -> None:
    fake = served.fake
    subscribers = fake.add_role(served.guild, "subscribers", mentionable=True)

    result = await fake.run_command(
        served.guild, served.channel, served.alice, "announce", role=subscribers
    )
    await result.wait_message()
    header = fake.messages(served.channel)[0]

    assert subscribers.mention in header.content and "@everyone" in header.content
    assert header.mention_roles == [subscribers.id]
    assert header.mentions == []  # alice is named in the text but users=False
    assert header.mention_everyone is False


async def test_default_allowed_mentions_ping_everything_named(world: World, raw) -> None:
    role = world.fake.add_role(world.guild, "r", mentionable=True)
    content = f"<@{world.alice.id}> <@&{role.id}> @everyone"

    status, answer = await raw(
        "POST", f"/channels/{world.channel.id}/messages", json={"content": content}
    )

    assert status == 200
    assert [u["id"] for u in answer["mentions"]] == [str(world.alice.id)]
    assert answer["mention_roles"] == [str(role.id)]
    assert answer["mention_everyone"] is True


async def test_thread_from_message_and_dm(served: World) -> None:
    fake = served.fake
    role = fake.add_role(served.guild, "subscribers", mentionable=True)

    result = await fake.run_command(
        served.guild, served.channel, served.alice, "announce", role=role
    )

    assert (await result.wait_message()).content == "done"
    header = fake.messages(served.channel)[0]
    [thread] = fake.threads(served.channel)
    assert thread.id == header.id  # a thread started from a message shares its id
    assert thread.name == "This Month — 2023-12"
    assert [m.content for m in fake.messages(thread)] == ["item 1"]
    assert [m.content for m in fake.dms(served.alice)] == ["your announcement is out"]


async def test_thread_creation_needs_permission(world: World, run_bot) -> None:
    fake = world.fake
    fake.deny_bot(world.channel, perms.CREATE_PUBLIC_THREADS)
    bot = await run_bot(BaselineBot(sync_commands=False))
    message = await bot.get_partial_messageable(world.channel.id, guild_id=world.guild.id).send(
        "header"
    )

    try:
        await message.create_thread(name="t")
    except discord.Forbidden as exc:
        assert exc.code == 50013
    else:
        raise AssertionError("thread creation without permission was allowed")
    assert fake.threads(world.channel) == []


async def test_closed_dms_are_refused(world: World, run_bot) -> None:
    shy = world.fake.add_user("shy", dm_closed=True)
    bot = await run_bot(BaselineBot(sync_commands=False))
    user = await bot.fetch_user(shy.id)

    try:
        await user.send("hello")
    except discord.Forbidden as exc:
        assert exc.code == 50007
    else:
        raise AssertionError("DM to a user with closed DMs was delivered")


async def test_attachments_are_stored_with_filename_and_bytes(world: World, run_bot) -> None:
    bot = await run_bot(BaselineBot(sync_commands=False))
    channel = bot.get_partial_messageable(world.channel.id)
    payload = b"id,headline\n1,Pandas\n"

    sent = await channel.send("export", file=discord.File(io.BytesIO(payload), filename="tips.csv"))

    [stored] = world.fake.messages(world.channel)
    assert [(a.filename, a.data) for a in stored.attachments] == [("tips.csv", payload)]
    assert await sent.attachments[0].read() == payload


async def test_message_edit_list_and_delete(world: World, run_bot) -> None:
    bot = await run_bot(BaselineBot(sync_commands=False))
    channel = bot.get_partial_messageable(world.channel.id)
    first = await channel.send("one")
    second = await channel.send("two")

    await first.edit(content="one, edited")
    history = [m.content async for m in channel.history(limit=10)]
    await second.delete()

    assert history == ["two", "one, edited"]
    assert [m.content for m in world.fake.messages(world.channel)] == ["one, edited"]
    fetched = await channel.fetch_message(first.id)
    assert fetched.edited_at is not None


async def test_attachment_option_is_readable_and_reply_carries_a_file(served: World) -> None:
    result = await served.fake.run_command(
        served.guild,
        served.channel,
        served.alice,
        "upload",
        file=File("issue.txt", b"December 2023"),
    )

    assert result.content == "issue.txt: 13 bytes"
    [reply] = (await result.wait_message()).attachments
    assert (reply.filename, reply.data) == ("reversed.txt", b"3202 rebmeceD")


async def test_thread_without_message(world: World, raw) -> None:
    status, thread = await raw(
        "POST", f"/channels/{world.channel.id}/threads", json={"name": "notes", "type": 11}
    )

    assert status == 200 and thread["type"] == 11
    assert [t.name for t in world.fake.threads(world.channel)] == ["notes"]


async def test_deleted_thread_takes_its_messages_and_frees_its_starter(world: World, raw) -> None:
    channel = f"/channels/{world.channel.id}"
    _, header = await raw("POST", f"{channel}/messages", json={"content": "header"})
    start = f"{channel}/messages/{header['id']}/threads"
    _, thread = await raw("POST", start, json={"name": "December"})
    _, item = await raw("POST", f"/channels/{thread['id']}/messages", json={"content": "item 1"})

    status, deleted = await raw("DELETE", f"/channels/{thread['id']}")

    assert status == 200 and deleted["id"] == thread["id"]
    assert (await raw("GET", f"/channels/{thread['id']}"))[1]["code"] == 10003
    _, starter = await raw("GET", f"{channel}/messages/{header['id']}")
    assert "thread" not in starter
    # Discord lets a message whose thread was deleted start another, again under its id.
    status, again = await raw("POST", start, json={"name": "December, again"})
    assert status == 200 and again["id"] == header["id"]
    listed = await raw("GET", f"/channels/{again['id']}/messages")
    assert listed == (200, [])
    gone = await raw("GET", f"/channels/{again['id']}/messages/{item['id']}")
    assert gone[1]["code"] == 10008


async def test_deleting_a_channel_needs_manage_channels(world: World, raw) -> None:
    status, body = await raw("DELETE", f"/channels/{world.channel.id}")

    assert (status, body["code"]) == (403, 50013)
    assert world.fake.state.channel(world.channel.id) is world.channel

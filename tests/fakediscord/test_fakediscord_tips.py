"""What the tips-and-review feature needs: context menus, modals prefilled from a message
and submitted to edit a card, DMs that may be closed, cards edited and deleted, exports."""

from __future__ import annotations

import discord
import pytest
import pytest_asyncio

from fakediscord import limits
from tests.fakediscord.fakediscord_support import World
from tests.fakediscord.tips_support import HEADLINE_MAX, Desk, TipsBot


@pytest_asyncio.fixture
async def desk(world: World, run_bot) -> Desk:
    review = world.fake.add_channel(world.guild, "review")
    bot = await run_bot(TipsBot(review.id), commands=["Suggest as tip", "tips", "quicktip"])
    return Desk(world.fake, world.guild, world.channel, review, world.alice, bot)


# context menus ------------------------------------------------------------------------------


async def test_context_menus_are_stored_by_name_and_type(desk: Desk) -> None:
    registered = {(c["name"], c["type"]): c for c in desk.fake.commands()}

    assert set(registered) == {("Suggest as tip", 3), ("tips", 2), ("tips", 1), ("quicktip", 1)}
    menu = registered[("Suggest as tip", 3)]
    assert menu["description"] == "" and menu["options"] == []  # as Discord answers
    assert registered[("tips", 1)]["id"] != registered[("tips", 2)]["id"]


async def test_message_command_resolves_the_message_for_discord_py(desk: Desk) -> None:
    fake = desk.fake
    post = fake.post_message(desk.news, desk.alice, "Pandas return to the Washington zoo")

    opened = await fake.run_message_command(
        desk.guild, desk.news, desk.alice, "Suggest as tip", post
    )

    data = opened.interaction.payload["data"]
    assert data["type"] == 3 and data["target_id"] == str(post.id)
    assert data["resolved"]["messages"][str(post.id)]["content"] == post.content
    assert "message" not in opened.interaction.payload  # only components carry one
    [target] = desk.bot.targets
    assert isinstance(target, discord.Message)
    assert (target.id, target.channel.id, target.author.id) == (
        post.id,
        desk.news.id,
        desk.alice.id,
    )
    assert target.content == post.content
    assert opened.type == 9 and opened.modal is not None
    [row] = opened.modal["components"]
    assert row["components"][0]["value"] == post.content  # prefilled from the message


async def test_user_command_resolves_a_member_and_shares_a_slash_commands_name(
    desk: Desk,
) -> None:
    fake = desk.fake
    bob = fake.add_user("bob")
    fake.add_member(desk.guild, bob, nick="Bobby")

    by_bob = await fake.run_user_command(desk.guild, desk.news, desk.alice, "tips", bob)
    export = await fake.run_command(desk.guild, desk.news, desk.alice, "tips")

    data = by_bob.interaction.payload["data"]
    assert data["type"] == 2 and data["target_id"] == str(bob.id)
    assert set(data["resolved"]) == {"users", "members"}
    assert by_bob.content == "tips by Bobby (Member)"
    assert export.content == "export"


async def test_a_user_cannot_pick_what_the_client_would_not_offer(desk: Desk) -> None:
    fake = desk.fake
    elsewhere = fake.post_message(desk.review, desk.alice, "in another channel")
    gone = fake.post_message(desk.news, desk.alice, "deleted")
    fake.delete_message(gone)
    post = fake.post_message(desk.news, desk.alice, "fine")
    args = (desk.guild, desk.news, desk.alice)

    with pytest.raises(ValueError, match="not in #news"):
        await fake.run_message_command(*args, "Suggest as tip", elsewhere)
    with pytest.raises(ValueError, match="deleted"):
        await fake.run_message_command(*args, "Suggest as tip", gone)
    with pytest.raises(ValueError, match="no message command 'Bookmark'"):
        await fake.run_message_command(*args, "Bookmark", post)
    with pytest.raises(ValueError, match="no message command 'tips'"):  # "tips" is type 1 and 2
        await fake.run_message_command(*args, "tips", post)
    with pytest.raises(ValueError, match="no user command 'Suggest as tip'"):
        await fake.run_user_command(*args, "Suggest as tip", desk.alice)
    with pytest.raises(ValueError, match="no command /Suggest"):
        await fake.run_command(*args, "Suggest as tip")


# the review flow ----------------------------------------------------------------------------


async def test_suggest_review_edit_approve_and_reject(desk: Desk) -> None:
    fake = desk.fake
    post = fake.post_message(desk.news, desk.alice, "Pandas return to the Washington zoo")

    opened = await fake.run_message_command(
        desk.guild, desk.news, desk.alice, "Suggest as tip", post
    )
    sent = await fake.submit_modal(opened, {})  # the prefilled value, unchanged
    card = await fake.wait_for_message(desk.review)

    assert sent.type == 4 and sent.ephemeral and sent.content == "Sent for review"
    assert card.embeds[0]["description"] == post.content
    dm = await fake.wait_until(lambda: fake.dms(desk.alice), "the DM to the author")
    assert dm[0].content.startswith("Your message was suggested")

    # A modal opened from the card's button: its submission edits the card (callback 7).
    editing = await fake.click(card, "review:edit", desk.alice)
    assert editing.modal is not None
    edited = await fake.submit_modal(editing, {"headline": "Pandas are back in Washington"})

    assert edited.interaction.payload["message"]["id"] == str(card.id)
    assert edited.type == 7 and edited.message is card
    assert card.embeds[0]["description"] == "Pandas are back in Washington"
    assert card.edited_at is not None

    # Approve: DEFERRED_UPDATE_MESSAGE, then PATCH /channels/{id}/messages/{id}.
    approved = await fake.click(card, "review:approve", desk.alice)
    await fake.wait_until(lambda: card.content.startswith("approved"), "the card edit")

    assert approved.type == 6
    assert card.content == "approved by alice" and card.components == []
    assert card.embeds[0]["description"] == "Pandas are back in Washington"

    # Reject another card: the bot deletes it (DELETE /channels/{id}/messages/{id}).
    other = fake.post_message(desk.news, desk.alice, "Snow in December")
    reopened = await fake.run_message_command(
        desk.guild, desk.news, desk.alice, "Suggest as tip", other
    )
    await fake.submit_modal(reopened, {})
    second = await fake.wait_until(lambda: fake.messages(desk.review)[1:], "the second card")
    await fake.click(second[0], "review:reject", desk.alice)
    await fake.wait_until(lambda: second[0].deleted, "the rejected card to go")

    assert fake.messages(desk.review) == [card]
    assert desk.bot.errors == []


async def test_prefill_longer_than_the_field_is_refused(desk: Desk) -> None:
    fake = desk.fake
    post = fake.post_message(desk.news, desk.alice, "x" * 1200)

    with fake.expect_violation(code=50035) as caught:
        opened = await fake.run_message_command(
            desk.guild, desk.news, desk.alice, "Suggest as tip", post
        )

    assert opened.type is None and opened.modal is None
    assert opened.refused is not None and opened.refused.status == 400
    [violation] = caught
    assert violation.errors is not None
    value = violation.errors["data"]["components"]["0"]["components"]["0"]["value"]
    assert value["_errors"][0]["message"] == f"Must be {HEADLINE_MAX} or fewer in length."
    await fake.wait_until(lambda: desk.bot.errors, "the bot to see the refusal")
    assert getattr(desk.bot.errors[0], "code", None) == 50035


async def test_update_message_needs_a_modal_opened_from_a_component(desk: Desk) -> None:
    fake = desk.fake
    opened = await fake.run_command(desk.guild, desk.news, desk.alice, "quicktip", answer="update")

    with fake.expect_violation(code=50035):
        submitted = await fake.submit_modal(opened, {"headline": "Pandas"})

    assert "message" not in submitted.interaction.payload
    assert submitted.type is None and submitted.refused is not None
    await fake.wait_until(lambda: desk.bot.errors, "the bot to see the refusal")
    assert getattr(desk.bot.errors[0], "code", None) == 50035


async def test_any_modal_submit_may_be_deferred_silently(desk: Desk) -> None:
    fake = desk.fake
    opened = await fake.run_command(desk.guild, desk.news, desk.alice, "quicktip", answer="defer")

    submitted = await fake.submit_modal(opened, {"headline": "Pandas"})
    [followup] = await submitted.wait_followups(1)

    assert submitted.type == 6 and submitted.message is None
    assert followup.content == "noted: Pandas" and followup.ephemeral
    assert fake.messages(desk.news) == []


# DMs --------------------------------------------------------------------------------------


async def test_dm_to_a_closed_author_is_refused_and_not_stored(desk: Desk) -> None:
    fake = desk.fake
    shy = fake.add_user("shy", dm_closed=True)
    fake.add_member(desk.guild, shy)
    post = fake.post_message(desk.news, shy, "Quiet tip")

    opened = await fake.run_message_command(desk.guild, desk.news, shy, "Suggest as tip", post)
    await fake.submit_modal(opened, {})
    await fake.wait_until(lambda: desk.bot.dm_failures, "the bot to try the DM")

    assert desk.bot.dm_failures == [50007]
    assert fake.dms(shy) == []
    assert len(fake.messages(desk.review)) == 1  # the card was still posted
    assert fake.violations == []  # a closed DM is not the bot's mistake


async def test_dm_channel_opens_but_sending_gets_50007(world: World, raw) -> None:
    fake = world.fake
    shy = fake.add_user("shy", dm_closed=True)

    status, channel = await raw("POST", "/users/@me/channels", json={"recipient_id": str(shy.id)})
    sent = await raw("POST", f"/channels/{channel['id']}/messages", json={"content": "hi"})

    assert status == 200 and channel["type"] == 1
    assert sent[0] == 403
    assert sent[1] == {"message": "Cannot send messages to this user", "code": 50007}
    assert fake.dms(shy) == [] and fake.state.channel_messages[int(channel["id"])] == []
    assert fake.violations == []


async def test_dm_honours_nonce_and_enforce_nonce(world: World, raw) -> None:
    _, channel = await raw(
        "POST", "/users/@me/channels", json={"recipient_id": str(world.alice.id)}
    )
    path = f"/channels/{channel['id']}/messages"
    body = {"content": "your tip is live", "nonce": "tip-7:dm", "enforce_nonce": True}

    first = await raw("POST", path, json=body)
    again = await raw("POST", path, json={**body, "content": "your tip is live (retry)"})

    assert first[0] == again[0] == 200 and again[1]["id"] == first[1]["id"]
    assert [m.content for m in world.fake.dms(world.alice)] == ["your tip is live"]


# the bot edits and deletes its own messages --------------------------------------------------


async def test_bot_edits_and_deletes_its_card_and_unknown_ids_are_10008(world: World, raw) -> None:
    fake = world.fake
    messages = f"/channels/{world.channel.id}/messages"
    _, card = await raw("POST", messages, json={"content": "card", "embeds": [{"title": "Tip"}]})
    one = f"{messages}/{card['id']}"

    status, edited = await raw(
        "PATCH", one, json={"embeds": [{"title": "Tip", "description": "approved"}]}
    )
    assert status == 200 and edited["edited_timestamp"] is not None
    assert edited["content"] == "card" and edited["embeds"][0]["description"] == "approved"

    assert (await raw("DELETE", one))[0] == 204
    assert fake.messages(world.channel) == []
    for method, kwargs in (("GET", {}), ("PATCH", {"json": {"content": "x"}}), ("DELETE", {})):
        status, body = await raw(method, one, **kwargs)
        assert (status, body["code"]) == (404, 10008), method
    status, body = await raw("PATCH", f"{messages}/1234567890", json={"content": "x"})
    assert (status, body["code"]) == (404, 10008)
    assert fake.violations == []  # a bot meets these (a moderator deleted the card)


async def test_discord_py_sees_not_found_for_a_card_deleted_by_a_moderator(
    desk: Desk,
) -> None:
    fake = desk.fake
    channel = desk.bot.get_partial_messageable(desk.review.id, guild_id=desk.guild.id)
    card = await channel.send("card")
    fake.delete_message(fake.messages(desk.review)[0])

    with pytest.raises(discord.NotFound) as edit:
        await card.edit(content="approved")
    with pytest.raises(discord.NotFound) as delete:
        await card.delete()

    assert edit.value.code == delete.value.code == 10008


# attachments ------------------------------------------------------------------------------


async def test_export_in_a_response_and_a_followup_is_stored_with_its_bytes(desk: Desk) -> None:
    fake = desk.fake

    result = await fake.run_command(desk.guild, desk.news, desk.alice, "tips")
    [followup] = await result.wait_followups(1)

    [csv] = (await result.wait_message()).attachments
    [json_file] = followup.attachments
    assert (csv.filename, csv.data) == ("tips.csv", b"id,headline\n1,Pandas\n")
    assert (json_file.filename, json_file.data) == ("tips.json", b'[{"id": 1}]')
    assert followup.ephemeral
    served = await desk.bot.http.get_from_cdn(csv.to_json(fake.state.base_url)["url"])
    assert served == csv.data


async def test_upload_limit_is_10_mib_per_file(desk: Desk) -> None:
    fake = desk.fake
    args = (desk.guild, desk.news, desk.alice, "tips")

    at_limit = await fake.run_command(*args, size=limits.UPLOAD_BYTES)
    with fake.expect_violation(code=40005) as caught:
        over = await fake.run_command(*args, size=limits.UPLOAD_BYTES + 1)

    assert len((await at_limit.wait_message()).attachments[0].data) == 10 * 1024 * 1024
    assert over.type is None and over.refused is not None
    assert (over.refused.status, over.refused.code) == (413, 40005)
    assert caught[0].message == "Request entity too large"
    assert fake.messages(desk.news) == [at_limit.message]


async def test_channel_upload_over_the_limit_is_413(world: World, raw) -> None:
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("payload_json", '{"content": "export"}', content_type="application/json")
    form.add_field("files[0]", b"x" * (limits.UPLOAD_BYTES + 1), filename="big.bin")

    with world.fake.expect_violation(code=40005):
        status, body = await raw("POST", f"/channels/{world.channel.id}/messages", data=form)

    assert (status, body["code"]) == (413, 40005)
    assert world.fake.messages(world.channel) == []

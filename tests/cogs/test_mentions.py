"""Every message the bot sends sets allowed_mentions explicitly (docs/commands.md: nothing a
reader typed can ping anyone)."""

from __future__ import annotations

from typing import Any

from fakediscord import FakeDiscord, File
from masthead.bot import Masthead
from tests.cogs.helpers import World, issue_text, subscribe
from tests.cogs.test_issue_import import press, preview
from tests.cogs.test_votes import first_item, vote
from tests.cogs.tip_helpers import decide, review_channel, send_tip, wait_card

MESSAGE_KEYS = {"content", "embeds", "components"}


def message_body(method: str, body: Any) -> dict[str, Any] | None:
    """The message inside a request body: a channel message, a webhook followup or edit,
    or an interaction callback that carries one; None for anything else."""
    if method not in ("POST", "PATCH") or not isinstance(body, dict):
        return None
    if "type" in body and "data" in body:  # an interaction callback
        data = body["data"]
        return data if body["type"] in (4, 7) and isinstance(data, dict) else None
    return body if MESSAGE_KEYS & body.keys() else None


async def test_every_message_sent_sets_allowed_mentions(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    fake = fake_discord
    item = await first_item(fake, masthead, world)  # subscribe, publish, deliver
    await vote(fake, item, world.reader, helpful=True)
    latest = await fake.run_command(world.guild, world.news, world.reader, "latest", public=True)
    assert latest.message is not None
    menu = latest.message.components[0]["components"][0]
    card = await fake.select(latest.message, menu["custom_id"], ["2"], world.reader)
    assert card.message is not None
    full = card.message.components[0]["components"][0]
    await fake.click(card.message, full["custom_id"], world.reader)
    await fake.run_command(world.guild, world.news, world.reader, "search", query="@everyone")
    await fake.run_command(world.guild, world.news, world.reader, "setup", "show")  # refused
    await fake.run_command(world.guild, world.news, world.moderator, "setup", "show")
    await subscribe(fake, world, backfill=False)
    imported = await preview(fake, world, issue_text().encode())
    await press(fake, imported, "Publish")
    await fake.wait_until(
        lambda: (
            len(threads := fake.threads(world.news)) == 2 and len(fake.messages(threads[1])) == 2
        ),
        "the second issue delivered",
    )
    bad = await fake.run_command(
        world.guild, world.news, fake.owner, "issue", "import", file=File("x.txt", b"")
    )
    await bad.wait_message()
    # The tip side: a hostile tip, its card, a decision and its DM, /review, /mytips, export.
    review = await review_channel(fake, world)
    await send_tip(fake, world, headline=f"@everyone <@{world.moderator.id}> listen up now")
    [tip_card] = await wait_card(fake, review)
    await decide(fake, tip_card, "Reject", world.moderator, f"<@&{world.mod_role.id}> no")
    await fake.wait_until(lambda: fake.dms(world.reader), "the decision's DM")
    await fake.run_command(world.guild, world.news, world.moderator, "review")
    await fake.run_command(world.guild, world.news, world.reader, "mytips")
    exported = await fake.run_command(world.guild, world.news, world.moderator, "tips", "export")
    await exported.wait_message()

    checked = [
        (r.method, r.route, body)
        for r in fake.requests
        if (body := message_body(r.method, r.body)) is not None
    ]
    # Channel posts, interaction answers and followups were all in the session.
    assert {route.split("/")[1] for _, route, _ in checked} == {
        "channels",
        "interactions",
        "webhooks",
    }
    missing = [(m, route) for m, route, body in checked if "allowed_mentions" not in body]
    assert missing == []
    assert all(body["allowed_mentions"].get("parse") == [] for _, _, body in checked)

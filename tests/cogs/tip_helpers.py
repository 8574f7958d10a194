"""What the tip and review tests share: a review channel, sending a tip through its
modal, reading and pressing a card's buttons."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from db.models import Tip, TipEvent
from fakediscord import Channel, FakeDiscord, InteractionResult, Message, User
from masthead.bot import Masthead
from tests.cogs.helpers import World


async def review_channel(fake: FakeDiscord, world: World, name: str = "review") -> Channel:
    channel = fake.add_channel(world.guild, name)
    result = await fake.run_command(
        world.guild, world.news, world.moderator, "setup", "review", channel=channel
    )
    assert "Review cards will be posted" in result.content, result.content
    return channel


async def send_tip(
    fake: FakeDiscord,
    world: World,
    user: User | None = None,
    *,
    headline: str = "Shanghai opens Asia's largest vertical farm",
    link: str = "",
    why: str = "",
    anonymous: bool = False,
) -> InteractionResult:
    """Run /tip, fill in the modal, send it; the bot's answer to the form."""
    user = user or world.reader
    opened = await fake.run_command(world.guild, world.news, user, "tip", anonymous=anonymous)
    assert opened.modal is not None, opened.content
    answer = await fake.submit_modal(opened, {"headline": headline, "link": link, "why": why})
    await answer.wait_message()  # a deferred answer (a busy moment) has its content by then
    return answer


def buttons(message: Message) -> dict[str, str]:
    """label → custom id of a message's buttons."""
    return {
        c["label"]: c["custom_id"]
        for row in message.components
        for c in row.get("components", [])
        if c.get("type") == 2 and "custom_id" in c
    }


def fields(message: Message | InteractionResult) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message.embeds[0].get("fields", [])}


async def wait_card(fake: FakeDiscord, channel: Channel, count: int = 1) -> list[Message]:
    def cards() -> list[Message] | None:
        posted = fake.messages(channel)
        return posted if len(posted) >= count else None

    found: list[Message] = await fake.wait_until(cards, f"{count} card(s) in #{channel.name}")
    return found


async def wait_field(fake: FakeDiscord, message: Message, name: str, text: str) -> str:
    """Until the message's embed field `name` contains `text` (an edit by the outbox)."""

    def shows() -> str | None:
        value = fields(message).get(name, "") if message.embeds else ""
        return value if text in value else None

    found: str = await fake.wait_until(shows, f"field {name!r} to show {text!r}")
    return found


async def decide(
    fake: FakeDiscord,
    message: Message,
    label: str,
    user: User,
    reason: str = "",
) -> InteractionResult:
    """Press Approve / Shortlist / Reject on a message and send the modal it opens."""
    opened = await fake.click(message, buttons(message)[label], user)
    if opened.modal is None:
        return opened  # refused: the answer says why
    return await fake.submit_modal(opened, {"reason": reason})


async def stored_tips(bot: Masthead) -> list[Tip]:
    async with bot.sessionmaker() as session:
        return list((await session.execute(select(Tip).order_by(Tip.id))).scalars())


async def audit(bot: Masthead, tip_id: int) -> list[tuple[Any, ...]]:
    async with bot.sessionmaker() as session:
        events = await session.execute(
            select(TipEvent.action, TipEvent.actor_id, TipEvent.reason)
            .where(TipEvent.tip_id == tip_id)
            .order_by(TipEvent.id)
        )
        return [tuple(row) for row in events.all()]

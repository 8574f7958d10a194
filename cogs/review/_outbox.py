"""The review outbox: what a tip's state asks of Discord, done by one worker, exactly once.

- a pending tip without a card in its server's review channel gets one. It is marked as
  being sent first; a tip still marked after a crash may have a card nobody recorded,
  so the channel's history from the mark on is searched for it (which works however
  long the bot was down) before it is sent again, with a nonce derived from (tip,
  channel) that covers a retry within Discord's few minutes of nonce memory. A tip
  decided before its lost card was found has it looked for all the same, so that the
  card is brought up to date like any other;
- a card showing an older revision of its tip is edited (a vote, a decision made from
  /review, a withdrawal, a forgotten author);
- the cards of tips deleted by "forget me" are deleted;
- every decision is DMed to its tipster unless they switched DMs off; a closed DM is
  logged and marked failed, never retried for ever, and never holds up anything else.
  A DM is marked and looked for in the DM channel after a crash in the same way.

Each is recorded after Discord accepted it, so a restart picks up where the crash was.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from cogs.review._cards import card_embed, card_view
from db.models import CardCleanup, Issue, Tip, TipEvent
from db.repositories import credits, deliveries, readers, tips
from db.states import DmStatus, TipStatus
from masthead.utils.background import OutageBackoff, wait_for_wakeup
from masthead.utils.text import month_title, shown

if TYPE_CHECKING:
    from masthead.bot import Masthead

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 300.0
NO_PINGS = discord.AllowedMentions.none()
CANNOT_DM = 50007  # Discord: the user's DMs are closed to the bot
UNKNOWN_MESSAGE = 10008
# After a crash, how many messages from the mark on are searched (two pages): a pass
# posts up to 50 cards, some of them maybe within CLOCK_SKEW before the lost one.
HISTORY_SCAN = 200
CLOCK_SKEW = timedelta(minutes=5)  # between this machine's clock and Discord's


def card_nonce(tip_id: int, channel_id: int) -> str:
    return hashlib.sha256(f"card:{tip_id}:{channel_id}".encode()).hexdigest()[:25]


def dm_nonce(event_id: int) -> str:
    return hashlib.sha256(f"dm:{event_id}".encode()).hexdigest()[:25]


@dataclass(frozen=True)
class _Work:
    lost: list[Tip]
    to_post: list[tuple[Tip, int]]
    to_edit: list[Tip]
    votes: dict[int, int]  # of the cards to post and to edit
    used: dict[int, tuple[Issue, int] | None]  # of the cards to edit
    cleanups: list[CardCleanup]
    dms: list[tuple[TipEvent, Tip]]
    dms_wanted: dict[int, bool]  # by tipster


class ReviewOutbox:
    def __init__(self, bot: Masthead) -> None:
        self.bot = bot
        self._wakeup = asyncio.Event()
        self._failures = 0
        self._retry_at = 0.0
        self.outage = OutageBackoff("review outbox")

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        await self.bot.wait_until_ready()
        while True:
            # Cleared before the pass, so a wake-up during it starts another one at once.
            self._wakeup.clear()
            if time.monotonic() >= self._retry_at:
                try:
                    await self.run_once()
                    self._failures = 0
                except Exception as exc:
                    if self.outage.note(exc):
                        pass  # the database: the shared policy below, logged once
                    elif isinstance(exc, discord.HTTPException | OSError | TimeoutError):
                        self._back_off(exc)
                    else:  # a bug: keep the worker alive
                        log.exception("review outbox pass failed")
                        self._back_off(exc)
                pause = self.outage.end_pass()
                if pause is not None:
                    self._retry_at = time.monotonic() + pause
            # A back-off ends on time, not at the poll after it: a wake-up while it runs
            # was cleared above, and would otherwise wait a whole poll more.
            until_retry = self._retry_at - time.monotonic()
            await wait_for_wakeup(
                self._wakeup, POLL_SECONDS if until_retry <= 0 else min(POLL_SECONDS, until_retry)
            )

    def _back_off(self, exc: BaseException) -> None:
        self._failures += 1
        delay = min(MAX_BACKOFF_SECONDS, 2.0**self._failures)
        self._retry_at = time.monotonic() + delay
        log.warning("review outbox interrupted (%s); retrying in %.0fs", exc, delay)

    async def run_once(self) -> None:
        work = await self._read_work()
        if await self.recover_cards(work.lost):
            self.wake()  # a card found is edited (or replaced) by the next pass
        await self.post_cards(work.to_post, work.votes)
        await self.edit_cards(work.to_edit, work.votes, work.used)
        await self.delete_cards(work.cleanups)
        await self.send_dms(work.dms, work.dms_wanted)

    async def _read_work(self) -> _Work:
        """Everything a pass has to do, read in one session: a pass follows every tip and
        every decision, and nearly always finds little or nothing to do."""
        # Of this process's servers only: each process runs the outbox for its shards,
        # as it runs their deliveries (two outboxes would send everything twice, saved
        # only by Discord's few minutes of nonce memory).
        count, mine = self.bot.shard_count or 1, self.bot.shard_ids
        async with self.bot.sessionmaker() as session:
            to_post = await tips.cards_to_post(session, shard_count=count, shard_ids=mine)
            to_edit = await tips.cards_to_edit(session, shard_count=count, shard_ids=mine)
            ids = [tip.id for tip, _ in to_post] + [tip.id for tip in to_edit]
            dms = await tips.dms_to_send(session, shard_count=count, shard_ids=mine)
            return _Work(
                lost=await tips.lost_cards(session, shard_count=count, shard_ids=mine),
                to_post=to_post,
                to_edit=to_edit,
                votes=await tips.vote_counts(session, ids) if ids else {},
                used={tip.id: await credits.used_in(session, tip) for tip in to_edit},
                cleanups=await tips.card_cleanups(session),
                dms=dms,
                dms_wanted={
                    tip.user_id: await readers.dms_enabled(session, tip.user_id)
                    for _, tip in dms
                    if tip.user_id is not None
                },
            )

    async def post_cards(self, todo: list[tuple[Tip, int]], votes: dict[int, int]) -> None:
        blocked: set[int] = set()
        for tip, channel_id in todo:
            if tip.guild_id in blocked:
                continue
            if await self._recover_card(tip) == channel_id:
                continue
            channel = self.bot.get_partial_messageable(channel_id, guild_id=tip.guild_id)
            try:
                async with self.bot.sessionmaker.begin() as session:
                    await tips.mark_card_sending(session, tip.id, channel_id=channel_id)
                message = await channel.send(
                    embed=card_embed(tip, votes[tip.id]),
                    view=card_view(tip),
                    nonce=card_nonce(tip.id, channel_id),
                    allowed_mentions=NO_PINGS,
                )
            except (discord.Forbidden, discord.NotFound) as exc:
                # Reported in /setup show; /setup review (again) clears it and retries.
                blocked.add(tip.guild_id)
                reason = _reason(exc)
                log.warning("cannot post review cards in %s: %s", channel_id, reason)
                async with self.bot.sessionmaker.begin() as session:
                    await tips.set_review_failure(session, tip.guild_id, reason)
                continue
            async with self.bot.sessionmaker.begin() as session:
                await tips.record_card(
                    session,
                    tip.id,
                    channel_id=channel_id,
                    message_id=message.id,
                    revision=tip.card_revision,
                )

    async def recover_cards(self, todo: list[Tip]) -> bool:
        """The lost cards of decided tips, recorded so that they are edited to show the
        decision (pending tips' are looked for just before their card is posted).
        Whether any was found."""
        found = False
        for tip in todo:
            if await self._recover_card(tip) is None:
                async with self.bot.sessionmaker.begin() as session:
                    await tips.clear_card_sending(session, tip.id)
            else:
                found = True
        return found

    async def _recover_card(self, tip: Tip) -> int | None:
        """A card a crash may have posted without recording it: if it is in the channel
        the tip was marked with, it is recorded now. Returns that channel, or None."""
        channel_id, since = tip.card_sending_channel_id, tip.card_sending_at
        if channel_id is None or since is None:
            return None
        footer = card_embed(tip, 0).footer.text

        def is_card(message: discord.Message) -> bool:
            return any(embed.footer.text == footer for embed in message.embeds)

        found = await self._find_sent(channel_id, since, is_card, guild_id=tip.guild_id)
        if found is None:
            return None
        log.info("the card of tip %s was already posted as %s", tip.id, found)
        async with self.bot.sessionmaker.begin() as session:
            # The revision it was posted with is not known: the oldest, so it is edited.
            await tips.record_card(
                session, tip.id, channel_id=channel_id, message_id=found, revision=1
            )
        return channel_id

    async def _find_sent(
        self,
        channel_id: int,
        since: datetime,
        matches: Callable[[discord.Message], bool],
        *,
        guild_id: int | None = None,
    ) -> int | None:
        """The id of the bot's own message matching `matches`, among the first sent in
        the channel from `since` on; None when there is none, or it cannot be read (then
        the nonce is all that is left)."""
        channel = self.bot.get_partial_messageable(channel_id, guild_id=guild_id)
        after = discord.Object(discord.utils.time_snowflake(since - CLOCK_SKEW))
        me = self.bot.user.id if self.bot.user is not None else None
        try:
            async for message in channel.history(
                limit=HISTORY_SCAN, after=after, oldest_first=True
            ):
                if message.author.id == me and matches(message):
                    return message.id
        except (discord.Forbidden, discord.NotFound) as exc:
            log.info("cannot read the history of %s (%s); relying on the nonce", channel_id, exc)
        return None

    async def edit_cards(
        self,
        todo: list[Tip],
        votes: dict[int, int],
        used: dict[int, tuple[Issue, int] | None],
    ) -> None:
        for tip in todo:
            assert tip.review_channel_id is not None and tip.review_message_id is not None
            channel = self.bot.get_partial_messageable(tip.review_channel_id, guild_id=tip.guild_id)
            card = channel.get_partial_message(tip.review_message_id)
            try:
                where = used[tip.id]
                used_in = f"{where[0].title}, item {where[1]}" if where else None
                # An edit without content carries no default allowed_mentions: set it.
                await card.edit(
                    embed=card_embed(tip, votes[tip.id], used_in=used_in),
                    view=card_view(tip),
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            except discord.NotFound:
                # A moderator deleted the card: a pending tip gets a new one.
                async with self.bot.sessionmaker.begin() as session:
                    await tips.forget_card(session, tip.id, message_id=tip.review_message_id)
                continue
            except discord.Forbidden as exc:
                log.warning("cannot edit the card of tip %s: %s", tip.id, _reason(exc))
                async with self.bot.sessionmaker.begin() as session:
                    await tips.record_card_shown(session, tip.id, tip.card_revision)
                continue
            async with self.bot.sessionmaker.begin() as session:
                await tips.record_card_shown(session, tip.id, tip.card_revision)

    async def delete_cards(self, todo: list[CardCleanup]) -> None:
        for cleanup in todo:
            channel = self.bot.get_partial_messageable(cleanup.channel_id)
            with contextlib.suppress(discord.NotFound, discord.Forbidden):
                await channel.get_partial_message(cleanup.message_id).delete()
            async with self.bot.sessionmaker.begin() as session:
                await tips.done_cleanup(session, cleanup.id)

    async def send_dms(self, todo: list[tuple[TipEvent, Tip]], wanted: dict[int, bool]) -> None:
        for event, tip in todo:
            if tip.user_id is None or not wanted.get(tip.user_id, False):
                await self._dm_done(event, DmStatus.SKIPPED)
                continue
            text = decision_dm(tip, event, self._guild_name(tip.guild_id))
            if event.action == TipStatus.USED.value:
                used = await self._used_dm(tip)
                if used is None:
                    continue  # the item is not posted in the tipster's server yet
                text = used
            try:
                channel = await self.bot.create_dm(discord.Object(id=tip.user_id))
                if event.dm_sending_at is not None and await self._find_sent(
                    channel.id, event.dm_sending_at, saying(text)
                ):
                    log.info("the DM of tip event %s was already sent", event.id)
                    await self._dm_done(event, DmStatus.SENT)
                    continue
                async with self.bot.sessionmaker.begin() as session:
                    await tips.mark_dm_sending(session, event.id)
                await channel.send(
                    text,
                    nonce=dm_nonce(event.id),
                    allowed_mentions=NO_PINGS,
                )
            except discord.Forbidden as exc:
                log.info("tip %s: cannot DM its tipster (%s); not retrying", tip.id, _reason(exc))
                await self._dm_done(event, DmStatus.FAILED)
                continue
            await self._dm_done(event, DmStatus.SENT)

    async def _dm_done(self, event: TipEvent, status: DmStatus) -> None:
        async with self.bot.sessionmaker.begin() as session:
            await tips.set_dm_status(session, event.id, status)

    async def _used_dm(self, tip: Tip) -> str | None:
        """The DM telling a tipster where their tip went, with a link to the item in their
        server; None while the issue is still being posted there (the link is coming)."""
        async with self.bot.sessionmaker() as session:
            where = await credits.used_in(session, tip)
            posting = where is not None and await deliveries.delivering_to_guild(
                session, where[0].id, tip.guild_id
            )
        if posting:
            return None
        text = f"Your tip “{shown(tip.headline, 150)}” (tip #{tip.id}) made it into the newsletter"
        if where is None:
            return text + "!"
        issue, number = where
        text += f": {shown(issue.title, 100)}, item {number}."
        jump = await self.bot.jump_url(issue.id, tip.guild_id, number)
        return text + (f"\nRead it here: {jump}" if jump else "")

    def _guild_name(self, guild_id: int) -> str:
        guild = self.bot.get_guild(guild_id)
        return guild.name if guild is not None else "the server"


def saying(text: str) -> Callable[[discord.Message], bool]:
    """Whether a message is this DM (its text names the tip, the decision and the server)."""
    return lambda message: message.content == text


def decision_dm(tip: Tip, event: TipEvent, guild_name: str) -> str:
    """What the tipster is told of one decision (the one this event records)."""
    headline = f"“{shown(tip.headline, 150)}” (tip #{tip.id})"
    where = shown(guild_name, 100)
    outcome = {
        TipStatus.APPROVED.value: f"Good news: your tip {headline} was approved by the "
        f"moderators of {where}, for the {month_title(tip.for_month)} issue.",
        TipStatus.SHORTLISTED.value: f"Your tip {headline} was shortlisted by the moderators "
        f"of {where} for the {month_title(tip.for_month)} issue.",
        TipStatus.REJECTED.value: f"Your tip {headline} was not taken by the moderators of "
        f"{where}.",
    }.get(event.action, f"Your tip {headline} was updated: {event.action}.")
    if event.reason:
        label = "Reason" if event.action == TipStatus.REJECTED.value else "Their note"
        outcome += f"\n{label}: {shown(event.reason, 1000)}"
    return outcome + "\n(Switch these messages off with /mytips.)"


def _reason(exc: discord.HTTPException) -> str:
    if isinstance(exc, discord.NotFound):
        return f"channel not found (deleted?): {exc.text or exc.status}"[:300]
    if exc.code == CANNOT_DM:
        return "their DMs are closed"
    return f"missing permissions: {exc.text or exc.status}"[:300]

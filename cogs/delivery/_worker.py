"""The delivery worker: posts queued issues to announce channels, exactly once.

Every part is marked "sending" before it goes out and "sent" with its message id right
after Discord accepts it; a restart picks up at the first part not sent. A part left
"sending" by a crash may or may not have reached Discord, so it is resolved in two ways:
the channel's recent history is searched for it (which works however long the bot was
down), and it is resent with a nonce derived from (issue, channel, part) and
`enforce_nonce`, so Discord answers with the first message instead of posting a second.
A thread deleted under a delivery took its parts with it: when the delivery is resumed
(or asked for again) they are posted again in a new thread, with nonces of their own.
A delivery that is done, of an issue corrected since, is handed to `_corrections`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from cogs.delivery._pacing import GLOBAL_REQUESTS_PER_SECOND, Pacer, SharedBudget
from cogs.items._votes import vote_view_for
from db.models import Delivery, DeliveryPart
from db.repositories import deliveries, issues
from db.states import DeliveryStatus, PartStatus
from masthead.importing import corrected_on, load_document
from masthead.utils.background import OutageBackoff, wait_for_wakeup
from masthead.utils.request_pacing import paced
from newsletter.corrections import part_digest
from newsletter.render import Part, render_issue

if TYPE_CHECKING:
    from masthead.bot import Masthead

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0
# Enough channels at once that the global limit (paced below), not each channel's own
# 5-messages-per-5-s window, bounds a delivery to many servers.
MAX_CONCURRENT_CHANNELS = 50
# Deliveries started (sending, or queued for a channel slot) below which the worker looks
# for more: twice the slots, so a slot that frees never waits for the database.
REFILL_BELOW = 2 * MAX_CONCURRENT_CHANNELS
MAX_BACKOFF_SECONDS = 300.0
HISTORY_SCAN = 50  # messages searched for a part that a crash may have sent
CLOCK_SKEW = timedelta(minutes=5)
THREAD_ALREADY_EXISTS = 160004  # Discord's code for a second thread on one message
UNKNOWN_MESSAGE = 10008


def part_nonce(issue_id: int, channel_id: int, part_key: str, thread_round: int = 0) -> str:
    """Deterministic and at most 25 characters, as Discord requires of a nonce.

    A part posted again after its thread was deleted gets another one (`thread_round`),
    or Discord could answer it with the deleted post: a new thread on the same header has
    the deleted thread's id, and a header posted again goes to the same channel.
    """
    seed = f"{issue_id}:{channel_id}:{part_key}" + (f":{thread_round}" if thread_round else "")
    return hashlib.sha256(seed.encode()).hexdigest()[:25]


def process_share(bot: Masthead) -> float:
    """This process's part of the bot token's global limit: its share of the shards."""
    if bot.shard_ids is None or not bot.shard_count:
        return 1.0
    return len(bot.shard_ids) / bot.shard_count


def shares_budget(bot: Masthead) -> bool:
    """Other processes deliver too and can be reached: lease the rate through the
    database. (Shard processes on one SQLite file keep to their static share.)"""
    return process_share(bot) < 1.0 and bot.dialect != "sqlite"


class ChannelUnusable(Exception):
    """The channel is gone or forbids the bot: deliveries there fail for good."""


class DeliveryWorker:
    def __init__(self, bot: Masthead) -> None:
        self.bot = bot
        self._wakeup = asyncio.Event()
        self._retry_at: dict[int, float] = {}
        self._attempts: dict[int, int] = {}
        self._running: dict[int, asyncio.Task[None]] = {}  # deliveries started, not ended
        self._ended_while_reading: set[int] | None = None  # see run_once
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_CHANNELS)
        self.outage = OutageBackoff("delivery worker")
        self._pacer = Pacer(GLOBAL_REQUESTS_PER_SECOND * process_share(bot))
        self.budget = SharedBudget(self._pacer, bot.sessionmaker) if shares_budget(bot) else None
        # Imported here: corrections build on this module's posting and failures.
        from cogs.delivery._corrections import Corrections

        self.corrections = Corrections(self)

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        await self.bot.wait_until_ready()
        log.info("delivery worker started")
        try:
            while True:
                # Cleared before the pass, so a wake-up during it starts another at once.
                self._wakeup.clear()
                try:
                    await self.run_once()
                except Exception as exc:
                    if not self.outage.note(exc):
                        log.exception("delivery pass failed; trying again shortly")
                await wait_for_wakeup(self._wakeup, self.outage.end_pass() or POLL_SECONDS)
        finally:  # stopped: so are the deliveries under way (each resumes where it was)
            running = list(self._running.values())
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    async def run_once(self) -> None:
        """Start the deliveries that are due and not under way, and return: the worker
        looks for more as soon as fewer than REFILL_BELOW are under way, so the channels'
        queue for the pacer never runs dry between one batch and the next (waiting for a
        whole batch to end left each batch's last channels sending alone, below the
        global limit, for seconds)."""
        # A delivery under way when the read began may end before it returns: the read
        # still shows it due, and starting it again would send its requests twice.
        self._ended_while_reading = set()
        try:
            async with self.bot.sessionmaker() as session:
                shard_count, shard_ids = self.bot.shard_count or 1, self.bot.shard_ids
                pending = await deliveries.unfinished(
                    session, shard_count=shard_count, shard_ids=shard_ids
                )
                pending += await deliveries.outdated(
                    session, shard_count=shard_count, shard_ids=shard_ids
                )
        finally:
            ended, self._ended_while_reading = self._ended_while_reading, None
        now = time.monotonic()
        for delivery in pending:
            if delivery.id in self._running or delivery.id in ended:
                continue
            if self._retry_at.get(delivery.id, 0.0) > now:
                continue
            # Kept at once: the next pass may come before the task starts.
            self._running[delivery.id] = asyncio.create_task(self._deliver_with_slot(delivery))

    async def _deliver_with_slot(self, delivery: Delivery) -> None:
        try:
            # Each request it sends waits for the pacer as it goes out (request_pacing).
            async with self._slots:
                with paced(self._pacer.wait):
                    if delivery.status == DeliveryStatus.DONE:
                        await self.corrections.correct(delivery)
                    else:
                        await self.deliver(delivery)
            self._retry_at.pop(delivery.id, None)
            self._attempts.pop(delivery.id, None)
        except ChannelUnusable as exc:
            log.warning(
                "delivery %s to channel %s failed: %s", delivery.id, delivery.channel_id, exc
            )
            async with self.bot.sessionmaker.begin() as session:
                await deliveries.set_status(
                    session, delivery.id, DeliveryStatus.FAILED, reason=str(exc)
                )
        except Exception as exc:
            if self.outage.note(exc):
                pass  # not the delivery's fault: the whole worker waits, then resumes it
            elif isinstance(exc, discord.HTTPException | aiohttp.ClientError | TimeoutError):
                delay = self._back_off(delivery.id)
                log.warning(
                    "delivery %s interrupted (%s); retrying in %.0fs", delivery.id, exc, delay
                )
            else:
                # A bug: keep the other deliveries going, retry this one later.
                delay = self._back_off(delivery.id)
                log.exception(
                    "delivery %s failed unexpectedly; retrying in %.0fs", delivery.id, delay
                )
        finally:
            self._running.pop(delivery.id, None)
            if self._ended_while_reading is not None:
                self._ended_while_reading.add(delivery.id)
            if len(self._running) < REFILL_BELOW:
                self.wake()

    def _back_off(self, delivery_id: int) -> float:
        attempts = self._attempts.get(delivery_id, 0) + 1
        self._attempts[delivery_id] = attempts
        delay = min(MAX_BACKOFF_SECONDS, 2.0**attempts)
        self._retry_at[delivery_id] = time.monotonic() + delay
        return delay

    async def deliver(self, delivery: Delivery) -> None:
        async with self.bot.sessionmaker.begin() as session:
            issue = await issues.get_issue_by_id(session, delivery.issue_id)
            if issue is None:
                await deliveries.set_status(
                    session, delivery.id, DeliveryStatus.FAILED, reason="issue deleted"
                )
                return
            await deliveries.set_status(session, delivery.id, DeliveryStatus.DELIVERING)
            done = await deliveries.sent_parts(session, delivery.id)
            item_ids = await issues.item_ids(session, issue.id)
        if delivery.thread_id is not None:
            delivery, done = await self._forget_deleted_thread(delivery, done)
        document = load_document(issue)
        parts = render_issue(document, corrected_on=corrected_on(issue, self.bot.settings.timezone))
        thread_id = delivery.thread_id

        # Where a part lost in a crash would be: after the previous part (the thread's
        # messages all come after the header, whose id the thread shares). The header
        # comes after the delivery was queued, give or take clock skew.
        previous = discord.utils.time_snowflake(delivery.created_at - CLOCK_SKEW)
        for position, part in enumerate(parts):
            recorded = done.get(part.key)
            target = delivery.channel_id if part.kind == "header" else thread_id
            assert target is not None, "the thread exists before any item is sent"
            message_id = (
                recorded.message_id if recorded and recorded.status == PartStatus.SENT else None
            )
            if message_id is None:
                message_id = await self._post_once(
                    delivery,
                    part,
                    position=position,
                    target=target,
                    after=previous,
                    maybe_sent=recorded is not None,
                    item_ids=item_ids,
                    parts=parts,
                    revision=issue.revision,
                )
            previous = message_id
            if part.kind == "header" and thread_id is None:
                thread_id = await self._open_thread(
                    delivery, message_id, document.newsletter, document.title
                )

        # Parts posted before a correction still show their older text: the delivery shows
        # the oldest revision of any part, and is corrected from there.
        sent = [p.revision for p in done.values() if p.status == PartStatus.SENT]
        shown = min([issue.revision, *sent])
        async with self.bot.sessionmaker.begin() as session:
            await deliveries.set_status(session, delivery.id, DeliveryStatus.DONE)
            await deliveries.set_revision(session, delivery.id, shown)
        self.bot.published.clear()  # jump links to the new posts
        self.bot.dispatch("issue_delivered", delivery.issue_id, delivery.guild_id)
        log.info("delivered issue %s to channel %s", delivery.issue_id, delivery.channel_id)

    async def _post_once(
        self,
        delivery: Delivery,
        part: Part,
        *,
        position: int,
        target: int,
        after: int,
        maybe_sent: bool,
        item_ids: dict[int, int],
        parts: list[Part],
        revision: int,
    ) -> int:
        """Send one part unless a crash already did (it would be right `after` the previous
        part); record it either way, with the issue revision it shows."""
        place = _place(delivery, target)
        found = await self._find_posted(target, place, part, after) if maybe_sent else None
        if found is None:
            async with self.bot.sessionmaker.begin() as session:
                await deliveries.mark_part_sending(
                    session, delivery, part_key=part.key, position=position
                )
            found = await self._send(delivery, part, target, item_ids, parts)
        async with self.bot.sessionmaker.begin() as session:
            await deliveries.record_part_sent(
                session,
                delivery,
                part_key=part.key,
                position=position,
                message_id=found,
                revision=revision,
                content_hash=part_digest(part),
            )
        self.bot.metrics.parts_sent.inc()
        return found

    async def _find_posted(self, target: int, place: str, part: Part, after: int) -> int | None:
        """The id of this part if it is already in the channel (sent just before a crash).

        Read oldest first from `after`: the part went out right after it, so however busy
        the channel was while the bot was down, it is among the first messages there.
        """
        channel = self.bot.get_partial_messageable(target)
        wanted = [_embed_key(e) for e in part.embeds]
        try:
            async for message in channel.history(
                limit=HISTORY_SCAN, after=discord.Object(after), oldest_first=True
            ):
                mine = self.bot.user is not None and message.author.id == self.bot.user.id
                if mine and [_embed_key(e.to_dict()) for e in message.embeds] == wanted:
                    log.info("part %s was already posted as %s", part.key, message.id)
                    return message.id
        except discord.Forbidden:
            log.info("cannot read history in %s; relying on the nonce", target)
        except discord.NotFound as exc:  # deleted while the bot was down: nowhere to post
            raise ChannelUnusable(_reason(exc, place)) from exc
        return None

    async def _send(
        self,
        delivery: Delivery,
        part: Part,
        target_id: int,
        item_ids: dict[int, int],
        parts: list[Part],
    ) -> int:
        channel = self.bot.get_partial_messageable(target_id, guild_id=delivery.guild_id)
        mentions = discord.AllowedMentions.none()
        content = part.content
        if part.kind == "header" and delivery.ping_role_id is not None:
            role = discord.Object(id=delivery.ping_role_id)
            mentions = discord.AllowedMentions(everyone=False, users=False, roles=[role])
            content = f"<@&{delivery.ping_role_id}> {content or ''}".strip()
        view = vote_view_for(part, parts, item_ids)
        embeds = [discord.Embed.from_dict(e) for e in part.embeds]
        nonce = part_nonce(delivery.issue_id, delivery.channel_id, part.key, delivery.thread_round)
        try:
            if view is None:
                message = await channel.send(
                    content=content, embeds=embeds, nonce=nonce, allowed_mentions=mentions
                )
            else:
                message = await channel.send(
                    content=content,
                    embeds=embeds,
                    nonce=nonce,
                    allowed_mentions=mentions,
                    view=view,
                )
        except (discord.Forbidden, discord.NotFound) as exc:
            raise ChannelUnusable(_reason(exc, _place(delivery, target_id))) from exc
        return message.id

    async def _forget_deleted_thread(
        self, delivery: Delivery, done: dict[str, DeliveryPart]
    ) -> tuple[Delivery, dict[str, DeliveryPart]]:
        """Resuming into a thread that was deleted (by a moderator) would fail for good: the
        thread took its posts with it, so they are forgotten to be posted again in a new
        one, and the header too if it was deleted, else the new thread opens on it."""
        assert delivery.thread_id is not None
        try:
            await self.bot.fetch_channel(delivery.thread_id)
            return delivery, done
        except discord.Forbidden:
            return delivery, done  # the first send there fails and reports it
        except discord.NotFound:
            pass
        header_id = done["header"].message_id  # the thread was opened on the sent header
        assert header_id is not None
        channel = self.bot.get_partial_messageable(delivery.channel_id)
        try:
            await channel.fetch_message(header_id)
            header_deleted = False
        except discord.NotFound as exc:
            if exc.code != UNKNOWN_MESSAGE:
                raise ChannelUnusable(_reason(exc)) from exc
            header_deleted = True
        except discord.Forbidden as exc:
            raise ChannelUnusable(_reason(exc)) from exc
        log.info(
            "thread %s of delivery %s was deleted (header too: %s); posting in a new one",
            delivery.thread_id,
            delivery.id,
            header_deleted,
        )
        async with self.bot.sessionmaker.begin() as session:
            delivery = await deliveries.start_thread_over(
                session, delivery.id, header_deleted=header_deleted
            )
            done = await deliveries.sent_parts(session, delivery.id)
        return delivery, done

    async def _open_thread(
        self, delivery: Delivery, header_id: int, newsletter: str, title: str
    ) -> int:
        channel = self.bot.get_partial_messageable(delivery.channel_id, guild_id=delivery.guild_id)
        name = f"{newsletter} — {title}"[:100]
        try:
            thread = await channel.get_partial_message(header_id).create_thread(name=name)
            thread_id = thread.id
        except discord.HTTPException as exc:
            if exc.code != THREAD_ALREADY_EXISTS:
                if isinstance(exc, discord.Forbidden | discord.NotFound):
                    raise ChannelUnusable(_reason(exc)) from exc
                raise
            # A crash after creating the thread: a message's thread shares its id.
            thread_id = header_id
        async with self.bot.sessionmaker.begin() as session:
            await deliveries.set_thread(session, delivery.id, thread_id)
        return thread_id


def _embed_key(embed: Mapping[str, Any]) -> tuple[object, ...]:
    footer = embed.get("footer") or {}
    return (embed.get("title"), embed.get("description"), footer.get("text"))


def _place(delivery: Delivery, target: int) -> str:
    """What a failure names: the announce channel, or the issue's thread in it."""
    return "channel" if target == delivery.channel_id else "thread"


def _reason(exc: discord.HTTPException, place: str = "channel") -> str:
    if isinstance(exc, discord.NotFound):
        return f"{place} not found (deleted?): {exc.text or exc.status}"[:300]
    return f"missing permissions in the {place}: {exc.text or exc.status}"[:300]

"""The feed watcher: polls watched feeds and sends each new entry's preview, once.

- A feed is polled every FEED_POLL_SECONDS with a conditional GET (ETag,
  Last-Modified). The poll is leased in the database, so of several processes one polls.
- A feed that fails is tried again after a delay that doubles with each failure
  (capped), kept in the database so that a restart does not reset it.
- A new entry is parsed (its full content, or the page it links to) and recorded, once,
  before anything is sent: the entry's unique key makes a second record impossible.
- Its preview goes to the review channel of the server where the feed was added, or
  by DM to the editor who added it. It is sent with a nonce derived from (entry,
  channel), and after a crash the channel's recent history is searched for it first, so
  a restart cannot post a second preview.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import aiohttp
import discord

from cogs.feeds._views import (
    MESSAGE_LIMIT,
    NO_PINGS,
    entry_nonce,
    is_preview_of,
    preview_message,
    preview_page,
)
from cogs.issues import DM_UPLOAD_LIMIT
from db.models import Feed, FeedEntry
from db.repositories import feeds, guilds, issues
from db.states import FeedEntryStatus
from db.types import utcnow
from masthead import fetching
from masthead.utils.background import OutageBackoff, wait_for_wakeup

if TYPE_CHECKING:
    from masthead.bot import Masthead

log = logging.getLogger(__name__)

TICK_SECONDS = 30.0  # how often due feeds and unsent previews are looked for
MAX_BACKOFF_SECONDS = 6 * 3600.0
NEW_PER_POLL = 5  # entries read per poll; more wait for the next one (right after)
HISTORY_SCAN = 50  # messages searched for a preview that a crash may have sent
CLOCK_SKEW = timedelta(minutes=5)


Channel = discord.PartialMessageable | discord.DMChannel
Opener = Callable[[], Awaitable[Channel]]


def backoff_seconds(failures: int, interval: float) -> float:
    """The wait after `failures` failures in a row: the poll interval doubled each time,
    up to six hours (or the interval, when that is longer)."""
    return min(max(interval, MAX_BACKOFF_SECONDS), interval * 2.0**failures)


def lease_seconds(limits: fetching.Limits) -> float:
    """Long enough for one poll: the feed and each new entry's page at the time limit."""
    return limits.timeout * (NEW_PER_POLL + 1) + 60.0


def upload_limit(channel: Channel) -> int:
    """What a file sent to `channel` may weigh: its server's limit, else a DM's."""
    guild = None if isinstance(channel, discord.DMChannel) else channel.guild
    return guild.filesize_limit if guild is not None else DM_UPLOAD_LIMIT


class PollError(Exception):
    """A poll to try again later (the feed, or an entry's page, did not answer)."""


class FeedWatcher:
    def __init__(self, bot: Masthead, *, limits: fetching.Limits | None = None) -> None:
        self.bot = bot
        self.limits = limits or fetching.limits_for(bot.settings.fetch_allow_private)
        self._wakeup = asyncio.Event()
        self.outage = OutageBackoff("feed watcher")

    @property
    def interval(self) -> float:
        return self.bot.settings.feed_poll_seconds

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        await self.bot.wait_until_ready()
        async with fetching.new_session(self.limits) as http:
            while True:
                # Cleared before the pass, so a wake-up during it starts another one at once.
                self._wakeup.clear()
                try:
                    await self.poll_due(http)
                    await self.send_previews()
                except Exception as exc:  # the database or a bug: keep the watcher alive
                    if not self.outage.note(exc):
                        log.exception("feed pass failed; trying again shortly")
                pause = self.outage.end_pass() or min(TICK_SECONDS, self.interval)
                await wait_for_wakeup(self._wakeup, pause)

    async def poll_due(self, http: aiohttp.ClientSession) -> None:
        now = utcnow()
        lease = now + timedelta(seconds=lease_seconds(self.limits))
        async with self.bot.sessionmaker.begin() as session:
            due = await feeds.claim_due(session, now, lease)
        for feed in due:
            await self.poll(http, feed)

    async def poll(self, http: aiohttp.ClientSession, feed: Feed) -> None:
        try:
            await self._poll(http, feed)
        except (fetching.FetchError, PollError) as exc:
            failures = feed.failures + 1
            delay = backoff_seconds(failures, self.interval)
            log.warning("feed %s: %s; trying again in %.0f s", feed.id, exc, delay)
            async with self.bot.sessionmaker.begin() as session:
                await feeds.poll_failed(
                    session,
                    feed.id,
                    reason=str(exc),
                    failures=failures,
                    next_poll_at=utcnow() + timedelta(seconds=delay),
                )

    async def _poll(self, http: aiohttp.ClientSession, feed: Feed) -> None:
        content = await fetching.fetch_feed(
            feed.url,
            session=http,
            etag=feed.etag,
            last_modified=feed.last_modified,
            limits=self.limits,
        )
        next_poll_at = utcnow() + timedelta(seconds=self.interval)
        if content is None:  # 304: nothing new
            async with self.bot.sessionmaker.begin() as session:
                await feeds.poll_unchanged(session, feed.id, next_poll_at=next_poll_at)
            return
        async with self.bot.sessionmaker() as session:
            known = await feeds.known_keys(session, feed.id, [e.key for e in content.entries])
        new = [entry for entry in content.entries if entry.key not in known]
        records = []
        for entry in new[:NEW_PER_POLL]:
            records.append(await self._read_entry(http, entry))
        left = len(new) > NEW_PER_POLL
        async with self.bot.sessionmaker.begin() as session:
            added = await feeds.add_entries(session, feed.id, records)
            # Entries left for later are only in the full feed: ask for it again, at once.
            await feeds.poll_succeeded(
                session,
                feed.id,
                etag=None if left else content.etag,
                last_modified=None if left else content.last_modified,
                next_poll_at=utcnow() if left else next_poll_at,
            )
        if added:
            log.info("feed %s: %d new entr%s", feed.id, added, "y" if added == 1 else "ies")

    async def _read_entry(
        self, http: aiohttp.ClientSession, entry: fetching.FeedEntry
    ) -> feeds.NewEntry:
        name = self.bot.settings.newsletter_name
        try:
            document = await fetching.entry_document(
                entry, newsletter=name, session=http, limits=self.limits
            )
        except fetching.FetchError as exc:
            if exc.transient:  # not recorded: the next poll reads it again
                raise PollError(f"entry {entry.title!r}: {exc}") from None
            return feeds.NewEntry(
                entry.key, entry.title, entry.link, FeedEntryStatus.PENDING, problem=str(exc)
            )
        async with self.bot.sessionmaker() as session:
            existing = await issues.get_issue(session, document.newsletter, document.month)
        if existing is not None and existing.content_hash == document.content_hash():
            return feeds.NewEntry(
                entry.key,
                entry.title,
                entry.link,
                FeedEntryStatus.SKIPPED,
                note=f"{document.title} was already imported with this text.",
            )
        note = (
            f"{document.title} is already imported: Publish replaces its text."
            if existing is not None
            else None
        )
        return feeds.NewEntry(
            entry.key,
            entry.title,
            entry.link,
            FeedEntryStatus.PENDING,
            document=document.to_json(),
            note=note,
        )

    # Previews -------------------------------------------------------------------------

    async def send_previews(self) -> None:
        async with self.bot.sessionmaker() as session:
            todo = await feeds.previews_to_send(session)
        for entry, feed in todo:
            try:
                await self.send_preview(entry, feed)
            except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as exc:
                # Discord is unwell: the entry stays pending for the next pass.
                log.warning("feed entry %s: preview not sent yet (%s)", entry.id, exc)
                return

    async def send_preview(self, entry: FeedEntry, feed: Feed) -> None:
        content, embed, view = preview_message(entry, feed)
        reasons: list[str] = []
        for where, open_channel in await self._destinations(feed):
            try:
                channel = await open_channel()
                if entry.attempted_at is not None:
                    found = await self._find_sent(channel, entry)
                    if found is not None:
                        await self._record(entry, found)
                        return
                page = await preview_page(entry, upload_limit(channel))
                text = content
                if isinstance(page, str) and len(content) + len(page) + 1 <= MESSAGE_LIMIT:
                    text = f"{content}\n{page}"  # too large to attach: how to get it
                async with self.bot.sessionmaker.begin() as session:
                    await feeds.mark_attempt(session, entry.id, utcnow())
                message = await channel.send(
                    text,
                    embed=embed,
                    view=view,
                    file=page if isinstance(page, discord.File) else discord.utils.MISSING,
                    nonce=entry_nonce(entry.id, channel.id),
                    allowed_mentions=NO_PINGS,
                )
            except (discord.Forbidden, discord.NotFound) as exc:
                reasons.append(f"{where}: {exc.text or exc.status}")
                continue
            await self._record(entry, message)
            return
        problem = "; ".join(reasons) or "nowhere to send it"
        log.warning("feed entry %s: no preview sent (%s)", entry.id, problem)
        async with self.bot.sessionmaker.begin() as session:
            await feeds.record_undelivered(session, entry.id, problem)

    async def _destinations(self, feed: Feed) -> list[tuple[str, Opener]]:
        """The review channel of the feed's server, if it has one, then the editor's DMs."""
        found: list[tuple[str, Opener]] = []
        if feed.guild_id is not None:
            async with self.bot.sessionmaker() as session:
                settings = await guilds.get_settings(session, feed.guild_id)
            if settings is not None and settings.review_channel_id is not None:
                channel = self.bot.get_partial_messageable(
                    settings.review_channel_id, guild_id=feed.guild_id
                )

                async def review() -> Channel:
                    return channel

                found.append(("review channel", review))

        async def direct() -> Channel:
            return await self.bot.create_dm(discord.Object(id=feed.added_by))

        found.append(("DM", direct))
        return found

    async def _find_sent(self, channel: Channel, entry: FeedEntry) -> discord.Message | None:
        """The preview an earlier attempt sent, if it is there (a crash came between
        sending it and recording it)."""
        assert entry.attempted_at is not None and self.bot.user is not None
        after = discord.Object(discord.utils.time_snowflake(entry.attempted_at - CLOCK_SKEW))
        try:
            async for message in channel.history(limit=HISTORY_SCAN, after=after):
                if message.author.id == self.bot.user.id and is_preview_of(message, entry.id):
                    return message
        except discord.Forbidden:  # no Read Message History: the nonce alone must do
            log.info("feed entry %s: cannot search %s for its preview", entry.id, channel.id)
        return None

    async def _record(self, entry: FeedEntry, message: discord.Message) -> None:
        async with self.bot.sessionmaker.begin() as session:
            await feeds.record_sent(
                session, entry.id, channel_id=message.channel.id, message_id=message.id
            )
        log.info("feed entry %s: preview sent to %s", entry.id, message.channel.id)

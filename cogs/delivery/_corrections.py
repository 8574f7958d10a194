"""Corrections: a published issue whose text was replaced is edited where it was posted.

A delivery that is done shows one revision of its issue (`Delivery.revision`); once the
issue's is higher, the worker hands the delivery here. Each posted part keeps a digest of
what its message shows, so only the messages whose rendered text changed are edited.
Parts the correction added are posted at the end of the thread (the way the worker posts
any part: marked first, found in the history or answered by its nonce after a crash), and
parts it removed are edited to say they were withdrawn.

Edits are an outbox too: a part's `editing_revision` is set before its edit goes out and
cleared, with the new digest, once Discord took it. After a crash in between, the message
is read back (one GET) and edited only if it does not show the new text yet, so no
message is edited twice for one correction. Before each edit the issue's revision is read
again: when a later correction arrived, the pass starts over with the latest text, so two
corrections in quick succession edit a message at most once more. A message a moderator
deleted (404 10008) is skipped from then on, and `/setup show` lists it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import discord

from cogs.delivery._worker import UNKNOWN_MESSAGE, ChannelUnusable, _place, _reason
from cogs.items._votes import vote_view_for
from db.models import Delivery, DeliveryPart
from db.repositories import deliveries, issues
from db.states import PartStatus
from db.types import utcnow
from masthead.importing import corrected_on, load_document
from newsletter.corrections import part_digest, render_withdrawn
from newsletter.render import Part, render_issue

if TYPE_CHECKING:
    from cogs.delivery._worker import DeliveryWorker

log = logging.getLogger(__name__)


class Superseded(Exception):
    """A later correction arrived during the pass: start again from its text."""


class Corrections:
    def __init__(self, worker: DeliveryWorker) -> None:
        self.worker = worker
        self.bot = worker.bot

    async def correct(self, delivery: Delivery) -> None:
        """Bring every message of a done delivery to the issue's latest revision."""
        while True:
            try:
                await self._correct_once(delivery)
                return
            except Superseded:
                log.info("delivery %s: a later correction arrived; starting over", delivery.id)

    async def _correct_once(self, delivery: Delivery) -> None:
        async with self.bot.sessionmaker() as session:
            issue = await issues.get_issue_by_id(session, delivery.issue_id)
            if issue is None:
                return  # deleted: its deliveries go with it
            recorded = await deliveries.sent_parts(session, delivery.id)
            item_ids = await issues.item_ids(session, issue.id)
        # Readers' commands serve the corrected text from now on, whichever process made it.
        self.bot.published.clear()
        revision = issue.revision
        document = load_document(issue)
        parts = render_issue(document, corrected_on=corrected_on(issue, self.bot.settings.timezone))
        # Added parts go after everything this delivery posted in the thread.
        last = max(
            (p.message_id for p in recorded.values() if p.message_id and p.part_key != "header"),
            default=delivery.thread_id or 0,
        )
        for position, part in enumerate(parts):
            record = recorded.get(part.key)
            if record is None or record.status != PartStatus.SENT:
                if part.kind != "header":  # a done delivery always has its header
                    last = await self._post_added(
                        delivery, part, position, record, last, revision, item_ids, parts
                    )
            elif record.content_hash != part_digest(part):
                # An item's last message carries its buttons, which may have moved.
                buttons = part.kind == "item"
                view = vote_view_for(part, parts, item_ids) if buttons else None
                await self._edit(delivery, record, part, revision, view, set_view=buttons)

        wanted = {part.key for part in parts}
        removed = sorted(
            (r for r in recorded.values() if r.part_key not in wanted and r.message_id),
            key=lambda r: r.position,
        )
        if removed:
            day = corrected_on(issue, self.bot.settings.timezone) or utcnow().date()
            for record in removed:
                withdrawn = render_withdrawn(document, record.part_key, day)
                if record.content_hash != part_digest(withdrawn):
                    await self._edit(delivery, record, withdrawn, revision, None, set_view=True)

        async with self.bot.sessionmaker.begin() as session:
            await deliveries.finish_correction(session, delivery.id, revision)
        log.info(
            "corrected issue %s in channel %s to revision %s",
            delivery.issue_id,
            delivery.channel_id,
            revision,
        )

    async def _post_added(
        self,
        delivery: Delivery,
        part: Part,
        position: int,
        record: DeliveryPart | None,
        after: int,
        revision: int,
        item_ids: dict[int, int],
        parts: list[Part],
    ) -> int:
        if delivery.thread_id is None:
            raise ChannelUnusable("the issue's thread is gone: the added items were not posted")
        return await self.worker._post_once(
            delivery,
            part,
            position=position,
            target=delivery.thread_id,
            after=after,
            maybe_sent=record is not None,
            item_ids=item_ids,
            parts=parts,
            revision=revision,
        )

    async def _edit(
        self,
        delivery: Delivery,
        record: DeliveryPart,
        part: Part,
        revision: int,
        view: discord.ui.View | None,
        *,
        set_view: bool,
    ) -> None:
        """Edit one posted message to `part`, once; with `set_view`, its buttons become
        `view`'s (None: no buttons), else they are left alone."""
        if record.message_deleted:
            return
        assert record.message_id is not None
        async with self.bot.sessionmaker.begin() as session:
            if not await deliveries.mark_part_editing(session, record, revision):
                raise Superseded
        target = delivery.channel_id if part.kind == "header" else delivery.thread_id
        assert target is not None, "a done delivery has its thread"
        channel = self.bot.get_partial_messageable(target, guild_id=delivery.guild_id)
        message = channel.get_partial_message(record.message_id)
        try:
            # After a crash mid-edit the edit may have landed: look before editing again.
            landed = record.editing_revision is not None and await self._shows(message, part)
            if not landed:
                embeds = [discord.Embed.from_dict(e) for e in part.embeds]
                # An edit without content carries no default allowed_mentions: set it.
                kwargs: dict[str, Any] = {
                    "embeds": embeds,
                    "allowed_mentions": discord.AllowedMentions.none(),
                }
                if set_view:
                    kwargs["view"] = view
                await message.edit(**kwargs)
        except discord.NotFound as exc:
            if exc.code != UNKNOWN_MESSAGE:
                raise ChannelUnusable(_reason(exc, _place(delivery, target))) from exc
            log.info("message %s of delivery %s was deleted; skipped", message.id, delivery.id)
            async with self.bot.sessionmaker.begin() as session:
                await deliveries.mark_message_deleted(session, record.id)
            return
        except discord.Forbidden as exc:
            raise ChannelUnusable(_reason(exc, _place(delivery, target))) from exc
        async with self.bot.sessionmaker.begin() as session:
            await deliveries.record_part_edited(
                session, record.id, revision=revision, content_hash=part_digest(part)
            )

    async def _shows(self, message: discord.PartialMessage, part: Part) -> bool:
        fetched = await message.fetch()
        shown = [_embed_shape(e.to_dict()) for e in fetched.embeds]
        return shown == [_embed_shape(e) for e in part.embeds]


def _embed_shape(embed: Mapping[str, Any]) -> tuple[object, ...]:
    """What an edit sets, to compare an embed read back from Discord with a rendered one."""
    fields = tuple(
        (f.get("name"), f.get("value"), bool(f.get("inline"))) for f in embed.get("fields") or ()
    )
    footer = embed.get("footer") or {}
    return (
        embed.get("title"),
        embed.get("description"),
        embed.get("url"),
        footer.get("text"),
        fields,
    )

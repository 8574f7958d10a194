"""Creating, editing and deleting messages: shared by channel routes, interaction
responses and followups."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from . import limits
from .errors import DiscordError
from .models import EPHEMERAL, Attachment, Channel, Json, Message, User
from .routing import FileUpload, check_limits

if TYPE_CHECKING:
    from .server import Emulator

# Flags a sender may set: SUPPRESS_EMBEDS, EPHEMERAL, SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2.
_SETTABLE_FLAGS = (1 << 2) | EPHEMERAL | (1 << 12) | (1 << 15)


def create_message(
    emu: Emulator,
    channel: Channel,
    author: User,
    body: dict[str, Any],
    files: list[FileUpload],
    *,
    path: list[str | int] | None = None,
    webhook_id: int | None = None,
    interaction: Json | None = None,
    extra_flags: int = 0,
) -> Message:
    check_limits(limits.check_message(body, path))
    _check_uploads(files)
    state = emu.state
    message = Message(
        id=state.ids.next(),
        channel_id=channel.id,
        guild_id=channel.guild_id,
        author=author,
        content=body.get("content") or "",
        embeds=_embeds(body.get("embeds")),
        components=list(body.get("components") or []),
        attachments=_attachments(emu, body.get("attachments"), files, keep=[]),
        flags=(int(body.get("flags") or 0) & _SETTABLE_FLAGS) | extra_flags,
        nonce=body.get("nonce"),
        tts=bool(body.get("tts")),
        webhook_id=webhook_id,
        application_id=state.application_id if webhook_id else None,
        interaction=interaction,
        type=20 if interaction else (19 if body.get("message_reference") else 0),
        message_reference=body.get("message_reference"),
    )
    if (
        not message.content
        and not message.embeds
        and not message.attachments
        and not (message.components or body.get("sticker_ids") or body.get("poll"))
    ):
        raise _empty()
    state.compute_mentions(message, body.get("allowed_mentions"), None if webhook_id else author.id)
    state.store_message(message, listed=not message.ephemeral)
    if not message.ephemeral:
        emu.gateway.dispatch("MESSAGE_CREATE", event_json(emu, message), channel.guild_id)
    return message


def edit_message(
    emu: Emulator,
    message: Message,
    body: dict[str, Any],
    files: list[FileUpload],
    *,
    path: list[str | int] | None = None,
) -> Message:
    check_limits(limits.check_message(body, path))
    _check_uploads(files)
    if "content" in body:
        message.content = body["content"] or ""
    if "embeds" in body:
        message.embeds = _embeds(body["embeds"])
    if "components" in body:
        message.components = list(body["components"] or [])
    if "flags" in body and body["flags"] is not None:
        message.flags = (
            (message.flags & ~_SETTABLE_FLAGS)
            | (int(body["flags"]) & _SETTABLE_FLAGS)
            | (message.flags & EPHEMERAL)
        )
    if "attachments" in body or files:
        message.attachments = _attachments(
            emu, body.get("attachments"), files, keep=message.attachments
        )
    message.flags &= ~(1 << 7)  # an edit ends the "thinking…" state of a deferred reply
    message.edited_at = time.time()
    if "content" in body or "allowed_mentions" in body:
        emu.state.compute_mentions(
            message, body.get("allowed_mentions"), None if message.webhook_id else message.author.id
        )
    if not message.ephemeral:
        emu.gateway.dispatch("MESSAGE_UPDATE", event_json(emu, message), message.guild_id)
    return message


def delete_message(emu: Emulator, message: Message) -> None:
    message.deleted = True
    if not message.ephemeral:
        data: Json = {"id": str(message.id), "channel_id": str(message.channel_id)}
        if message.guild_id:
            data["guild_id"] = str(message.guild_id)
        emu.gateway.dispatch("MESSAGE_DELETE", data, message.guild_id)


def event_json(emu: Emulator, message: Message) -> Json:
    data = emu.state.message_json(message, emu.base_url)
    guild = emu.state.guilds.get(message.guild_id) if message.guild_id else None
    member = guild.members.get(message.author.id) if guild else None
    if member is not None and message.webhook_id is None:
        data["member"] = member.to_json(with_user=False)
    return data


def _embeds(raw: Any) -> list[Json]:
    return [{"type": "rich", **e} for e in raw or [] if isinstance(e, dict)]


def _attachments(
    emu: Emulator, listed: Any, files: list[FileUpload], keep: list[Attachment]
) -> list[Attachment]:
    """Discord's rule: ``attachments`` lists what stays (existing ids) and describes new
    uploads by their ``files[n]`` index; without it, every upload is added."""
    by_index = {f.index: f for f in files}
    kept = {a.id: a for a in keep}
    out: list[Attachment] = []
    if listed is None:
        out.extend(keep)
        listed = [{"id": f.index} for f in files]
    for item in listed:
        if not isinstance(item, dict):
            continue
        ident = int(item.get("id", -1))
        if ident in kept:
            out.append(kept[ident])
        elif ident in by_index:
            upload = by_index[ident]
            attachment = Attachment(
                id=emu.state.ids.next(),
                filename=item.get("filename") or upload.filename,
                data=upload.data,
                content_type=upload.content_type,
                description=item.get("description"),
            )
            emu.state.attachments[attachment.id] = attachment
            out.append(attachment)
    return out


def _check_uploads(files: list[FileUpload]) -> None:
    """Discord's per-file upload limit (a server without boosts, or a DM): 413 / 40005."""
    if any(len(f.data) > limits.UPLOAD_BYTES for f in files):
        raise DiscordError(413, 40005, "Request entity too large", violation=True)


def _empty() -> DiscordError:
    return DiscordError(400, 50006, "Cannot send an empty message", violation=True)

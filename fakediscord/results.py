"""What a user sees after an interaction: the bot's callback, response and followups."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import DiscordError
from .interactions import Interaction
from .models import LOADING, Json, Message

if TYPE_CHECKING:
    from .server import Emulator


class InteractionResult:
    """The bot's answer to one interaction. Attributes read live emulator state, so later
    edits (``edit_original_response``, followups) show up without re-fetching."""

    def __init__(self, emu: Emulator, interaction: Interaction) -> None:
        self._emu = emu
        self.interaction = interaction

    def __repr__(self) -> str:
        return (
            f"<InteractionResult type={self.type} content={self.content!r} "
            f"followups={len(self.followups)}>"
        )

    @property
    def type(self) -> int | None:
        """Callback type: 4 message, 5 deferred, 6 deferred update, 7 update, 8 choices,
        9 modal; None while unanswered or when Discord refused the answer."""
        return self.interaction.callback_type

    @property
    def refused(self) -> DiscordError | None:
        """The error Discord answered the bot's callback with (late, double, invalid)."""
        return self.interaction.refused

    @property
    def latency(self) -> float | None:
        """Seconds from INTERACTION_CREATE being sent to the bot's callback arriving."""
        answered = self.interaction.answered_at
        return None if answered is None else answered - self.interaction.created

    @property
    def deferred(self) -> bool:
        return self.type in (5, 6)

    @property
    def message(self) -> Message | None:
        """The original response (for 6/7: the message the component is on)."""
        return self.interaction.response

    @property
    def content(self) -> str:
        return self.message.content if self.message else ""

    @property
    def embeds(self) -> list[Json]:
        return self.message.embeds if self.message else []

    @property
    def components(self) -> list[Json]:
        return self.message.components if self.message else []

    @property
    def flags(self) -> int:
        return self.message.flags if self.message else 0

    @property
    def ephemeral(self) -> bool:
        return bool(self.message and self.message.ephemeral)

    @property
    def followups(self) -> list[Message]:
        return [m for m in self.interaction.followups if not m.deleted]

    @property
    def modal(self) -> Json | None:
        return self.interaction.modal

    @property
    def choices(self) -> list[Json] | None:
        return self.interaction.choices

    async def wait(self) -> InteractionResult:
        """Until the bot acknowledged the interaction (or Discord refused its answer)."""
        await self._emu.wait_until(
            lambda: self.type is not None or self.refused is not None,
            f"the bot to answer interaction {self.interaction.id}",
        )
        return self

    async def wait_message(self) -> Message:
        """The response message once it has content (a deferred reply was edited)."""

        def ready() -> Message | None:
            message = self.message
            return message if message is not None and not message.flags & LOADING else None

        result: Message = await self._emu.wait_until(
            ready, f"the response to interaction {self.interaction.id}"
        )
        return result

    async def wait_followups(self, count: int = 1) -> list[Message]:
        await self._emu.wait_until(
            lambda: len(self.followups) >= count,
            f"{count} followup(s) to interaction {self.interaction.id}",
        )
        return self.followups

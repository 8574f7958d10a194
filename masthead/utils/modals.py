"""Modals that, like every other component, route by custom id.

discord.py keeps each sent `Modal` object in memory until it is submitted or times out,
and a restart forgets it: a reader who typed a tip while the bot restarted would lose it.
Masthead sends modals already stopped (so nothing is kept), and the feature that sent one
reads the submission from the interaction itself, routed to it by custom id
(`Masthead.add_modal_route`).
"""

from __future__ import annotations

import re
from typing import Any

import discord


async def send_stateless_modal(
    interaction: discord.Interaction[Any], modal: discord.ui.Modal
) -> None:
    modal.stop()  # a finished modal is not stored by discord.py (InteractionResponse.send_modal)
    await interaction.response.send_modal(modal)


def submitted_modal(
    interaction: discord.Interaction[Any], pattern: re.Pattern[str]
) -> re.Match[str] | None:
    """The match of the modal's custom id when this interaction submits one of ours."""
    if interaction.type is not discord.InteractionType.modal_submit or interaction.data is None:
        return None
    custom_id = interaction.data.get("custom_id")
    return pattern.fullmatch(custom_id) if isinstance(custom_id, str) else None


def submitted_values(interaction: discord.Interaction[Any]) -> dict[str, str]:
    """Text inputs of a submitted modal by custom id, whether Discord sent them in action
    rows (type 1) or labels (type 18)."""
    values: dict[str, str] = {}
    data: Any = interaction.data or {}

    def visit(component: Any) -> None:
        if not isinstance(component, dict):
            return
        if component.get("type") == 4 and isinstance(component.get("custom_id"), str):
            values[component["custom_id"]] = str(component.get("value") or "")
        for child in component.get("components") or []:
            visit(child)
        if "component" in component:
            visit(component["component"])

    for row in data.get("components") or []:
        visit(row)
    return values


def text_input(
    label: str,
    custom_id: str,
    *,
    max_length: int,
    min_length: int | None = None,
    required: bool = True,
    paragraph: bool = False,
    default: str = "",
    placeholder: str | None = None,
) -> discord.ui.TextInput[Any]:
    """A text input whose prefilled value always fits it (Discord refuses one that does not)."""
    return discord.ui.TextInput(
        label=label,
        custom_id=custom_id,
        style=discord.TextStyle.paragraph if paragraph else discord.TextStyle.short,
        min_length=min_length,
        max_length=max_length,
        required=required,
        default=default[:max_length] or None,
        placeholder=placeholder,
    )

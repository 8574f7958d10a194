"""A local Discord (REST v10 + gateway) that the unmodified discord.py connects to."""

from .client import DEFAULT_TOKEN, FakeDiscord
from .faults import Fault, Storm
from .invoke import File
from .models import Attachment, Channel, ChannelType, Guild, Member, Message, Role, User
from .process import BotProcess, InProcessBot
from .results import InteractionResult
from .server import RequestRecord, Violation

__all__ = [
    "DEFAULT_TOKEN",
    "Attachment",
    "BotProcess",
    "Channel",
    "ChannelType",
    "FakeDiscord",
    "Fault",
    "File",
    "Guild",
    "InProcessBot",
    "InteractionResult",
    "Member",
    "Message",
    "RequestRecord",
    "Role",
    "Storm",
    "User",
    "Violation",
]

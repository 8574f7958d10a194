"""Point discord.py at another REST base and gateway (a proxy, or the local emulator).

discord.py keeps both addresses as class attributes, so this is process-wide:

* REST: every ``Route`` builds its URL from ``Route.BASE``.
* Gateway: a plain ``Client`` connects to ``DiscordWebSocket.DEFAULT_GATEWAY`` (it never
  asks ``GET /gateway/bot``), falls back to it after INVALID_SESSION, and RESUMEs at the
  ``resume_gateway_url`` from READY. ``AutoShardedClient`` asks ``GET /gateway/bot`` first.
  To force one URL for all of these we wrap ``DiscordWebSocket.from_client``, the single
  place every gateway connection (identify, resume, reconnect, each shard) goes through.
"""

from __future__ import annotations

import logging
from typing import Any

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

log = logging.getLogger(__name__)

_ORIGINAL_FROM_CLIENT: Any = DiscordWebSocket.__dict__["from_client"]


def apply_endpoints(api_base: str, gateway_url: str | None) -> None:
    """Use ``api_base`` (e.g. ``http://127.0.0.1:8080/api/v10``) for REST and, when given,
    ``gateway_url`` for every gateway connection, including reconnects and RESUMEs.

    With ``gateway_url=None`` discord.py's own gateway choice is restored.
    """
    Route.BASE = api_base.rstrip("/")
    if gateway_url is None:
        DiscordWebSocket.from_client = _ORIGINAL_FROM_CLIENT  # type: ignore[method-assign]
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL("wss://gateway.discord.gg/")
        log.info("Discord REST base %s, gateway chosen by discord.py", Route.BASE)
        return

    forced = yarl.URL(gateway_url)
    original = _ORIGINAL_FROM_CLIENT.__func__

    async def from_client(cls: type[DiscordWebSocket], client: Any, **kwargs: Any) -> Any:
        # READY's resume_gateway_url and INVALID_SESSION's reset would otherwise bypass us.
        kwargs["gateway"] = forced
        return await original(cls, client, **kwargs)

    DiscordWebSocket.DEFAULT_GATEWAY = forced
    DiscordWebSocket.from_client = classmethod(from_client)  # type: ignore[method-assign,assignment]
    log.info("Discord REST base %s, gateway forced to %s", Route.BASE, forced)

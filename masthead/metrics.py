"""What operators watch: Prometheus metrics of one bot process.

Each bot has its own registry (not prometheus-client's global one), so tests and tools
can run several bots in one process.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from masthead.utils.request_pacing import before_request

# Interactions must be answered within 3 s; the buckets resolve the part that matters.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.commands = Counter(
            "masthead_commands",
            "Commands answered, by name and outcome (ok, or error: refused or failed)",
            ["command", "outcome"],
            registry=self.registry,
        )
        self.command_seconds = Histogram(
            "masthead_command_seconds",
            "From the interaction's creation to the command's completion",
            ["command"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.deliveries = Gauge(
            "masthead_deliveries",
            "Deliveries of issues to channels, by state (pending: queued or under way)",
            ["state"],
            registry=self.registry,
        )
        self.parts_sent = Counter(
            "masthead_parts_sent", "Messages of issues posted", registry=self.registry
        )
        self.rate_limited = Counter(
            "masthead_discord_429",
            "Answers of 429 Too Many Requests from Discord",
            registry=self.registry,
        )
        self.tips_pending = Gauge(
            "masthead_tips_pending", "Tips waiting for review", registry=self.registry
        )
        # Called with retry_after when Discord answers a global 429 (the shared rate
        # lease passes it on to the other processes).
        self.global_limit_listeners: list[Callable[[float], None]] = []
        self.gateway_latency = Gauge(
            "masthead_gateway_latency_seconds",
            "Heartbeat round trip of each gateway shard",
            ["shard"],
            registry=self.registry,
        )

    def http_trace(self) -> aiohttp.TraceConfig:
        """Counts Discord's 429s as discord.py's HTTP client meets them, tells the
        listeners of global ones, and paces the requests of tasks that asked for it."""
        trace = aiohttp.TraceConfig()

        async def on_request_end(
            session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
        ) -> None:
            if params.response.status == 429:
                self.rate_limited.inc()
                headers = params.response.headers
                if headers.get("X-RateLimit-Global", "").lower() == "true":
                    wait = headers.get("X-RateLimit-Reset-After") or headers.get("Retry-After")
                    for listener in self.global_limit_listeners:
                        listener(retry_after_seconds(wait))

        async def on_request_start(
            session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
        ) -> None:
            await before_request(params.url)  # a delivery's pacing, as it is sent

        trace.on_request_start.append(on_request_start)
        trace.on_request_end.append(on_request_end)
        return trace


def retry_after_seconds(header: str | None) -> float:
    """A retry-after header as seconds: 1 when missing or not a number (a proxy's)."""
    try:
        seconds = float(header or "1")
    except ValueError:
        return 1.0
    return seconds if 0 <= seconds < 3600 else 1.0

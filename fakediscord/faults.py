"""Faults on demand (429, 5xx, delays) and Discord's rate limits.

A fault matches by HTTP method and the spec's path template (None matches anything) and
fires ``times`` times. A storm instead strikes each matching request with a probability,
drawn from its own seeded generator. Rate-limit *enforcement* is off by default; the
headers discord.py paces itself with are always sent.
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Literal

FaultKind = Literal["route_429", "global_429", "error", "delay"]
StormKind = Literal["429", "global_429", "5xx"]

# Routes that Discord exempts from the global limit: interaction responses and followups.
_GLOBAL_EXEMPT = ("/interactions/", "/webhooks/")


@dataclass
class Fault:
    kind: FaultKind
    method: str | None
    route: str | None
    times: int | None
    retry_after: float = 0.1
    status: int = 500
    delay: float = 0.0
    fired: int = 0

    def matches(self, method: str, route: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.route is None or self.route == route
        )


@dataclass
class Storm:
    """Each matching request fails with ``probability``: a 429 with ``retry_after``, or a
    5xx picked from ``statuses``. The draws come from ``random.Random(seed)``, so the same
    seed and the same sequence of requests fail the same ones. Interaction responses and
    followups are spared unless ``spare_interactions`` is off, as the global limit spares
    them, so that commands keep their 3-second window."""

    probability: float
    kind: StormKind
    seed: int
    method: str | None = None
    route: str | None = None
    retry_after: float = 0.1
    statuses: tuple[int, ...] = (500, 502, 503, 504)
    spare_interactions: bool = True
    seen: int = 0  # matching requests
    fired: int = 0  # of which failed
    struck: list[tuple[str, str, float]] = field(default_factory=list)  # method, path, time
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"probability must be within 0..1, not {self.probability!r}")
        if self.kind not in ("429", "global_429", "5xx"):
            raise ValueError(f"kind must be '429', 'global_429' or '5xx', not {self.kind!r}")
        if self.retry_after <= 0:
            raise ValueError(f"retry_after must be positive, not {self.retry_after!r}")
        if not self.statuses or any(not 500 <= s <= 599 for s in self.statuses):
            raise ValueError(f"statuses must be 5xx codes, not {self.statuses!r}")
        self._rng = random.Random(self.seed)

    def strikes(self, method: str, route: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        if self.route is not None and self.route != route:
            return False
        if self.spare_interactions and path.startswith(_GLOBAL_EXEMPT):
            return False
        self.seen += 1
        if self._rng.random() >= self.probability:
            return False
        self.fired += 1
        self.struck.append((method, path, time.time()))
        return True

    def status(self) -> int:
        return self._rng.choice(self.statuses)


@dataclass
class TokenBucket:
    """``rate`` requests per ``per`` seconds, refilled continuously."""

    rate: int
    per: float
    tokens: float = field(init=False)
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = float(self.rate)

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate / self.per)
        self.updated = now

    def take(self) -> float:
        """0 when a token was taken, else seconds until one is available."""
        self._refill()
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) * self.per / self.rate


@dataclass
class RouteWindow:
    """A fixed window per bucket, reported with X-RateLimit-* headers like Discord."""

    limit: int
    per: float
    used: int = 0
    reset_at: float = 0.0

    def hit(self, enforce: bool) -> tuple[bool, int, float]:
        """(allowed, remaining, reset_after)."""
        now = time.time()
        if now >= self.reset_at:
            self.used, self.reset_at = 0, now + self.per
        if self.used >= self.limit and enforce:
            return False, 0, self.reset_at - now
        self.used += 1
        return True, max(self.limit - self.used, 0), self.reset_at - now


@dataclass
class Decision:
    """What the REST layer must do before (or instead of) handling a request."""

    delay: float = 0.0
    status: int | None = None
    body: dict[str, object] | None = None
    headers: dict[str, str] = field(default_factory=dict)


class Faults:
    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.storms: list[Storm] = []
        self.global_bucket: TokenBucket | None = None
        self.enforce_routes = False
        self.route_limit = (10_000, 1.0)  # effectively unlimited unless enforcing
        self._windows: dict[str, RouteWindow] = {}

    def add(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def add_storm(self, storm: Storm) -> Storm:
        self.storms.append(storm)
        return storm

    def clear(self) -> None:
        self.faults.clear()
        self.storms.clear()

    def enable_rate_limits(
        self, global_per_second: int = 50, per_route: tuple[int, float] = (5, 5.0)
    ) -> None:
        """Enforce Discord's global 50 req/s and per-route buckets, answering 429s."""
        self.global_bucket = TokenBucket(global_per_second, 1.0)
        self.enforce_routes = True
        self.route_limit = per_route
        self._windows.clear()

    def decide(self, method: str, route: str, path: str, major: str) -> Decision:
        decision = Decision()
        bucket = hashlib.sha1(f"{method} {route}".encode()).hexdigest()[:16]
        for fault in self.faults:
            if fault.times is not None and fault.fired >= fault.times:
                continue
            if not fault.matches(method, route):
                continue
            fault.fired += 1
            if fault.kind == "delay":
                decision.delay += fault.delay
                continue
            if fault.kind == "error":
                return _server_error(decision, fault.status)
            scope = "global" if fault.kind == "global_429" else "user"
            return _too_many(decision, fault.retry_after, scope=scope, bucket=bucket)
        for storm in self.storms:
            if not storm.strikes(method, route, path):
                continue
            if storm.kind == "5xx":
                return _server_error(decision, storm.status())
            scope = "global" if storm.kind == "global_429" else "user"
            return _too_many(decision, storm.retry_after, scope=scope, bucket=bucket)
        if self.global_bucket is not None and not path.startswith(_GLOBAL_EXEMPT):
            wait = self.global_bucket.take()
            if wait:
                return _too_many(decision, wait, scope="global", bucket=bucket)
        window = self._windows.setdefault(f"{bucket}:{major}", RouteWindow(*self.route_limit))
        allowed, remaining, reset_after = window.hit(self.enforce_routes)
        decision.headers.update(
            {
                "X-RateLimit-Limit": str(window.limit),
                "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                "X-RateLimit-Reset-After": f"{reset_after:.3f}",
                "X-RateLimit-Bucket": bucket,
            }
        )
        if not allowed:
            return _too_many(decision, reset_after, scope="user", bucket=bucket)
        return decision


def _server_error(decision: Decision, status: int) -> Decision:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:  # Cloudflare's 52x have no standard phrase
        reason = "Server Error"
    decision.status = status
    decision.body = {"message": f"{status}: {reason}", "code": 0}
    return decision


def _too_many(decision: Decision, retry_after: float, *, scope: str, bucket: str) -> Decision:
    is_global = scope == "global"
    decision.status = 429
    decision.body = {
        "message": "You are being rate limited.",
        "retry_after": round(retry_after, 3),
        "global": is_global,
    }
    decision.headers.update(
        {
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Scope": scope,
            "X-RateLimit-Limit": "1",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Bucket": bucket,
        }
    )
    if is_global:
        decision.headers["X-RateLimit-Global"] = "true"
    return decision

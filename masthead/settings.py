"""Settings: read once from the environment (and `.env`), validated into one object.

Every problem becomes a `SettingsError` whose message names the setting, so the CLI can
print one clear line and exit 2 instead of a traceback.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/masthead.db"
DEFAULT_API_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"
SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
TOKEN_HELP = (
    "DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications "
    "(Bot → Reset Token) and put DISCORD_TOKEN=... in the environment or a .env file"
)


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    discord_token: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    newsletter_name: str = "This Month in China"
    editor_ids: frozenset[int] = field(default_factory=frozenset)
    api_base: str = DEFAULT_API_BASE
    gateway_url: str = DEFAULT_GATEWAY_URL
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    tip_limit_per_hour: int = 5
    feed_poll_seconds: float = 900.0
    log_level: str = "INFO"
    log_format: str = "text"  # "json": one JSON object per line
    metrics_port: int | None = None  # Prometheus /metrics and /healthz, off when unset
    # Where editors' publish times are read and shown (IANA name, e.g. Europe/Berlin).
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    # Let URLs be fetched from loopback and private addresses (tests, a local sandbox);
    # off, a moderator's URL cannot reach into the bot's own network.
    fetch_allow_private: bool = False

    def require_token(self) -> str:
        if not self.discord_token:
            raise SettingsError(TOKEN_HELP)
        return self.discord_token


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> Settings:
    """Build settings from `environ` (default: the process environment) over `.env`.

    Real environment variables win over the file, as python-dotenv does by default.
    """
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        raw = values.get(name)
        if raw is None or raw.strip() == "":
            return None
        return raw.strip()

    shard_count = _parse_int("SHARD_COUNT", get("SHARD_COUNT"), minimum=1)
    shard_ids = _parse_shard_ids(get("SHARD_IDS"), shard_count)
    return Settings(
        discord_token=get("DISCORD_TOKEN"),
        database_url=_parse_database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL),
        newsletter_name=_parse_name(get("NEWSLETTER_NAME") or "This Month in China"),
        editor_ids=_parse_ids("EDITOR_IDS", get("EDITOR_IDS")),
        api_base=_parse_http_url("DISCORD_API_BASE", get("DISCORD_API_BASE") or DEFAULT_API_BASE),
        gateway_url=_parse_ws_url(get("DISCORD_GATEWAY_URL") or DEFAULT_GATEWAY_URL),
        shard_count=shard_count,
        shard_ids=shard_ids,
        tip_limit_per_hour=_parse_int(
            "TIP_LIMIT_PER_HOUR", get("TIP_LIMIT_PER_HOUR") or "5", minimum=0
        )
        or 0,
        feed_poll_seconds=_parse_int(
            "FEED_POLL_SECONDS", get("FEED_POLL_SECONDS") or "900", minimum=1
        )
        or 900,
        log_level=_parse_log_level(get("LOG_LEVEL") or "INFO"),
        log_format=_parse_choice("LOG_FORMAT", get("LOG_FORMAT") or "text", ("text", "json")),
        metrics_port=_parse_port("METRICS_PORT", get("METRICS_PORT")),
        timezone=_parse_timezone(get("TIMEZONE") or "UTC"),
        fetch_allow_private=_parse_flag("FETCH_ALLOW_PRIVATE", get("FETCH_ALLOW_PRIVATE")),
    )


def _parse_int(name: str, raw: str | None, *, minimum: int) -> int | None:
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _parse_ids(name: str, raw: str | None) -> frozenset[int]:
    if raw is None:
        return frozenset()
    ids: set[int] = set()
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 0 < int(part) < 2**63:
            raise SettingsError(f"{name} must be comma-separated Discord user ids, got {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def _parse_shard_ids(raw: str | None, shard_count: int | None) -> tuple[int, ...] | None:
    if raw is None:
        return None
    if shard_count is None:
        raise SettingsError("SHARD_IDS needs SHARD_COUNT to be set as well")
    ids = sorted(_parse_ids_allow_zero("SHARD_IDS", raw))
    bad = [i for i in ids if i >= shard_count]
    if bad:
        raise SettingsError(f"SHARD_IDS must be below SHARD_COUNT={shard_count}, got {bad[0]}")
    return tuple(ids)


def _parse_ids_allow_zero(name: str, raw: str) -> set[int]:
    ids: set[int] = set()
    for part in filter(None, (p.strip() for p in raw.split(","))):
        if not part.isdigit():
            raise SettingsError(f"{name} must be comma-separated whole numbers, got {part!r}")
        ids.add(int(part))
    if not ids:
        raise SettingsError(f"{name} is empty")
    return ids


def _parse_database_url(raw: str) -> str:
    try:
        url = make_url(raw)
    except ArgumentError:
        raise SettingsError(
            f"DATABASE_URL is not a database URL: {raw!r} "
            "(expected e.g. sqlite+aiosqlite:///./data/masthead.db)"
        ) from None
    if url.drivername not in SUPPORTED_DRIVERS:
        raise SettingsError(
            f"DATABASE_URL uses {url.drivername!r}; use one of {', '.join(SUPPORTED_DRIVERS)}"
        )
    return raw


def _parse_http_url(name: str, raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise SettingsError(f"{name} must be an http(s) URL, got {raw!r}")
    return raw.rstrip("/")


def _parse_ws_url(raw: str) -> str:
    if not raw.startswith(("ws://", "wss://")):
        raise SettingsError(f"DISCORD_GATEWAY_URL must be a ws:// or wss:// URL, got {raw!r}")
    return raw


def _parse_name(raw: str) -> str:
    if len(raw) > 80:
        raise SettingsError("NEWSLETTER_NAME must be at most 80 characters")
    return raw


def _parse_choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    if raw.lower() not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {raw[:40]!r}")
    return raw.lower()


def _parse_port(name: str, raw: str | None) -> int | None:
    port = _parse_int(name, raw, minimum=1)
    if port is not None and port > 65535:
        raise SettingsError(f"{name} must be a TCP port from 1 to 65535, got {port}")
    return port


def _parse_log_level(raw: str) -> str:
    level = raw.upper()
    if not isinstance(logging.getLevelName(level), int):
        raise SettingsError(
            f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got {raw!r}"
        )
    return level


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _parse_flag(name: str, raw: str | None) -> bool:
    if raw is None:
        return False
    if raw.lower() in _TRUE | _FALSE:
        return raw.lower() in _TRUE
    raise SettingsError(f"{name} must be 1 or 0 (true or false), got {raw[:40]!r}")


def _parse_timezone(raw: str) -> ZoneInfo:
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError: a path-like name ("../x") zoneinfo refuses; OSError: a directory
        # ("Europe") or a name too long for a file.
        raise SettingsError(
            f"TIMEZONE must be an IANA time zone name like Europe/Berlin or UTC, got {raw[:60]!r}"
        ) from None

"""Fetching only from the public internet: no loopback, private, link-local (cloud
metadata at 169.254.169.254), unspecified, multicast or reserved addresses.

A URL typed by a moderator is fetched from the bot's host, inside its network: without
this, `/issue fetch http://10.0.0.5/admin` would read what only the host may see.

- `GuardedResolver` is the resolver of every fetching session: a host name whose
  addresses are not all public is refused, and aiohttp connects only to the addresses it
  returns, so a DNS answer that changes between check and connect changes nothing.
- `literal_address` catches what never reaches a resolver: an address written as the
  host, in any form `inet_aton` reads (127.0.0.1, 2130706433, 0x7f000001, 127.1, [::1]).
"""

from __future__ import annotations

import ipaddress
import re
import socket

from aiohttp import DefaultResolver
from aiohttp.abc import AbstractResolver, ResolveResult

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Digits, hex digits, "x" and dots: what the old numeric IPv4 forms are made of.
_NUMERIC_HOST = re.compile(r"^[0-9a-fA-FxX.]+$")


class AddressRefused(Exception):
    """A host that is, or resolves to, an address Masthead does not fetch from."""

    def __init__(self, host: str, address: Address, kind: str, *, written: bool) -> None:
        self.host = host
        self.address = address
        self.kind = kind
        if written and str(address) == host.strip("[]"):
            super().__init__(f"{host} is {kind}")
        else:
            super().__init__(f"{host} resolves to {kind} ({address})")


def non_public_kind(address: Address) -> str | None:
    """What makes `address` off limits ("a private address"), or None when public."""
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address inside an IPv6 one reaches that IPv4 address.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return non_public_kind(embedded)
    checks = (
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_unspecified, "an unspecified address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "a non-public address"),  # e.g. shared 100.64.0.0/10
    )
    return next((kind for refused, kind in checks if refused), None)


def check_address(host: str, address: Address, *, written: bool = False) -> None:
    """Refuse `address` (that `host` resolved to, or is when `written`) if not public."""
    kind = non_public_kind(address)
    if kind is not None:
        raise AddressRefused(host, address, kind, written=written)


def literal_address(host: str) -> Address | None:
    """The address `host` spells out, if it is one (None for a name to resolve)."""
    bare = host.strip("[]").removesuffix(".")  # "127.0.0.1." is 127.0.0.1 to a resolver
    try:
        return ipaddress.ip_address(bare.split("%", 1)[0])  # an IPv6 zone does not matter
    except ValueError:
        pass
    if not _NUMERIC_HOST.match(bare):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(bare))
    except OSError:  # hex-looking names such as "cafe.de" are names
        return None


def check_host(host: str) -> None:
    """Refuse a host that is a non-public address written out; names pass here and are
    checked by `GuardedResolver` when connecting."""
    address = literal_address(host)
    if address is not None:
        check_address(host, address, written=True)


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver, refusing a host when any of its addresses is not public."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            check_address(host, ipaddress.ip_address(result["host"].split("%", 1)[0]))
        return results

    async def close(self) -> None:
        await self._inner.close()

"""The fetch guard: which addresses are off limits, how a host is read, and fetches that
are refused before they reach the server (with FETCH_ALLOW_PRIVATE off, the default)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from masthead.fetch_guard import (
    AddressRefused,
    GuardedResolver,
    check_host,
    literal_address,
    non_public_kind,
)
from masthead.fetching import LIMITS, FetchError, Limits, fetch, fetch_document, limits_for
from tests.local_web import LocalWeb, running_web
from tests.public_stand_in import private_urls, public_web

PAGE = "<html><body><h1>Secret</h1><p>only the host may read this</p></body></html>"


@pytest.fixture
async def private_site() -> AsyncIterator[LocalWeb]:
    async with running_web() as site:
        site.serve("/secret", PAGE)
        yield site


def port_of(site: LocalWeb) -> int:
    return int(site.base.rsplit(":", 1)[1])


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.255.0.9", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.0.0.5", "a private address"),
        ("172.16.3.4", "a private address"),
        ("192.168.1.1", "a private address"),
        ("fc00::1", "a private address"),
        ("fd12:3456::1", "a private address"),
        ("169.254.169.254", "a link-local address"),  # cloud metadata
        ("fe80::1", "a link-local address"),
        ("0.0.0.0", "an unspecified address"),
        ("::", "an unspecified address"),
        ("224.0.0.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("100.64.0.1", "a non-public address"),  # carrier-grade NAT
        ("::ffff:10.0.0.5", "a private address"),  # IPv4-mapped
        ("2002:7f00:1::", "a loopback address"),  # 6to4 around 127.0.0.1
        ("8.8.8.8", None),
        ("93.184.216.34", None),
        ("2606:4700::1111", None),
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    assert non_public_kind(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("[fe80::1%eth0]", "fe80::1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("example.com", None),
        ("cafe.de", None),  # hex letters, but a name
        ("face", None),
        ("1.2.3.4.5", None),
        ("99999999999", None),  # past 32 bits: no address
        ("", None),
    ],
)
def test_literal_addresses_in_every_form(host: str, address: str | None) -> None:
    found = literal_address(host)
    assert (str(found) if found else None) == address


def test_a_written_address_says_is_and_a_name_says_resolves_to() -> None:
    with pytest.raises(AddressRefused, match=r"^10\.0\.0\.5 is a private address$"):
        check_host("10.0.0.5")
    with pytest.raises(AddressRefused) as caught:
        check_host("2130706433")
    assert str(caught.value) == "2130706433 resolves to a loopback address (127.0.0.1)"
    check_host("8.8.8.8")
    check_host("example.com")  # a name: left to the resolver


class Answers(AbstractResolver):
    """A DNS that answers from a table."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host=a, port=port, family=family, proto=0, flags=0)
            for a in self.table[host]
        ]

    async def close(self) -> None:
        pass


async def test_a_name_with_any_private_address_is_refused() -> None:
    resolver = GuardedResolver(
        Answers({"example.internal": ["93.184.216.34", "10.0.0.5"], "ok.test": ["8.8.4.4"]})
    )
    with pytest.raises(AddressRefused) as caught:
        await resolver.resolve("example.internal", 80)
    assert str(caught.value) == "example.internal resolves to a private address (10.0.0.5)"
    assert [r["host"] for r in await resolver.resolve("ok.test", 80)] == ["8.8.4.4"]


async def test_the_default_refuses_private_addresses() -> None:
    assert not LIMITS.allow_private
    assert limits_for(True).allow_private and limits_for(True).timeout == LIMITS.timeout
    assert limits_for(False) == LIMITS


async def test_every_form_of_loopback_is_refused_before_any_request(
    private_site: LocalWeb,
) -> None:
    for url in private_urls(port_of(private_site), "/secret"):
        with pytest.raises(FetchError) as caught:
            await fetch(url)
        message = str(caught.value)
        assert message.startswith(url) and ": refused: " in message, message
        assert "loopback address" in message and not caught.value.transient
        with pytest.raises(FetchError, match="refused"):
            await fetch_document(url, newsletter="T")
    assert private_site.hits("/secret") == 0
    # The same server answers once private addresses are allowed: the refusal was the guard.
    fetched = await fetch(private_site.url("/secret"), limits=Limits(allow_private=True))
    assert fetched is not None and b"Secret" in fetched.body


async def test_a_redirect_from_a_public_host_to_a_private_one_is_refused(
    private_site: LocalWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with public_web(monkeypatch) as public:
        public.serve("/fine", PAGE)
        assert await fetch(public.url("/fine")) is not None  # the stand-in itself passes
        for n, target in enumerate(private_urls(port_of(private_site), "/secret")):
            public.serve(f"/go{n}", "", status=302, headers={"Location": target})
            with pytest.raises(FetchError) as caught:
                await fetch(public.url(f"/go{n}"))
            message = str(caught.value)
            assert message.startswith(public.url(f"/go{n}"))
            assert f"refused: redirected to {target}, where " in message, message
        # A redirect that bounces through the public host first is refused all the same.
        public.serve("/hop", "", status=301, headers={"Location": "/go1"})
        with pytest.raises(FetchError, match="where localhost resolves to a loopback"):
            await fetch(public.url("/hop"))
    assert private_site.hits("/secret") == 0


async def test_a_name_resolving_to_a_private_address_is_refused_when_connecting(
    private_site: LocalWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The resolver the session connects with refuses: what it checked is what is used."""
    inner = Answers({"intranet.example": ["127.0.0.1"]})
    monkeypatch.setattr("masthead.fetch_guard.DefaultResolver", lambda: inner)
    url = f"http://intranet.example:{port_of(private_site)}/secret"
    with pytest.raises(FetchError) as caught:
        await fetch(url)
    assert str(caught.value) == (
        f"{url}: refused: intranet.example resolves to a loopback address (127.0.0.1)"
    )
    assert private_site.hits("/secret") == 0

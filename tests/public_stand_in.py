"""A stand-in for a public web server in tests that fetch with private addresses refused.

Tests have no internet: a server on 127.0.0.2 plays a public one, its address alone
counted as public, while 127.0.0.1, ::1 and every other private address stay refused.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import AsyncIterator

import pytest

from masthead import fetch_guard
from tests.local_web import LocalWeb, running_web

STAND_IN = "127.0.0.2"


def private_urls(port: int, path: str) -> list[str]:
    """`path` on the 127.0.0.1 server at `port`, written every way that reaches it (or
    ::1): a fetch that is not refused would get an answer, or a connection error."""
    return [
        f"http://127.0.0.1:{port}{path}",
        f"http://localhost:{port}{path}",
        f"http://[::1]:{port}{path}",
        f"http://[::ffff:127.0.0.1]:{port}{path}",
        f"http://2130706433:{port}{path}",
        f"http://0x7f000001:{port}{path}",
        f"http://127.1:{port}{path}",
        f"http://127.0.0.1.:{port}{path}",
        f"http://①②⑦.0.0.1:{port}{path}",  # IDNA makes it 127.0.0.1
        f"http://１２７.０.０.１:{port}{path}",  # full-width digits, likewise
    ]


def count_as_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on in this test, the stand-in's address passes the fetch guard."""
    real = fetch_guard.non_public_kind
    stand_in = ipaddress.ip_address(STAND_IN)

    def kind(address: fetch_guard.Address) -> str | None:
        return None if address == stand_in else real(address)

    monkeypatch.setattr(fetch_guard, "non_public_kind", kind)


@contextlib.asynccontextmanager
async def public_web(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[LocalWeb]:
    """A local server that the fetch guard takes for a public one."""
    count_as_public(monkeypatch)
    async with running_web(STAND_IN) as site:
        yield site

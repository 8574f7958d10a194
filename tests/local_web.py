"""A web server on loopback for tests that fetch pages and feeds: each test sets what a
path answers, and reads which requests came in."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from html import escape

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class LocalWeb:
    base: str = ""
    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[web.Request] = field(default_factory=list)
    times: list[tuple[str, float]] = field(default_factory=list)  # (path, monotonic time)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def serve(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "text/html; charset=utf-8",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        """`path` answers with this body (and honours If-None-Match for an ETag given)."""
        data = body.encode() if isinstance(body, str) else body

        async def handler(request: web.Request) -> web.StreamResponse:
            extra = dict(headers or {})
            etag = extra.get("ETag")
            if etag and request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers={"ETag": etag})
            return web.Response(
                body=data, status=status, headers={"Content-Type": content_type, **extra}
            )

        self.routes[path] = handler

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request)
        self.times.append((request.path, time.monotonic()))
        handler = self.routes.get(request.path)
        if handler is None:
            return web.Response(status=404, text="not here")
        return await handler(request)


@contextlib.asynccontextmanager
async def running_web(host: str = "127.0.0.1") -> AsyncIterator[LocalWeb]:
    """An aiohttp server on `host` (a loopback address) and a random port, stopped on
    leaving."""
    site = LocalWeb()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", site._dispatch)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    tcp = web.TCPSite(runner, host, 0)
    await tcp.start()
    port = tcp._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    site.base = f"http://{host}:{port}"
    try:
        yield site
    finally:
        await runner.cleanup()


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str
    link: str
    published: str = "Mon, 01 Jan 2024 08:00:00 GMT"
    content: str | None = None  # content:encoded; None for a summary-only entry
    summary: str = "A short summary."


def rss(entries: list[Entry], title: str = "Masthead test feed") -> str:
    """An RSS 2.0 feed listing `entries` newest first, as feeds do."""
    items = []
    for entry in reversed(entries):
        content = (
            f"<content:encoded><![CDATA[{entry.content}]]></content:encoded>"
            if entry.content is not None
            else ""
        )
        items.append(
            f"<item><title>{escape(entry.title)}</title><link>{escape(entry.link)}</link>"
            f'<guid isPermaLink="false">{escape(entry.guid)}</guid>'
            f"<pubDate>{entry.published}</pubDate>"
            f"<description>{escape(entry.summary)}</description>{content}</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{escape(title)}</title><link>http://127.0.0.1/</link>"
        f"<description>test</description>{''.join(items)}</channel></rss>"
    )

"""The emulator process-in-a-loop: aiohttp app, REST dispatch, request log, violations."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from . import commands, interactions, openapi, rest
from .errors import DiscordError, field_error, invalid_form_body
from .faults import Faults
from .gateway import Gateway
from .routing import FileUpload, Reply, Request
from .state import State

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
# Routes authenticated by the interaction token in the path, not the bot token.
_TOKEN_ROUTES = ("/interactions/", "/webhooks/")


@dataclass
class RequestRecord:
    method: str
    path: str
    route: str
    body: Any
    time: float
    status: int = 0
    files: list[str] = field(default_factory=list)
    duration: float = 0.0  # seconds the emulator took to answer (incl. injected delays)


@dataclass
class Violation:
    method: str
    path: str
    status: int
    code: int
    message: str
    errors: dict[str, Any] | None
    expected: bool = False

    def __str__(self) -> str:
        detail = json.dumps(self.errors) if self.errors else ""
        return f"{self.method} {self.path} -> {self.status} {self.code} {self.message} {detail}"


class Emulator:
    """Discord's REST API and gateway on loopback; see :mod:`fakediscord.client` for the
    test-facing wrapper."""

    def __init__(
        self, *, token: str, ack_window: float = 3.0, heartbeat_interval: float = 41.25
    ) -> None:
        self.state = State()
        self.token = token
        self.ack_window = ack_window
        # How long test helpers wait for the bot: generous, for a loaded CI machine (a wait
        # that succeeds takes only what it needs; one that fails costs this much).
        self.timeout = 10.0
        self.ready_timeout = 30.0  # how long they wait for a bot to start
        self.faults = Faults()
        self.requests: list[RequestRecord] = []
        self.violations: list[Violation] = []
        self.expecting_violations = 0
        self.handlers = {
            **rest.ROUTES.handlers,
            **commands.ROUTES.handlers,
            **interactions.ROUTES.handlers,
        }
        self.gateway = Gateway(self, heartbeat_interval=heartbeat_interval)
        self.interactions = interactions.Interactions(self)
        self.base_url = ""
        self._runner: web.AppRunner | None = None
        # wait_until's waiters: each is woken only when its own predicate holds.
        self._waiters: list[tuple[Callable[[], Any], asyncio.Future[Any]]] = []
        self._check_scheduled = False

    # lifecycle ---------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._handle)
        app.router.add_get("/attachments/{id}/{filename}", self._attachment)
        app.router.add_get("/gateway", self.gateway.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        bound = server.sockets[0].getsockname()  # type: ignore[attr-defined]
        self.base_url = self.state.base_url = f"http://{bound[0]}:{bound[1]}"
        log.info("fakediscord listening on %s", self.base_url)

    async def stop(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/gateway"

    # change notification ----------------------------------------------------------------

    def notify(self) -> None:
        """State changed: test the waiters of :meth:`wait_until` once the change is whole.

        Each waiter is tested here, not woken to test itself: waking every waiter on every
        change made a run of concurrent commands cost the emulator waiters x changes."""
        if self._check_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # set-up code outside the loop: nobody can be waiting
            return
        self._check_scheduled = True
        loop.call_soon(self._check_waiters)

    def _check_waiters(self) -> None:
        self._check_scheduled = False
        waiting = []
        for predicate, future in self._waiters:
            if future.done():
                continue
            try:
                result = predicate()
            except Exception as exc:  # the waiter raises it, as if it had tested itself
                future.set_exception(exc)
                continue
            if result:
                future.set_result(result)
            else:
                waiting.append((predicate, future))
        self._waiters = waiting

    async def wait_until(
        self, predicate: Callable[[], Any], what: str, *, slow: bool = False
    ) -> Any:
        """Until ``predicate`` is truthy, tested on every state change and every 50 ms (for
        conditions outside the emulator, like a bot process exiting); fail after
        ``self.timeout`` seconds (``self.ready_timeout`` for ``slow`` waits like start-up)."""
        timeout = self.ready_timeout if slow else self.timeout
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"fakediscord: timed out after {timeout}s waiting for {what}")
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            waiter = (predicate, future)
            self._waiters.append(waiter)
            try:
                return await asyncio.wait_for(future, min(remaining, 0.05))
            except TimeoutError:
                continue
            finally:
                if future.cancelled() and waiter in self._waiters:  # timed out, or cancelled
                    self._waiters.remove(waiter)

    def record_violation(self, method: str, path: str, err: DiscordError) -> None:
        violation = Violation(
            method,
            path,
            err.status,
            err.code,
            err.message,
            err.errors,
            expected=self.expecting_violations > 0,
        )
        self.violations.append(violation)
        log.warning("Discord would refuse: %s", violation)

    # REST -----------------------------------------------------------------------------

    async def _attachment(self, request: web.Request) -> web.StreamResponse:
        ident = request.match_info["id"]
        attachment = self.state.attachments.get(int(ident)) if ident.isdigit() else None
        if attachment is None:
            return web.Response(status=404)
        return web.Response(
            body=attachment.data, content_type=attachment.content_type or "application/octet-stream"
        )

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"].rstrip("/")
        method = request.method
        route = openapi.match_template(path) or path
        record = RequestRecord(method, path, route, None, time.time())
        self.requests.append(record)
        try:
            status, data, headers = await self._dispatch(request, method, path, route, record)
        except DiscordError as err:
            status, data, headers = err.status, err.body(), {}
            if err.violation:
                self.record_violation(method, path, err)
        except web.HTTPRequestEntityTooLarge:
            too_large = DiscordError(413, 40005, "Request entity too large", violation=True)
            status, data, headers = too_large.status, too_large.body(), {}
            self.record_violation(method, path, too_large)
        except ConnectionResetError:
            # The client went away mid-request (a bot killed on purpose): nothing to answer,
            # and nothing Discord would call a bad request.
            log.info("client disconnected during %s %s", method, path)
            record.status = 499
            raise
        except Exception as exc:
            # An emulator bug must fail the test loudly, not look like a Discord outage:
            # a 5xx would make discord.py retry for ~25 s. Answer 400 and record it.
            log.exception("fakediscord failed on %s %s", method, path)
            internal = DiscordError(400, 0, f"fakediscord internal error: {exc!r}", violation=True)
            status, data, headers = internal.status, internal.body(), {}
            self.record_violation(method, path, internal)
        record.status = status
        record.duration = time.time() - record.time
        headers["Via"] = "1.1 google"  # discord.py treats a 429 without it as a Cloudflare ban
        self.notify()
        if status == 204 or data is None:
            return web.Response(status=204 if status == 200 else status, headers=headers)
        # Exactly "application/json": discord.py treats anything else (even with a charset) as text.
        headers["Content-Type"] = "application/json"
        return web.Response(body=json.dumps(data).encode(), status=status, headers=headers)

    async def _dispatch(
        self, request: web.Request, method: str, path: str, route: str, record: RequestRecord
    ) -> tuple[int, Any, dict[str, str]]:
        if (
            not path.startswith(_TOKEN_ROUTES)
            and request.headers.get("Authorization") != f"Bot {self.token}"
        ):
            return 401, {"message": "401: Unauthorized", "code": 0}, {}
        params = openapi.path_params(route, path) if "{" in route else {}
        major = params.get("channel_id") or params.get("guild_id") or params.get("webhook_id") or ""
        if "interaction_token" in params or "webhook_token" in params:
            major += ":" + (params.get("interaction_token") or params.get("webhook_token") or "")
        decision = self.faults.decide(method, route, path, major)
        if decision.delay:
            await asyncio.sleep(decision.delay)
        if decision.status is not None:
            return decision.status, decision.body, decision.headers
        handler = self.handlers.get((method, route))
        if handler is None:
            known = openapi.known_methods(route)
            if known and method not in known:
                return 405, {"message": "405: Method Not Allowed", "code": 0}, decision.headers
            log.warning("fakediscord does not implement %s %s", method, route)
            return 404, {"message": "404: Not Found", "code": 0}, decision.headers
        body, files = await _read_body(request)
        received = time.monotonic()
        record.body = body
        record.files = [f.filename for f in files]
        if body is not None:
            errs = openapi.validate_body(route, method, body)
            if errs:
                err = invalid_form_body(errs)
                self.interactions.note_refusal(params, err)
                raise err
        req = Request(method, path, route, params, dict(request.query), body, files, received)
        result = await handler(self, req)
        if isinstance(result, Reply):
            return result.status, result.data, decision.headers
        return 200, result, decision.headers


async def _read_body(request: web.Request) -> tuple[Any, list[FileUpload]]:
    if not request.can_read_body:
        return None, []
    if request.content_type.startswith("multipart/"):
        body: Any = None
        files: list[FileUpload] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue  # nested multipart: Discord does not use it
            name = part.name or ""
            data = await part.read()
            if name == "payload_json":
                body = _parse_json(data)
            elif name.startswith("files["):
                if not name[6:-1].isdigit():
                    raise invalid_form_body(
                        field_error([name], "BASE_TYPE_INVALID", "Invalid file index.")
                    )
                index = int(name[6:-1])
                filename = part.filename or f"file{index}"
                ctype = part.headers.get("Content-Type")
                files.append(FileUpload(index, filename, bytes(data), ctype))
        return body, files
    raw = await request.read()
    if not raw:
        return None, []
    return _parse_json(raw), []


def _parse_json(raw: bytes | bytearray) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise DiscordError(
            400, 50109, "The request body contains invalid JSON.", violation=True
        ) from None

"""What every simulated gateway shares: lifecycle, control API, faults, pushes."""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
import functools
import json
import logging
import ssl
from typing import Any
import zlib

from aiohttp import ClientError, ClientSession, ClientTimeout, web

_LOGGER = logging.getLogger(__name__)

# A gateway gone wrong, or one that is not what it says. The hostile ones:
#   redirect   every answer a 307 to `redirect_to` (another host)
#   basic      every answer a 401 that asks for Basic authentication
#   huge       a JSON answer padded with HUGE_BYTES of spaces, streamed
#   gzip_bomb  a gzip answer of a few dozen KiB that inflates to HUGE_BYTES
FAULTS = (
    "http500",
    "malformed",
    "timeout",
    "slow",
    "reset",
    "redirect",
    "basic",
    "huge",
    "gzip_bomb",
)
# How late a "slow" gateway answers: half of the integration's timeout.
SLOW_SECONDS = 5.0
HUGE_BYTES = 64 * 1024 * 1024
NOW = "now"  # an incoming SMS's time: the current one, as the vendor writes it
_HUGE_CHUNK = b" " * (64 * 1024)


@functools.cache
def gzip_bomb() -> bytes:
    """`{}` and HUGE_BYTES of spaces, gzipped (about 64 KiB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [packer.compress(b"{}")]
    parts.extend(
        packer.compress(_HUGE_CHUNK) for _ in range(HUGE_BYTES // len(_HUGE_CHUNK))
    )
    parts.append(packer.flush())
    return b"".join(parts)


type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Simulator(ABC):
    """An aiohttp server with a `/_control/` API for tests and development."""

    vendor: str

    def __init__(self, username: str = "admin", password: str = "admin") -> None:
        """Create the application; subclasses add their vendor's routes."""
        self.username = username
        self.password = password
        self.fault: str | None = None
        self.duplicate_pushes = False
        # every push made: method, URL, what `pushes` shows, request arguments
        self.delivered: list[tuple[str, str, Any, dict[str, Any]]] = []
        self.pushes: list[tuple[str, Any, int | None]] = []
        self.requests: list[str] = []
        # while a list: every request as (method, path and query, headers, body)
        self.recording: list[tuple[str, str, dict[str, str], bytes]] | None = None
        self.app = web.Application(middlewares=[self._fault_middleware])
        self.app.router.add_post("/_control/fault", self._control_fault)
        self.app.router.add_get("/_control/state", self._control_state)
        self.app.router.add_post("/_control/canned", self._control_canned)
        self.app.router.add_post("/_control/advance", self._control_advance)
        self.app.router.add_post("/_control/restart", self._control_restart)
        self.app.router.add_post("/_control/revoke", self._control_revoke)
        self.app.router.add_post("/_control/push", self._control_push)
        # path -> (status, body) answered once instead of the real handler
        self.canned: dict[str, tuple[int, str]] = {}
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None
        self._hang = asyncio.Event()
        self.restarts = 0
        self.held = 0  # requests a "slow" or "timeout" fault holds now
        self.redirect_to = "http://127.0.0.2:9/"  # where "redirect" sends them
        self.huge_sent = 0  # bytes of "huge" answers written before the client left
        self.port = 0
        self.https_port = 0

    def continue_ids(self, first: int) -> None:  # noqa: B027 - most number nothing
        """Number what the gateway numbers from `first` on.

        As a gateway that kept its database across a restart does: in a
        development run after another, ids that started again would be taken
        for ones seen before.
        """

    @property
    def url(self) -> str:
        """Base URL the simulator listens on."""
        return f"http://127.0.0.1:{self.port}"

    async def start(
        self, host: str = "127.0.0.1", port: int = 0, https_port: int | None = None
    ) -> int:
        """Listen on `host:port` (0 picks a free port); return the port.

        With `https_port`, also serve HTTPS there with a self-signed certificate.
        """
        from .control import add_control_routes  # the vendors' (it imports them)

        add_control_routes(self)
        # A handler stops when its client goes away, as on a real gateway.
        self._runner = web.AppRunner(
            self.app, access_log=None, handler_cancellation=True
        )
        await self._runner.setup()
        self.port = await self._site(host, port, None)
        if https_port is not None:
            from .certificate import self_signed_context

            self.https_port = await self._site(host, https_port, self_signed_context())
        return self.port

    async def _site(self, host: str, port: int, context: ssl.SSLContext | None) -> int:
        assert self._runner is not None
        site = web.TCPSite(self._runner, host, port, ssl_context=context)
        await site.start()
        return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    @abstractmethod
    async def advance(self) -> int:
        """Move queued work one step (sends progress, replies arrive); return pushes."""

    @abstractmethod
    def point_pushes(self, url: str) -> None:
        """Send every kind of push to `url`, as the gateway's settings would."""

    @abstractmethod
    async def receive(
        self, index: int, sender: str, text: str, when: str | None = NOW
    ) -> bool:
        """An SMS arrives on the `index`-th port; False if the vendor gets none.

        `when`: the time the gateway gives it, as written (NOW: the current
        time in the vendor's form; None: no time at all).
        """

    @abstractmethod
    async def inject_sample_incoming(self, sender: str, text: str) -> None:
        """Receive an SMS on some port, as in real life (for scripts/develop)."""

    def release(self) -> None:
        """Let the requests that a "timeout" fault holds go on, and end the fault."""
        self.fault = None
        self._hang.set()
        self._hang = asyncio.Event()

    async def stop(self) -> None:
        """Release hanging requests, close the push client and the server."""
        self._hang.set()
        if self._client:
            await self._client.close()
        if self._runner:
            await self._runner.cleanup()

    def restart(self) -> None:
        """Reboot: sessions (nonces, tokens) are forgotten; subclasses say which."""
        self.restarts += 1

    def revoke(self) -> None:
        """The password is changed behind Home Assistant's back; sessions end."""
        self.password = "revoked"
        self.restart()

    def state(self) -> dict[str, Any]:
        """What `/_control/state` shows; subclasses add theirs."""
        return {
            "fault": self.fault,
            "pushes": len(self.pushes),
            "requests": len(self.requests),
        }

    async def push(self, url: str | None, payload: Any) -> int | None:
        """POST `payload` as JSON to `url`; return the HTTP status (None: failed)."""
        if not url:
            return None
        return await self.deliver("POST", url, payload, json=payload)

    async def deliver(
        self, method: str, url: str, record: Any, **body: Any
    ) -> int | None:
        """Make one push; twice while `duplicate_pushes`, as a retrying gateway would.

        Each attempt is kept in `pushes` with `record`. Return the last HTTP
        status (None: failed).
        """
        self.delivered.append((method, url, record, body))
        status: int | None = None
        for _ in range(2 if self.duplicate_pushes else 1):
            try:
                async with self._session().request(method, url, **body) as response:
                    status = response.status
            except (ClientError, TimeoutError) as err:
                _LOGGER.warning("push to %s failed: %s", url, err)
                status = None
            self.pushes.append((url, record, status))
        return status

    async def replay(self, start: int = 0) -> int:
        """Make every push since the `start`-th again; return how many.

        As a gateway does that missed the answers (Home Assistant restarted).
        """
        again = self.delivered[start:]
        for method, url, record, body in again:
            await self.deliver(method, url, record, **body)
        return len(again)

    def _session(self) -> ClientSession:
        """The client the simulator pushes with."""
        if self._client is None:
            self._client = ClientSession(timeout=ClientTimeout(total=10))
        return self._client

    @web.middleware
    async def _fault_middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        if request.path.startswith("/_control/"):
            return await handler(request)
        self.requests.append(request.path)
        if self.recording is not None:
            self.recording.append(
                (
                    request.method,
                    request.path_qs,
                    dict(request.headers),
                    await request.read(),
                )
            )
        if self.fault == "http500":
            return web.Response(status=500, text="Internal Server Error")
        if self.fault == "malformed":
            return web.Response(text='{"result": "ACC', content_type="application/json")
        if self.fault in ("slow", "timeout"):
            self.held += 1
            try:
                if self.fault == "slow":
                    await asyncio.sleep(SLOW_SECONDS)
                else:
                    await self._hang.wait()
            finally:
                self.held -= 1
        if self.fault == "reset" and request.transport is not None:
            request.transport.close()
        if (hostile := await self._hostile(request)) is not None:
            return hostile
        if canned := self.canned.pop(request.path, None):
            return web.Response(
                status=canned[0], text=canned[1], content_type="application/json"
            )
        return await handler(request)

    async def _hostile(self, request: web.Request) -> web.StreamResponse | None:
        """The answer of a hostile fault, if one is set."""
        if self.fault == "redirect":
            return web.Response(status=307, headers={"Location": self.redirect_to})
        if self.fault == "basic":
            return web.Response(
                status=401, headers={"WWW-Authenticate": 'Basic realm="gateway"'}
            )
        if self.fault == "huge":
            return await self._huge(request)
        if self.fault == "gzip_bomb":
            return web.Response(
                body=gzip_bomb(),
                headers={
                    "Content-Encoding": "gzip",
                    "Content-Type": "application/json",
                },
            )
        return None

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        """Valid JSON, then spaces: as long as the client keeps reading."""
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        await response.write(b"{}")
        try:
            for _ in range(HUGE_BYTES // len(_HUGE_CHUNK)):
                await response.write(_HUGE_CHUNK)
                self.huge_sent += len(_HUGE_CHUNK)
        except (ConnectionError, RuntimeError):  # the client stopped reading
            return response
        await response.write_eof()
        return response

    async def _control_fault(self, request: web.Request) -> web.Response:
        body = await request.json()
        mode = body.get("mode")
        if mode is not None and mode not in FAULTS:
            return json_response({"error": f"unknown fault {mode}"}, status=400)
        self.fault = mode
        self.duplicate_pushes = bool(body.get("duplicate_pushes", False))
        return json_response({"fault": mode, "duplicate_pushes": self.duplicate_pushes})

    async def _control_advance(self, request: web.Request) -> web.Response:
        return json_response({"pushes": await self.advance()})

    async def _control_canned(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.canned[body["path"]] = (int(body.get("status", 200)), body["body"])
        return json_response({"canned": body["path"]})

    async def _control_restart(self, request: web.Request) -> web.Response:
        self.restart()
        return json_response({"restarted": True})

    async def _control_push(self, request: web.Request) -> web.Response:
        """`{"url": ...}`: every kind of push there (`point_pushes`)."""
        url = str((await request.json())["url"])
        self.point_pushes(url)
        return json_response({"pushes_to": url})

    async def _control_revoke(self, request: web.Request) -> web.Response:
        self.revoke()
        return json_response({"revoked": True})

    async def _control_state(self, request: web.Request) -> web.Response:
        return json_response(self.state())


def now_text(form: str = "%Y-%m-%d %H:%M:%S") -> str:
    """The current time as gateways write it (in `form`)."""
    return datetime.now().strftime(form)


def gateway_time(when: str | None, form: str = "%Y-%m-%d %H:%M:%S") -> str | None:
    """The time an SMS is given: NOW in the vendor's `form`, else `when` as is."""
    return now_text(form) if when == NOW else when


def json_response(value: Any, status: int = 200) -> web.Response:
    """A JSON answer in UTF-8, as the gateways write it."""
    return web.Response(
        text=json.dumps(value, ensure_ascii=False, default=str),
        status=status,
        content_type="application/json",
    )

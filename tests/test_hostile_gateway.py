"""A gateway, or something in its place, that answers to take more than it should.

Every vendor's client: no redirect is followed (the credentials would go to
another host), an answer is read up to its bound and no further, a small
compressed answer is not inflated past that bound, and Dinstar's digest client
never answers a Basic challenge with the password. Through Home Assistant, the
same faults make the entities unavailable and fail a send
(`test_faults.test_a_fault_and_its_end`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import contextlib
import gzip
import tracemalloc
from types import SimpleNamespace
from typing import Any
import zlib

import aiohttp
from aiohttp import web
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sms_gateway.gateways import GATEWAYS, Gateway
from custom_components.sms_gateway.gateways.base import (
    LIST_ANSWER_BYTES,
    STATUS_ANSWER_BYTES,
)
from custom_components.sms_gateway.gateways.errors import (
    GatewayConnectionError,
    GatewayPayloadError,
)
from simulator.base import HUGE_BYTES, Simulator
from simulator.goip import GoipSimulator

from .vendors import VENDORS


def client(sim: Simulator, session: aiohttp.ClientSession) -> Gateway:
    """The vendor's client, configured for its simulator."""
    return GATEWAYS[sim.vendor](session, VENDORS[sim.vendor].data(sim))


async def test_no_redirect_is_followed(
    vendor_sim: Simulator, session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """A 307 to another host is an error that names the target; nothing goes there.

    A 307 or 308 would have the request sent again, body and all: GoIP's
    `auth`, 467890's `Pwd`, api/v1's md5 `pwd`, OpenVox's login.
    """
    taken: list[str] = []

    async def record(request: web.Request) -> web.Response:
        taken.append(request.path)
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    vendor_sim.redirect_to = f"http://admin:secret@127.0.0.1:{port}/steal?pwd=x#f"
    vendor_sim.fault = "redirect"
    try:
        with pytest.raises(GatewayConnectionError) as err:
            await client(vendor_sim, session).async_identify()
    finally:
        await runner.cleanup()
    assert taken == []
    message = str(err.value)
    assert f"a redirect to http://127.0.0.1:{port}/steal," in message
    assert "pwd" not in message
    assert "secret" not in message


async def test_a_huge_answer_is_not_read_whole(
    vendor_sim: Simulator,
    session: aiohttp.ClientSession,
    socket_enabled: None,
) -> None:
    """Valid JSON, then 64 MiB of spaces: the read stops past the bound."""
    vendor_sim.fault = "huge"
    with pytest.raises(GatewayPayloadError, match="larger than"):
        await client(vendor_sim, session).async_identify()
    # What was written before the client hung up: the bound and what the
    # sockets' buffers took, far from all of it.
    assert vendor_sim.huge_sent < HUGE_BYTES // 4


async def test_a_compressed_answer_is_inflated_within_the_bound(
    vendor_sim: Simulator, session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """64 KiB of gzip that would be 64 MiB: never more than the bound comes out."""
    vendor_sim.fault = "gzip_bomb"
    tracemalloc.start()
    try:
        with pytest.raises(GatewayPayloadError, match="larger than"):
            await client(vendor_sim, session).async_identify()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * STATUS_ANSWER_BYTES + 2 * 1024 * 1024


@pytest.mark.parametrize("vendor_sim", ["dinstar"], indirect=True)
async def test_dinstar_never_answers_basic(
    vendor_sim: Simulator, session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """Asked for Basic, the digest client says so and sends no password."""
    vendor_sim.recording = []
    vendor_sim.fault = "basic"
    with pytest.raises(GatewayConnectionError, match="Basic authentication"):
        await client(vendor_sim, session).async_identify()
    assert vendor_sim.recording
    assert not any(
        "authorization" in {key.lower() for key in headers}
        for _, _, headers, _ in vendor_sim.recording
    )


def test_lists_may_be_larger_than_a_status() -> None:
    """An inbox, reports or results are bounded higher than a status; each
    vendor that polls such lists names them."""
    assert LIST_ANSWER_BYTES > STATUS_ANSWER_BYTES
    for vendor in ("goip", "dinstar", "cloud_apiv1"):
        gateway: Any = GATEWAYS[vendor]
        assert gateway.list_answers, vendor
        call = next(iter(gateway.list_answers))
        assert gateway.answer_limit(gateway, call) == LIST_ANSWER_BYTES
        assert gateway.answer_limit(gateway, "status") == STATUS_ANSWER_BYTES


async def test_the_poll_fails_with_a_clear_log_line(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The log says why the gateway went unavailable: the answer's size."""
    goip_sim.fault = "huge"
    await init_integration.runtime_data.coordinator.async_refresh()
    assert not init_integration.runtime_data.coordinator.last_update_success
    assert f"an answer larger than {STATUS_ANSWER_BYTES:,} bytes" in caplog.text


@contextlib.asynccontextmanager
async def goip_answering(
    session: aiohttp.ClientSession, status: int, headers: dict[str, str], body: bytes
) -> AsyncIterator[Gateway]:
    """A GoIP client of a server that answers `querylines` so."""

    async def answer(request: web.Request) -> web.Response:
        return web.Response(status=status, body=body, headers=headers)

    app = web.Application()
    app.router.add_post("/goip/querylines/", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    sim = SimpleNamespace(vendor="goip", port=runner.addresses[0][1])
    try:
        yield GATEWAYS["goip"](session, VENDORS["goip"].data(sim))  # type: ignore[arg-type]
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("headers", "body", "error"),
    [
        ({}, b"[]" + b" " * STATUS_ANSWER_BYTES, "larger than"),  # by its length
        ({"Content-Encoding": "br"}, b"[]", "encoded as 'br'"),
        ({"Content-Encoding": "gzip"}, b"not gzip", "does not inflate"),
        ({"Content-Encoding": "deflate"}, zlib.compress(b"[]"), None),
        ({"Content-Encoding": "gzip"}, gzip.compress(b"[]", mtime=0), None),
    ],
)
async def test_how_an_answer_is_read(
    session: aiohttp.ClientSession,
    socket_enabled: None,
    headers: dict[str, str],
    body: bytes,
    error: str | None,
) -> None:
    """An answer longer than the bound is refused by its Content-Length, before
    reading; an encoding other than gzip or deflate is refused; a compressed
    answer that does not inflate is a payload error; gzip and deflate are read."""
    async with goip_answering(session, 200, headers, body) as gateway:
        if error is None:
            assert (await gateway.async_get_status()).ports == {}
        else:
            with pytest.raises(GatewayPayloadError, match=error):
                await gateway.async_get_status()


async def test_a_redirect_to_nowhere(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """A 3xx without a Location is refused all the same."""
    async with goip_answering(session, 302, {}, b"") as gateway:
        with pytest.raises(GatewayConnectionError, match="a redirect to nowhere"):
            await gateway.async_get_status()

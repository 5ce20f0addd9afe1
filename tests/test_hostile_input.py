"""Hostile input: every push parser and webhook gets generated malformed bodies.

A parser answers with models or `GatewayPayloadError`, never anything else; a
webhook answers 200, 400 or 413, never 500, and fires no event for garbage.
"""

from __future__ import annotations

import asyncio
from collections import Counter
import gzip
import json
import random
from unittest.mock import Mock
import zlib

from aiohttp import StreamReader
from homeassistant.core import HomeAssistant
from hypothesis import HealthCheck, example, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sms_gateway.const import (
    EVENT_DELIVERY_REPORT,
    EVENT_PORT_EVENT,
    EVENT_SMS_RECEIVED,
    EVENT_USSD_REPLY,
    MAX_PUSH_BYTES,
)
from custom_components.sms_gateway.gateways import GATEWAYS
from custom_components.sms_gateway.gateways.errors import GatewayPayloadError
from custom_components.sms_gateway.gateways.models import (
    DeliveryReport,
    IncomingSms,
    PortEvent,
    UssdReply,
)
from custom_components.sms_gateway.webhook import read_limited
from simulator.base import Simulator
from simulator.dinstar import PUSH_KINDS as DINSTAR_PUSH_KINDS

from .conftest import WEBHOOK_ID, send_sms
from .vendors import VENDORS

CONTENT_TYPES = [
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "x/y",
]

# Keys the parsers look for, so generated bodies get past their first checks.
KEYS = [
    "taskID",
    "send",
    "receipt",
    "err_code",
    "goip_line",
    "from_number",
    "content",
    "recv_time",
    "sn",
    *DINSTAR_PUSH_KINDS,
    "port",
    "number",
    "text",
    "status",
    "user_id",
    "ref_id",
    "status_code",
    "incoming_sms_id",
    "timestamp",
    "count",
    "succ_count",
    "phonenumber",
    "portname",
    "message",
    "time",
    "id",
    "code",
    "report",
    "Report",
    "sendId",
    "mobile",
    "times",
    "extNo",
    "port_number",
    "type",
    "action",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=50),
    st.sampled_from(
        ["1e999", "-1", "", "null", "<NULL>", "SENT_OK", "DELIVRD", "up", "NaN"]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5),
    max_leaves=12,
)
objects = st.dictionaries(st.sampled_from(KEYS), values, max_size=6)
bodies = st.one_of(
    st.binary(max_size=300),
    objects.map(lambda o: json.dumps(o).encode()),
    values.map(lambda v: json.dumps(v).encode()),
    st.integers(min_value=1, max_value=5000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(min_value=1, max_value=5000).map(
        lambda n: b'{"a":' * n + b"1" + b"}" * n
    ),
    objects.map(lambda o: "&".join(f"{k}={v}" for k, v in o.items()).encode()),
)
queries = st.dictionaries(
    st.sampled_from(KEYS) | st.text(max_size=8), st.text(max_size=40), max_size=6
)
MODELS = (IncomingSms, DeliveryReport, UssdReply, PortEvent)


@pytest.mark.parametrize("vendor", sorted(GATEWAYS))
@settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(method=st.sampled_from(["GET", "POST", "PUT"]), query=queries, body=bodies)
# Found by hand after the generated cases missed it: a count of 1e999 overflowed.
@example(
    method="POST",
    query={},
    body=b'{"sms_result": [{"status": "FAILED", "user_id": 1, "count": "1e999"}]}',
)
@example(
    method="GET",
    query={"phonenumber": "1", "message": "x", "time": "9" * 400},
    body=b"",
)
def test_parsers_answer_models_or_payload_errors(
    vendor: str, method: str, query: dict[str, str], body: bytes
) -> None:
    try:
        items = GATEWAYS[vendor].parse_push(method, query, {}, body)
    except GatewayPayloadError:
        return
    assert isinstance(items, list)
    assert all(isinstance(item, MODELS) for item in items)


def garbage(rng: random.Random) -> bytes:
    """A malformed body of one of the shapes that reach webhooks in the wild."""
    choice = rng.randrange(6)
    if choice == 0:
        return rng.randbytes(rng.randrange(1, 400))
    if choice == 1:
        return b"\xff\xfe" + "端午".encode("utf-16")
    if choice == 2:
        depth = rng.randrange(1, 3000)
        return b"[" * depth + b"]" * depth
    if choice == 3:
        return json.dumps(
            {rng.choice(KEYS): rng.choice([None, 1, [], {}, "x" * 5000])}
        ).encode()
    if choice == 4:
        return json.dumps([rng.random() for _ in range(rng.randrange(5))]).encode()
    return b"taskID=%ZZ&send=%E4%B8" + rng.randbytes(10)


def garbage_query(rng: random.Random) -> str:
    """A query string a push could not be: broken escapes and UTF-8, junk keys,
    at most one of the keys the parsers look for."""
    pieces = ["%ZZ", "%FF%FE", "%E4%B8", "%00", "&&", "==", "+", ";", "%", "\u00e9"]
    parts = [
        "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 6)))
        + "="
        + "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 6)))
        for _ in range(rng.randrange(1, 5))
    ]
    if rng.random() < 0.5:
        parts.append(
            f"{rng.choice(KEYS)}={rng.choice(pieces)}{'x' * rng.randrange(300)}"
        )
    rng.shuffle(parts)
    return "&".join(parts)


async def test_every_webhook_refuses_garbage(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    vendor_sim: Simulator,
    vendor_entry: MockConfigEntry,
) -> None:
    """Two thousand malformed pushes: each a 400, no event, and the next real
    push still fires its event at once."""
    hass.loop.set_debug(False)  # two thousand requests in asyncio's debug mode: slow
    client = await hass_client_no_auth()
    url = f"/api/webhook/{WEBHOOK_ID}"
    events = [
        async_capture_events(hass, event)
        for event in (
            EVENT_SMS_RECEIVED,
            EVENT_DELIVERY_REPORT,
            EVENT_USSD_REPLY,
            EVENT_PORT_EVENT,
        )
    ]
    gets = "GET" in vendor_entry.runtime_data.gateway.push_methods
    rng = random.Random(f"{vendor_sim.vendor}-20261122")
    statuses: Counter[int] = Counter()
    for _ in range(2000):
        if gets and rng.random() < 0.5:
            response = await client.get(f"{url}?{garbage_query(rng)}")
        else:
            response = await client.post(
                url,
                data=garbage(rng),
                headers={"Content-Type": rng.choice(CONTENT_TYPES)},
            )
        statuses[response.status] += 1
    await hass.async_block_till_done()
    assert set(statuses) == {400}
    assert all(captured == [] for captured in events)
    oversized = await client.post(url, data=b"x" * (MAX_PUSH_BYTES + 1))
    assert oversized.status == 413
    # Compressed, even when small and valid once inflated: no vendor does it.
    # (An encoding aiohttp cannot inflate is refused by it before any handler.)
    for encoding, body in (
        ("gzip", gzip.compress(b"{}")),
        ("deflate", zlib.compress(b"{}")),
    ):
        compressed = await client.post(
            url, data=body, headers={"Content-Encoding": encoding}
        )
        assert compressed.status == 415
    await hass.async_block_till_done()
    assert all(captured == [] for captured in events)

    # still answering: a real push fires its event
    vendor_sim.point_pushes(str(client.make_url(url)))
    if VENDORS[vendor_sim.vendor].receives:
        assert await vendor_sim.receive(0, "13800000000", "still here")
        fired = events[0]
    else:
        await send_sms(hass, recipients="13600000000", message="still here")
        await vendor_sim.advance()
        fired = events[1]
    await hass.async_block_till_done()
    assert len(fired) == 1


async def test_an_oversized_body_is_not_read_whole() -> None:
    """The limit holds while reading: the rest of the body stays unread."""
    loop = asyncio.get_running_loop()
    stream = StreamReader(Mock(_reading_paused=False), 2**16, loop=loop)
    stream.feed_data(b"x" * (MAX_PUSH_BYTES * 10))
    stream.feed_eof()
    assert await read_limited(Mock(content_length=None, content=stream)) is None
    assert len(await stream.read()) >= MAX_PUSH_BYTES * 8


async def test_odd_query_encodings_on_a_get_webhook(
    hass: HomeAssistant,
    dinstar: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A POST-only webhook answers a GET with 405, whatever its query holds."""
    client = await hass_client_no_auth()
    for query in ("a=%ZZ", "%E4%B8%AD=1", "x=" + "%00" * 100, "=" * 50):
        response = await client.get(f"/api/webhook/{WEBHOOK_ID}?{query}")
        assert response.status == 405

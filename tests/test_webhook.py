"""Pushes from the simulator through Home Assistant's HTTP server to events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import logging
import socket
from typing import Any
from unittest.mock import AsyncMock, patch

from aiohttp import ClientSession
from aiohttp.test_utils import make_mocked_request
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sms_gateway.const import (
    CONF_LOCAL_ONLY,
    EVENT_DELIVERY_REPORT,
    EVENT_SMS_RECEIVED,
    MAX_PUSH_BYTES,
)
from custom_components.sms_gateway.webhook import _from_local_network, read_query
from simulator.goip import GoipSimulator

from .conftest import WEBHOOK_ID, device_of, load_fixture
from .stored import on_disk
from .test_cloudhook_pushes import through_cloudhook

PATH = f"/api/webhook/{WEBHOOK_ID}"

type Connect = Callable[[], Awaitable[str]]


@pytest.fixture
async def connect(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    hass_client_no_auth: ClientSessionGenerator,
) -> Connect:
    """Point the simulator's pushes at Home Assistant's webhook (real HTTP)."""

    async def _connect() -> str:
        client = await hass_client_no_auth()
        url = str(client.make_url(PATH))
        goip_sim.receive_url = goip_sim.result_url = url
        return url

    return _connect


async def received(hass: HomeAssistant) -> list[Event[dict[str, Any]]]:
    return async_capture_events(hass, EVENT_SMS_RECEIVED)


async def test_incoming_sms_fires_the_event_and_the_event_entity(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    connect: Connect,
    device_registry: dr.DeviceRegistry,
) -> None:
    await connect()
    events = await received(hass)
    await goip_sim.inject_incoming("G102", "10086", "余额 12.50", "2019-09-26 15:26:05")
    await hass.async_block_till_done()
    assert goip_sim.pushes[-1][2] == 200
    device = device_of(hass, init_integration)
    assert [event.data for event in events] == [
        {
            "entry_id": init_integration.entry_id,
            "device_id": device.id,  # type: ignore[union-attr]
            "vendor": "goip",
            "port": "G102",
            "sender": "10086",
            "text": "余额 12.50",
            "message_id": None,
            "extension": None,
            "smsc": None,
            # The server's local time, taken in Home Assistant's zone (US/Pacific).
            "timestamp": "2019-09-26T22:26:05+00:00",
        }
    ]
    state = hass.states.get("event.goip_sms_server_incoming_sms")
    assert state.attributes["event_type"] == "received"
    assert state.attributes["sender"] == "10086"
    assert state.attributes["text"] == "余额 12.50"


async def test_a_push_repeated_fires_once(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    connect: Connect,
) -> None:
    await connect()
    events = await received(hass)
    for _ in range(3):
        await goip_sim.inject_incoming("G101", "10086", "hi", "2019-09-26 15:26:05")
    await goip_sim.inject_incoming("G101", "10086", "hi", "2019-09-26 15:26:06")
    await hass.async_block_till_done()
    assert len(events) == 2


async def test_exactly_once_across_a_restart(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    connect: Connect,
    hass_storage: dict[str, Any],
) -> None:
    await connect()
    events = await received(hass)
    await goip_sim.inject_incoming("G101", "10086", "before", "2019-09-26 15:26:05")
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert len(on_disk(hass, init_integration.entry_id)["seen"]) == 1
    await goip_sim.inject_incoming("G101", "10086", "before", "2019-09-26 15:26:05")
    await goip_sim.inject_incoming("G101", "10086", "after", "2019-09-26 15:26:05")
    await hass.async_block_till_done()
    assert [event.data["text"] for event in events] == ["before", "after"]


async def test_a_push_is_on_disk_when_it_is_answered(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    connect: Connect,
) -> None:
    """The 200 leaves after the dedupe key is written, not seconds later: a
    crash once the gateway has its answer repeats nothing."""
    await connect()
    await goip_sim.inject_incoming("G101", "10086", "hi", "2019-09-26 15:26:05")
    assert len(on_disk(hass, init_integration.entry_id)["seen"]) == 1


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b'{"taskID": "1.2"}', b'{"from_number": "1"}', b"\xff"],
)
async def test_invalid_pushes_are_refused_without_event(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
) -> None:
    events = await received(hass)
    reports = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    client = await hass_client_no_auth()
    caplog.set_level(logging.DEBUG, logger="custom_components.sms_gateway")
    response = await client.post(PATH, data=body)
    assert response.status == 400
    assert events == reports == []
    assert "Ignoring an invalid push" in caplog.text


async def test_oversized_pushes_are_refused_before_they_are_read(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    client = await hass_client_no_auth()
    big = b'{"from_number": "1", "content": "' + b"x" * MAX_PUSH_BYTES + b'"}'
    response = await client.post(PATH, data=big)
    assert response.status == 413

    async def chunks():  # no Content-Length: the limit holds while reading
        for _ in range(MAX_PUSH_BYTES // 1024 + 2):
            yield b"x" * 1024

    response = await client.post(PATH, data=chunks())
    assert response.status == 413
    just_fits = (
        b'{"from_number": "1", "content": "' + b"x" * (MAX_PUSH_BYTES - 40) + b'"}'
    )
    response = await client.post(PATH, data=just_fits)
    assert response.status == 200


async def test_only_post_is_accepted(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    client = await hass_client_no_auth()
    assert (await client.get(PATH)).status == 405
    assert (
        await client.put(PATH, data=load_fixture("goip", "push_received.json"))
    ).status == 405


@pytest.mark.parametrize(
    ("local_only", "status", "fired"), [(None, 403, 0), (True, 403, 0), (False, 200, 1)]
)
async def test_remote_pushes_need_the_option(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    mock_config_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    local_only: bool | None,
    status: int,
    fired: int,
) -> None:
    """A push from outside the local network is refused, and told so (403,
    where Home Assistant answers a local-only webhook's remote push 200 and
    drops it), unless the option is off."""
    mock_config_entry.add_to_hass(hass)
    if local_only is not None:
        hass.config_entries.async_update_entry(
            mock_config_entry, options={CONF_LOCAL_ONLY: local_only}
        )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    events = await received(hass)
    client = await hass_client_no_auth()
    with patch(
        "custom_components.sms_gateway.webhook._from_local_network",
        return_value=False,
    ):
        response = await client.post(
            PATH, data=load_fixture("goip", "push_received.json")
        )
    await hass.async_block_till_done()
    assert response.status == status
    assert len(events) == fired
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


@pytest.mark.parametrize(
    ("remote", "local"),
    [
        ("127.0.0.1", True),
        ("192.168.1.20", True),
        ("fe80::1", True),
        ("::1", True),
        ("8.8.8.8", False),
        ("2001:4860::8888", False),
        ("gateway", False),
        (None, False),
    ],
)
def test_local_network_is_home_assistants_rule(remote: str | None, local: bool) -> None:
    """The check the webhook component would make, remembered by address."""
    assert _from_local_network(remote) is local
    assert _from_local_network(remote) is local  # remembered


async def test_local_only_refuses_remote_access_and_passes_cloudhooks(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """As Home Assistant's own local-only check: a request through Home
    Assistant Cloud's remote access is not local; a cloudhook's is let
    through (a user who made one for the webhook wants its pushes)."""
    events = await received(hass)
    client = await hass_client_no_auth()
    with patch(
        "custom_components.sms_gateway.webhook.is_cloud_connection", return_value=True
    ):
        response = await client.post(
            PATH, data=load_fixture("goip", "push_received.json")
        )
    assert response.status == 403
    response = await through_cloudhook(
        hass, load_fixture("goip", "push_received.json").encode(), "application/json"
    )
    await hass.async_block_till_done()
    assert response.status == 200
    assert len(events) == 1


async def test_pushes_after_unload_go_nowhere(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    events = await received(hass)
    client = await hass_client_no_auth()
    await hass.config_entries.async_unload(init_integration.entry_id)
    await client.post(PATH, data=load_fixture("goip", "push_received.json"))
    await hass.async_block_till_done()
    assert events == []


async def test_push_over_a_plain_session(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    connect: Connect,
) -> None:
    """A client that is not the test client: what a gateway on the LAN does."""
    url = await connect()
    events = await received(hass)
    async with (
        ClientSession() as session,
        session.post(
            url, data=load_fixture("goip", "push_received.json").encode()
        ) as response,
    ):
        assert response.status == 200
    await hass.async_block_till_done()
    assert events[0].data["text"].endswith("【中国移动】")


@pytest.mark.parametrize(
    ("gateway_address", "status", "fired"),
    [("127.0.0.1", 200, 1), ("192.0.2.7", 403, 0)],
)
async def test_pushes_pinned_to_the_gateways_address(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    gateway_address: str,
    status: int,
    fired: int,
) -> None:
    """With the option, only the gateway's host may push (the test client is 127.0.0.1)."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, options={"webhook_pin_source": True}
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    events = await received(hass)
    client = await hass_client_no_auth()
    resolved = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (gateway_address, 0))]
    with patch.object(
        hass.loop, "getaddrinfo", AsyncMock(return_value=resolved)
    ) as lookup:
        for _ in range(2):  # the second push uses the address the first resolved
            response = await client.post(
                PATH, data=load_fixture("goip", "push_received.json")
            )
            assert response.status == status
    assert lookup.await_count == 1
    await hass.async_block_till_done()
    assert len(events) == fired
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/hook", {}),
        ("/hook?", {}),
        ("/hook?a=1&b=&a=2", {"a": "1", "b": ""}),
        ("/hook?message=%E7%AB%AF%E5%8D%88+ok%2B1", {"message": "端午 ok+1"}),
        ("/hook?message=%FF%ZZ", {"message": "\ufffd%ZZ"}),
    ],
)
def test_the_query_is_read_as_the_gateway_wrote_it(
    path: str, fields: dict[str, str]
) -> None:
    """The first value of a repeated name, blanks kept, `+` a space, escapes
    decoded as UTF-8 (broken ones replaced or left as they are)."""
    assert read_query(make_mocked_request("GET", path)) == fields

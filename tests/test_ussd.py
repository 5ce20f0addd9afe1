"""USSD on a Dinstar port: the reply pushed or polled, one session per port."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sms_gateway.const import DOMAIN, EVENT_USSD_REPLY
from custom_components.sms_gateway.gateways.dinstar import DinstarGateway
from custom_components.sms_gateway.gateways.errors import (
    GatewayPayloadError,
    GatewayRejectedError,
)
from custom_components.sms_gateway.gateways.models import UssdReply
from simulator.dinstar import SN, DinstarSimulator

from .conftest import PASSWORD, WEBHOOK_ID, device_of, load_fixture


async def until(condition: Any) -> None:
    """Let the loop run until `condition()` holds (bounded, no clock involved)."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


def later(hass: HomeAssistant, seconds: float) -> None:
    """Fire the timers due `seconds` from now (asyncio's included)."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))


def ussd(hass: HomeAssistant, **data: Any) -> Awaitable[Any]:
    return hass.services.async_call(
        DOMAIN, "send_ussd", data, blocking=True, return_response=True
    )


async def test_reply_pushed(
    hass: HomeAssistant,
    dinstar_sim: DinstarSimulator,
    dinstar: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    device_registry: dr.DeviceRegistry,
) -> None:
    client = await hass_client_no_auth()
    dinstar_sim.push_url = str(client.make_url(f"/api/webhook/{WEBHOOK_ID}"))
    dinstar_sim.ussd_replies["*125#"] = "余额 12.50 元"
    events = async_capture_events(hass, EVENT_USSD_REPLY)
    port_device = device_of(hass, dinstar, "1")
    call = asyncio.ensure_future(ussd(hass, device_id=port_device.id, code="*125#"))  # type: ignore[union-attr]
    await until(lambda: 1 in dinstar_sim.ussd_pending)
    await dinstar_sim.advance()
    assert await call == {"port": "1", "reply": "余额 12.50 元"}
    assert [(e.data["port"], e.data["text"]) for e in events] == [
        ("1", "余额 12.50 元")
    ]
    state = hass.states.get("event.dwg_ussd_reply")
    assert state.attributes["text"] == "余额 12.50 元"


async def test_reply_polled_when_not_pushed(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    events = async_capture_events(hass, EVENT_USSD_REPLY)
    call = asyncio.ensure_future(ussd(hass, port="2", code="*100#"))
    await until(lambda: "2" in dinstar.runtime_data.inbound.ussd.open)
    await dinstar_sim.advance()
    later(hass, 6)  # the first poll of the wait is due after 5 s
    assert await call == {"port": "2", "reply": "Your balance is 12.50 CNY. (*100#)"}
    assert len(events) == 1


async def test_a_reply_both_pushed_and_polled_fires_once(
    hass: HomeAssistant,
    dinstar_sim: DinstarSimulator,
    dinstar: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    client = await hass_client_no_auth()
    url = str(client.make_url(f"/api/webhook/{WEBHOOK_ID}"))
    events = async_capture_events(hass, EVENT_USSD_REPLY)
    call = asyncio.ensure_future(ussd(hass, port="1", code="*125#"))
    await until(lambda: 1 in dinstar_sim.ussd_pending)
    await dinstar_sim.advance()
    await dinstar_sim.push(
        url, {"sn": SN, "ussd": [{"port": 1, "text": dinstar_sim.ussd_ready[1]}]}
    )
    await call
    await dinstar_sim.push(
        url, {"sn": SN, "ussd": [{"port": 1, "text": dinstar_sim.ussd_ready[1]}]}
    )
    await hass.async_block_till_done()
    assert len(events) == 1
    # The same text in the next session is a new reply.
    call = asyncio.ensure_future(ussd(hass, port="1", code="*125#"))
    await until(lambda: 1 in dinstar_sim.ussd_pending)
    dinstar_sim.push_url = url
    await dinstar_sim.advance()
    await call
    assert len(events) == 2


async def test_one_session_per_port_and_cancel(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    first = asyncio.ensure_future(ussd(hass, port="1", code="*125#"))
    await until(lambda: 1 in dinstar_sim.ussd_pending)
    with pytest.raises(ServiceValidationError) as err:
        await ussd(hass, port="1", code="*100#")
    assert err.value.translation_key == "ussd_busy"
    await hass.services.async_call(DOMAIN, "cancel_ussd", {"port": "1"}, blocking=True)
    with pytest.raises(HomeAssistantError) as err:
        await first
    assert err.value.translation_key == "ussd_cancelled"
    assert dinstar_sim.ussd_pending == {}


async def test_no_reply_in_time(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    call = asyncio.ensure_future(ussd(hass, port="1", code="*125#", timeout=8))
    await until(lambda: "1" in dinstar.runtime_data.inbound.ussd.open)
    later(hass, 6)
    await until(lambda: dinstar_sim.requests.count("/api/query_ussd_reply") >= 1)
    later(hass, 9)
    with pytest.raises(HomeAssistantError) as err:
        await call
    assert err.value.translation_key == "ussd_no_reply"
    assert not dinstar.runtime_data.inbound.ussd.waiting("1")


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"code": "*125#"}, "port_required"),
        ({"code": "*125#", "port": "9"}, "unknown_port"),
        ({"code": "*" * 61, "port": "1"}, "rejected_invalid_request"),
    ],
)
async def test_refused(
    hass: HomeAssistant,
    dinstar_sim: DinstarSimulator,
    dinstar: MockConfigEntry,
    data: dict[str, str],
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await ussd(hass, **data)
    assert err.value.translation_key == key


async def test_port_without_network(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    """The envelope says 202; the port's own 503 decides."""
    dinstar_sim.set_port(3, reg="UNREGISTER")
    with pytest.raises(HomeAssistantError) as err:
        await ussd(hass, port="3", code="*125#")
    assert err.value.translation_key == "rejected_not_registered"
    assert err.value.translation_placeholders == {
        "code": "503",
        "reason": "the port is not registered",
    }


async def test_goip_has_no_ussd(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await ussd(hass, port="G101", code="*125#")
    assert err.value.translation_key == "unsupported_ussd"
    assert hass.states.get("event.goip_sms_server_ussd_reply") is None


async def test_client_ussd_calls(session: Any, dinstar_sim: DinstarSimulator) -> None:
    gateway = DinstarGateway(
        session,
        {
            "host": "127.0.0.1",
            "port": dinstar_sim.port,
            "username": "admin",
            "password": PASSWORD,
        },
    )
    assert await gateway.async_poll_ussd("1") is None
    await gateway.async_send_ussd("1", "*125#")
    with pytest.raises(GatewayRejectedError) as err:
        await gateway.async_send_ussd("1", "*125#")  # a reply is still due
    assert err.value.code == "486"
    await dinstar_sim.advance()
    assert await gateway.async_poll_ussd("1") == UssdReply(
        "1", "Your balance is 12.50 CNY. (*125#)"
    )
    await gateway.async_cancel_ussd("1")
    assert await gateway.async_poll_ussd("1") is None
    dinstar_sim.canned["/api/send_ussd"] = (200, '{"error_code": 202, "result": []}')
    with pytest.raises(GatewayPayloadError):
        await gateway.async_send_ussd("1", "*125#")
    # The document's example: replies with empty text are no reply.
    dinstar_sim.canned["/api/query_ussd_reply"] = (
        200,
        load_fixture("dinstar", "query_ussd_reply.json"),
    )
    assert await gateway.async_poll_ussd("2") == UssdReply("2", "Test...")


def test_ussd_push_of_the_document() -> None:
    body = load_fixture("dinstar", "push_ussd.json").encode()
    assert DinstarGateway.parse_push("POST", {}, {}, body) == [
        UssdReply("1", "Thank you!")
    ]
    with pytest.raises(GatewayPayloadError):
        DinstarGateway.parse_push("POST", {}, {}, b'{"ussd": [{"port": 1}]}')

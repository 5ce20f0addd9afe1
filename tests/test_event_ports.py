"""One rule for every vendor: the `port` of every event is the port as the
actions take it (`port: ...`) and its sub-device is identified by.

OpenVox names a port two ways: by number (`port: "2"`, what `sms/send` and
`sendussd` take) and by name (`port_name: "gsm-2"`, all its outbox and its
status pushes carry). Its reports are read back to the number.
"""

from __future__ import annotations

import asyncio
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sms_gateway.const import (
    CONF_RECEIVE_MODE,
    DOMAIN,
    EVENT_DELIVERY_REPORT,
    EVENT_PORT_EVENT,
    EVENT_SMS_RECEIVED,
    EVENT_USSD_REPLY,
    RECEIVE_POLL,
    RECEIVE_PUSH,
)
from custom_components.sms_gateway.gateways.models import Capability
from custom_components.sms_gateway.gateways.openvox import port_of_name

from .conftest import WEBHOOK_ID, loaded, next_poll
from .vendors import USSD_ACCOUNT, VENDORS

EVENTS = (EVENT_SMS_RECEIVED, EVENT_DELIVERY_REPORT, EVENT_USSD_REPLY, EVENT_PORT_EVENT)


@pytest.mark.parametrize("mode", [RECEIVE_PUSH, RECEIVE_POLL])
@pytest.mark.parametrize("vendor", sorted(VENDORS))
async def test_every_event_names_its_port_as_the_actions_take_it(
    hass: HomeAssistant,
    socket_enabled: None,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    vendor: str,
    mode: str,
) -> None:
    case = VENDORS[vendor]
    sim: Any = case.simulator(4)
    await sim.start()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=vendor,
        # OpenVox's USSD page has an account of its own
        data={**case.data(sim), **(USSD_ACCOUNT if vendor == "openvox" else {})},
        options={CONF_RECEIVE_MODE: mode},
    )
    events = {name: async_capture_events(hass, name) for name in EVENTS}
    try:
        async with loaded(hass, entry):
            if mode == RECEIVE_PUSH:
                client = await hass_client_no_auth()
                sim.point_pushes(str(client.make_url(f"/api/webhook/{WEBHOOK_ID}")))
            gateway = entry.runtime_data.gateway
            ports = sorted(entry.runtime_data.coordinator.data.ports)
            port = ports[1] if ports else None
            route = (
                {"port": port}
                if Capability.PORT_ROUTING in gateway.capabilities
                else {}
            )

            await next_poll(hass, freezer)  # an inbox poll's baseline, first
            await sim.receive(1, "13800000001", "on the second port")
            await hass.services.async_call(
                DOMAIN,
                "send_sms",
                {"recipients": "13900000001", "message": "hi", **route},
                blocking=True,
                return_response=True,
            )
            for _ in range(3):
                await sim.advance()
                await next_poll(hass, freezer)
            if Capability.USSD in gateway.capabilities and mode == RECEIVE_PUSH:
                call = asyncio.ensure_future(
                    hass.services.async_call(
                        DOMAIN,
                        "send_ussd",
                        {"port": port, "code": "*100#"},
                        blocking=True,
                        return_response=True,
                    )
                )
                while not call.done():
                    await sim.advance()
                    await next_poll(hass, freezer)
                assert (await call)["port"] == port
            if hasattr(sim, "register"):  # a SIM drops off: the gateway pushes it
                await sim.register(1, up=False)
            await hass.async_block_till_done(wait_background_tasks=True)
    finally:
        await sim.stop()

    fired = {name: [e.data["port"] for e in found] for name, found in events.items()}
    reported = mode == RECEIVE_PUSH or Capability.REPORT_POLL in gateway.capabilities
    assert bool(fired[EVENT_DELIVERY_REPORT]) == reported, fired
    if not ports:  # a platform: no port anywhere
        assert {p for found in fired.values() for p in found} <= {None}
        return
    received = mode == RECEIVE_PUSH or Capability.INBOX_POLL in gateway.capabilities
    assert len(fired[EVENT_SMS_RECEIVED]) == received
    assert set(fired[EVENT_SMS_RECEIVED]) <= set(ports)
    assert set(fired[EVENT_DELIVERY_REPORT]) <= {port}
    assert set(fired[EVENT_USSD_REPLY]) <= {port}
    assert {p for p in fired[EVENT_PORT_EVENT] if p is not None} <= set(ports)


def test_openvox_port_names_are_read_as_their_numbers() -> None:
    """`gsm-1`, `lte-16` (the document's examples): the number; anything else
    as it is."""
    assert [port_of_name(name) for name in ("gsm-1", "lte-16", "GSM-2", "16")] == [
        "1",
        "16",
        "2",
        "16",
    ]
    assert port_of_name("trunk a") == "trunk a"
    assert port_of_name(None) is None

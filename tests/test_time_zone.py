"""The gateway's time zone: the times a gateway gives without a zone are read in
the zone of the entry's option (default: Home Assistant's), pushed or polled.

Most of these gateways and platforms keep China's time (UTC+8) whatever zone
Home Assistant is in: without the option, every SMS and report would be hours
off.
"""

from __future__ import annotations

import json
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
    CONF_TIME_ZONE,
    DOMAIN,
    EVENT_SMS_RECEIVED,
    RECEIVE_POLL,
    RECEIVE_PUSH,
)
from custom_components.sms_gateway.gateways.models import Capability
from simulator.dinstar import DinstarSimulator

from .conftest import WEBHOOK_ID, loaded, next_poll, set_options
from .vendors import VENDORS

GATEWAY_CLOCK = "2026-06-01 12:00:00"  # as the gateway writes it, in UTC+8


@pytest.mark.parametrize("mode", [RECEIVE_PUSH, RECEIVE_POLL])
@pytest.mark.parametrize(
    "vendor", sorted(name for name, case in VENDORS.items() if case.receives)
)
@pytest.mark.parametrize(
    ("zone", "utc"),
    [
        ("Asia/Shanghai", "2026-06-01T04:00:00+00:00"),
        (None, "2026-06-01T10:00:00+00:00"),  # Home Assistant's: Berlin, summer
    ],
)
async def test_times_without_a_zone_are_read_in_the_gateways(
    hass: HomeAssistant,
    socket_enabled: None,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    vendor: str,
    mode: str,
    zone: str | None,
    utc: str,
) -> None:
    await hass.config.async_set_time_zone("Europe/Berlin")
    case = VENDORS[vendor]
    sim: Any = case.simulator(4)
    await sim.start()
    entry = MockConfigEntry(domain=DOMAIN, title=vendor, data=case.data(sim))
    received = async_capture_events(hass, EVENT_SMS_RECEIVED)
    try:
        async with loaded(hass, entry):
            if mode == RECEIVE_POLL:
                if Capability.INBOX_POLL not in entry.runtime_data.gateway.capabilities:
                    pytest.skip("the vendor's SMS are pushed only")
                await set_options(hass, entry, **{CONF_RECEIVE_MODE: RECEIVE_POLL})
                await next_poll(hass, freezer)  # the inbox's baseline
            else:
                client = await hass_client_no_auth()
                sim.point_pushes(str(client.make_url(f"/api/webhook/{WEBHOOK_ID}")))
            if zone:
                await set_options(hass, entry, **{CONF_TIME_ZONE: zone})
            await sim.receive(0, "13800000001", "what time is it", when=GATEWAY_CLOCK)
            await next_poll(hass, freezer)
    finally:
        await sim.stop()
    assert [e.data["timestamp"] for e in received] == [utc]


async def test_a_zone_that_is_no_zone_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    flow = await hass.config_entries.options.async_init(init_integration.entry_id)
    with pytest.raises(Exception, match="time_zone"):
        await hass.config_entries.options.async_configure(
            flow["flow_id"], {**init_integration.options, CONF_TIME_ZONE: "Mars/Base"}
        )


async def test_call_records_are_asked_for_in_the_gateways_time(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    """Home Assistant's 10:00 in Berlin (summer) is 16:00 on a UTC+8 clock."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    await set_options(hass, dinstar, **{CONF_TIME_ZONE: "Asia/Shanghai"})
    dinstar_sim.recording = []
    await hass.services.async_call(
        DOMAIN,
        "get_call_records",
        {"start": "2026-06-01 10:00:00", "end": "2026-06-01T03:00:00+00:00"},
        blocking=True,
        return_response=True,
    )
    [(_, path, _, body)] = dinstar_sim.recording
    assert path == "/api/get_cdr"
    assert json.loads(body) == {
        "time_after": "2026-06-01 16:00:00",
        "time_before": "2026-06-01 11:00:00",
    }

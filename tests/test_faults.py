"""Faults, for every vendor: entities go unavailable within one poll, come back
within one poll after the fault clears, and a send during the fault raises a
translated error and reports no success.
"""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sms_gateway.const import DOMAIN
from simulator import SIMULATORS

from . import test_cloud_467890, test_cloud_apiv1, test_openvox
from .conftest import PASSWORD, dinstar_data, goip_data, next_poll

# vendor -> (the simulator's account, the entry's data for a simulator)
VENDORS: dict[str, tuple[tuple[str, str], Any]] = {
    "goip": (("admin", PASSWORD), goip_data),
    "dinstar": (("admin", PASSWORD), dinstar_data),
    "openvox": (("admin", PASSWORD), test_openvox.openvox_data),
    "cloud_467890": (
        (test_cloud_467890.UID, test_cloud_467890.PWD),
        test_cloud_467890.data,
    ),
    "cloud_apiv1": (
        (test_cloud_apiv1.ACCOUNT, test_cloud_apiv1.PWD),
        test_cloud_apiv1.data,
    ),
}


# A hanging gateway ("timeout") is tested apart (client and set-up tests): with
# the frozen clock of these polls, its timeout needs its own timer firing.
@pytest.mark.parametrize("fault", ["http500", "malformed", "reset"])
@pytest.mark.parametrize("vendor", sorted(VENDORS))
async def test_a_fault_and_its_end(
    hass: HomeAssistant,
    socket_enabled: None,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
    vendor: str,
    fault: str,
) -> None:
    (username, password), data = VENDORS[vendor]
    sim = SIMULATORS[vendor](username=username, password=password)
    await sim.start()
    try:
        entry = MockConfigEntry(domain=DOMAIN, title=vendor, data=data(sim))
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        sensors = [
            e.entity_id
            for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
            if e.domain == "sensor" and not e.disabled
        ]
        assert sensors
        assert all(hass.states.get(s).state != STATE_UNAVAILABLE for s in sensors)

        sim.fault = fault
        await next_poll(hass, freezer)
        assert all(hass.states.get(s).state == STATE_UNAVAILABLE for s in sensors)
        with pytest.raises(HomeAssistantError) as err:
            await hass.services.async_call(
                DOMAIN,
                "send_sms",
                {"recipients": "13600000000", "message": "x"},
                blocking=True,
            )
        assert err.value.translation_key in ("cannot_connect", "unexpected_answer")

        sim.fault = None
        await next_poll(hass, freezer)
        assert all(hass.states.get(s).state != STATE_UNAVAILABLE for s in sensors)
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()

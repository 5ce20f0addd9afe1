"""An incoming SMS without a usable time, for every vendor that receives SMS.

The rule (inbound.UNTIMED_WINDOW, the README's Reliability section): an SMS
whose time is missing, or one no reader takes, is told apart by port, sender
and text only, and for two minutes. The gateway pushing it again within them
fires nothing more; the same text from the same sender after them is a new
SMS ("ON" sent twice) and fires again. An SMS with a time is told apart by it
for seven days, as before.
"""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sms_gateway.const import EVENT_SMS_RECEIVED
from custom_components.sms_gateway.inbound import UNTIMED_WINDOW
from simulator.base import Simulator

from .conftest import WEBHOOK_ID
from .vendors import VENDORS

RECEIVING = sorted(name for name, vendor in VENDORS.items() if vendor.receives)


@pytest.mark.parametrize("vendor_sim", RECEIVING, indirect=True)
@pytest.mark.parametrize(
    "when",
    [None, "01/12/2026 10:30 AM"],
    ids=["no time", "a time no reader takes"],
)
async def test_an_sms_without_a_usable_time(
    hass: HomeAssistant,
    vendor_sim: Simulator,
    vendor_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    when: str | None,
) -> None:
    """Pushed again within the window: once. Sent again after it: twice."""
    client = await hass_client_no_auth()
    vendor_sim.point_pushes(str(client.make_url(f"/api/webhook/{WEBHOOK_ID}")))
    received = async_capture_events(hass, EVENT_SMS_RECEIVED)
    await vendor_sim.receive(0, "13800000001", "ON", when)
    await hass.async_block_till_done()
    assert [e.data["timestamp"] is not None for e in received] == [True]
    freezer.tick(timedelta(seconds=UNTIMED_WINDOW - 10))
    assert await vendor_sim.replay() == 1  # the same push, made again
    await hass.async_block_till_done()
    assert len(received) == 1
    freezer.tick(timedelta(seconds=20))
    await vendor_sim.receive(0, "13800000001", "ON", when)
    await hass.async_block_till_done()
    assert [e.data["text"] for e in received] == ["ON", "ON"]


@pytest.mark.parametrize("vendor_sim", RECEIVING, indirect=True)
async def test_an_iso_time_without_seconds_is_read(
    hass: HomeAssistant,
    vendor_sim: Simulator,
    vendor_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """`2026-12-01T10:30` is a time: the SMS is told apart by it for good."""
    client = await hass_client_no_auth()
    vendor_sim.point_pushes(str(client.make_url(f"/api/webhook/{WEBHOOK_ID}")))
    received = async_capture_events(hass, EVENT_SMS_RECEIVED)
    await vendor_sim.receive(0, "13800000001", "ON", "2026-12-01T10:30")
    await hass.async_block_till_done()
    freezer.tick(timedelta(hours=1))
    assert await vendor_sim.replay() == 1
    await hass.async_block_till_done()
    assert len(received) == 1
    assert received[0].data["timestamp"].startswith("2026-12-01T")

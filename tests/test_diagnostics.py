"""Diagnostics are complete and redacted."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.sms_gateway.const import CONF_DEFAULT_RECIPIENTS
from simulator.goip import GoipSimulator

from .conftest import PASSWORD, WEBHOOK_ID


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    goip_sim: GoipSimulator,
    mock_config_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, options={CONF_DEFAULT_RECIPIENTS: "+8613600000000"}
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    await hass.services.async_call(
        "sms_gateway",
        "send_sms",
        {"recipients": "13699999999", "message": "x"},
        blocking=True,
    )
    result = await get_diagnostics_for_config_entry(
        hass, hass_client, mock_config_entry
    )
    text = json.dumps(result)
    for secret in (PASSWORD, WEBHOOK_ID, "13600000000", "13699999999", "admin"):
        assert secret not in text
    assert result == snapshot(exclude=props("port"))
    await hass.config_entries.async_unload(mock_config_entry.entry_id)

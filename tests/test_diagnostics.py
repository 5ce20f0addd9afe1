"""Diagnostics are complete and redacted."""

from __future__ import annotations

import hashlib
import json

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.sms_gateway.const import CONF_DEFAULT_RECIPIENTS, DOMAIN
from custom_components.sms_gateway.gateways import GATEWAYS
from custom_components.sms_gateway.gateways.base import FieldKind
from simulator.goip import GoipSimulator

from .conftest import PASSWORD, WEBHOOK_ID, loaded
from .vendors import CLOUD_ACCOUNT, VENDORS


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


@pytest.mark.parametrize("vendor", sorted(VENDORS))
async def test_no_secret_in_any_vendors_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    socket_enabled: None,
    vendor: str,
) -> None:
    """Passwords and their md5 forms, tokens, accounts, webhook and cloudhook."""
    case = VENDORS[vendor]
    sim = case.simulator(2)
    await sim.start()
    cloudhook = f"https://hooks.nabu.casa/{WEBHOOK_ID}-cloud"
    data = case.data(sim) | {"cloudhook_url": cloudhook}
    # optional accounts the vendor asks for (OpenVox: the USSD page's)
    for field in GATEWAYS[vendor].config_fields:
        if field.key not in data and field.kind in (FieldKind.TEXT, FieldKind.PASSWORD):
            data[field.key] = f"{field.key}-secret"
    entry = MockConfigEntry(domain=DOMAIN, title=vendor, data=data)
    try:
        async with loaded(hass, entry):
            await hass.services.async_call(
                DOMAIN,
                "send_sms",
                {"recipients": "13699999999", "message": "x"},
                blocking=True,
            )
            text = json.dumps(
                await get_diagnostics_for_config_entry(hass, hass_client, entry)
            )
    finally:
        await sim.stop()
    secrets = {
        PASSWORD,
        hashlib.md5(PASSWORD.encode()).hexdigest(),
        hashlib.md5(f"{PASSWORD}-admin".encode()).hexdigest(),
        WEBHOOK_ID,
        cloudhook,
        CLOUD_ACCOUNT,
        *(f"{field.key}-secret" for field in GATEWAYS[vendor].config_fields),
        "13699999999",
        *getattr(sim, "issued", []),
    }
    assert not [secret for secret in secrets if secret in text]
    assert f'"vendor": "{vendor}"' in text

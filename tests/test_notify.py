"""`notify.<entry title>` and the notify entity for the default recipients."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sms_gateway.const import (
    CONF_DEFAULT_PORT,
    CONF_DEFAULT_RECIPIENTS,
)
from simulator.goip import GoipSimulator


async def setup(hass: HomeAssistant, entry: MockConfigEntry, **options: str) -> None:
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options=options)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_legacy_service_with_targets_and_line(
    hass: HomeAssistant, goip_sim: GoipSimulator, init_integration: MockConfigEntry
) -> None:
    await hass.services.async_call(
        "notify",
        "goip_sms_server",
        {
            "message": "hi",
            "target": ["13600000000", "13611111111"],
            "data": {"line": "G102"},
        },
        blocking=True,
    )
    await goip_sim.advance()
    assert [(s.number, s.goip_line) for s in goip_sim.tasks["5689"]] == [
        ("13600000000", "G102"),
        ("13611111111", "G102"),
    ]


async def test_legacy_service_with_a_provider_group(
    hass: HomeAssistant, goip_sim: GoipSimulator, mock_config_entry: MockConfigEntry
) -> None:
    """`data.provider`, as `send_sms` takes it: the group's line sends, not the
    default port."""
    goip_sim.set_line("G104", provider="联通")
    await setup(hass, mock_config_entry, **{CONF_DEFAULT_PORT: "G103"})
    await hass.services.async_call(
        "notify",
        "goip_sms_server",
        {"message": "hi", "target": "13600000000", "data": {"provider": "联通"}},
        blocking=True,
    )
    await goip_sim.advance()
    assert [(s.number, s.goip_line) for s in goip_sim.tasks["5689"]] == [
        ("13600000000", "G104")
    ]
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_legacy_service_falls_back_to_the_defaults(
    hass: HomeAssistant, goip_sim: GoipSimulator, mock_config_entry: MockConfigEntry
) -> None:
    await setup(
        hass,
        mock_config_entry,
        **{CONF_DEFAULT_RECIPIENTS: "13600000000", CONF_DEFAULT_PORT: "G103"},
    )
    await hass.services.async_call(
        "notify", "goip_sms_server", {"message": "hi"}, blocking=True
    )
    await goip_sim.advance()
    assert [(s.number, s.goip_line) for s in goip_sim.tasks["5689"]] == [
        ("13600000000", "G103")
    ]
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_legacy_service_without_any_recipient(
    hass: HomeAssistant, goip_sim: GoipSimulator, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "notify", "goip_sms_server", {"message": "hi"}, blocking=True
        )
    assert err.value.translation_key == "no_recipients"


async def test_notify_entity_sends_to_the_default_recipients(
    hass: HomeAssistant, goip_sim: GoipSimulator, mock_config_entry: MockConfigEntry
) -> None:
    await setup(
        hass, mock_config_entry, **{CONF_DEFAULT_RECIPIENTS: "13600000000,13611111111"}
    )
    await hass.services.async_call(
        "notify",
        "send_message",
        {
            "entity_id": "notify.goip_sms_server_sms_to_default_recipients",
            "title": "Alarm",
            "message": "Door open",
        },
        blocking=True,
    )
    assert goip_sim.tasks["5689"][1].number == "13611111111"
    assert goip_sim.state()["tasks"]["5689"][0]["taskID"] == "5689.13600000000"
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_notify_entity_without_default_recipients(
    hass: HomeAssistant, goip_sim: GoipSimulator, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "notify",
            "send_message",
            {
                "entity_id": "notify.goip_sms_server_sms_to_default_recipients",
                "message": "x",
            },
            blocking=True,
        )
    assert err.value.translation_key == "no_default_recipients"
    assert goip_sim.tasks == {}


async def test_legacy_platform_ignores_yaml_and_unknown_entries(
    hass: HomeAssistant,
) -> None:
    from custom_components.sms_gateway.notify import async_get_service

    assert await async_get_service(hass, {}, None) is None
    assert await async_get_service(hass, {}, {"entry_id": "gone"}) is None

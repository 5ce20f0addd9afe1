"""SMS Gateway: SMS gateways and SMS platforms in Home Assistant."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from homeassistant.const import CONF_VERIFY_SSL, CONF_WEBHOOK_ID, Platform
from homeassistant.core import CoreState, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    discovery,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import dt as dt_util

from .compat import reload_after_options
from .const import (
    CONF_CLOUDHOOK_URL,
    CONF_KEEP_DAYS,
    CONF_KEEP_MESSAGES,
    CONF_TIME_ZONE,
    CONF_VENDOR,
    DOMAIN,
)
from .coordinator import (
    SmsGatewayConfigEntry,
    SmsGatewayCoordinator,
    SmsGatewayData,
    port_identifier,
)
from .entity import gateway_device_info
from .gateways import GATEWAYS
from .history import DEFAULT_KEEP_DAYS, DEFAULT_KEEP_MESSAGES, Retention
from .inbound import Inbound
from .panel import async_register_frontend
from .services import async_setup_services
from .webhook import (
    async_drain_held,
    async_register_webhook,
    async_register_webhooks,
    async_unregister_webhook,
    pushes_expected,
)
from .websocket import async_register_commands

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.NOTIFY,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

# Messages older than the retention go at each write, and at least this often.
PRUNE_INTERVAL = timedelta(hours=1)

# Entries set up in these states do not wait for the gateway's first answer.
STARTING = (CoreState.not_running, CoreState.starting)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions, and take every entry's pushes."""
    async_setup_services(hass)
    async_register_commands(hass)
    async_register_webhooks(hass)
    await async_register_frontend(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SmsGatewayConfigEntry) -> bool:
    """Connect to the gateway, then set up entities, webhook and notify service."""
    gateway = GATEWAYS[entry.data[CONF_VENDOR]](
        async_get_clientsession(hass, verify_ssl=entry.data.get(CONF_VERIFY_SSL, True)),
        entry.data,
    )
    inbound = Inbound(hass, entry.entry_id, gateway.vendor)
    inbound.normalize = gateway.normalize_recipient
    inbound.history.retention = Retention(
        entry.options.get(CONF_KEEP_DAYS, DEFAULT_KEEP_DAYS),
        entry.options.get(CONF_KEEP_MESSAGES, DEFAULT_KEEP_MESSAGES),
    )
    if zone := entry.options.get(CONF_TIME_ZONE):
        inbound.time_zone = await dt_util.async_get_time_zone(zone)
    await inbound.async_load()
    coordinator = SmsGatewayCoordinator(hass, entry, gateway, inbound)
    entry.runtime_data = SmsGatewayData(
        gateway=gateway, coordinator=coordinator, inbound=inbound
    )
    if hass.state in STARTING and coordinator.async_start_from(inbound.layout):
        # Home Assistant is starting: it does not wait for the gateway.
        entry.async_create_background_task(
            hass, coordinator.async_refresh(), f"{DOMAIN} first poll of {entry.title}"
        )
    else:
        try:
            await coordinator.async_config_entry_first_refresh()
        except (ConfigEntryNotReady, ConfigEntryAuthFailed):
            # Each retry logs in anew: give back what this try got (OpenVox's token).
            await gateway.async_close()
            raise
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **gateway_device_info(entry)
    )
    inbound.device_id = device.id
    entry.runtime_data.device = device

    @callback
    def refresh_soon() -> None:
        hass.async_create_task(coordinator.async_request_refresh(), eager_start=True)

    inbound.on_port_event = refresh_soon

    if pushes_expected(entry):
        async_register_webhook(hass, entry)  # with the options of this set-up
    else:
        async_unregister_webhook(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    hass.async_create_task(
        discovery.async_load_platform(
            hass,
            Platform.NOTIFY,
            DOMAIN,
            {"entry_id": entry.entry_id, "name": entry.title},
            {},
        ),
        eager_start=True,
    )
    reload_after_options(entry)

    @callback
    def prune(_: datetime) -> None:
        entry.async_create_background_task(
            hass, inbound.async_prune(), f"{DOMAIN} prune the history"
        )

    entry.async_on_unload(async_track_time_interval(hass, prune, PRUNE_INTERVAL))
    await async_drain_held(entry)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SmsGatewayConfigEntry) -> bool:
    """Unload entities and notify service; save what was seen; log out."""
    data = entry.runtime_data
    data.pushes_open = False  # held until the entry is loaded again
    data.inbound.pushes.flush()  # those taken before: to the entities still there
    if not await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        data.pushes_open = True
        return False
    if data.notify_service is not None:
        await data.notify_service.async_unregister_services()
    if not pushes_expected(entry):  # disabled: nothing is held for it
        async_unregister_webhook(hass, entry)
    await data.gateway.async_close()
    data.inbound.history.close()
    return True


async def async_remove_entry(hass: HomeAssistant, entry: SmsGatewayConfigEntry) -> None:
    """Delete the stored dedupe keys and sent messages, and any cloudhook."""
    if CONF_CLOUDHOOK_URL in entry.data and "cloud" in hass.config.components:
        from homeassistant.components import cloud

        with contextlib.suppress(cloud.CloudNotAvailable):
            await cloud.async_delete_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])
    async_unregister_webhook(hass, entry)
    await Inbound(hass, entry.entry_id, entry.data[CONF_VENDOR]).async_remove()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: SmsGatewayConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete the sub-device of a port the gateway no longer lists."""
    return (
        not any(
            port_identifier(entry.entry_id, port_id) in device.identifiers
            for port_id in entry.runtime_data.coordinator.data.ports
        )
        and (DOMAIN, entry.entry_id) not in device.identifiers
    )

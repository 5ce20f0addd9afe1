"""The one place that knows which Home Assistant version runs the integration.

The integration is written to the newest Home Assistant's API. Where the floor
(2025.4) lacks a piece of it, the stand-in below does the same with what the
floor has. Nothing else in the integration branches on the version.
"""

from __future__ import annotations

import inspect
import sys
from typing import TYPE_CHECKING, Any, cast

from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, storage

# Newer versions: a device belongs to one config entry, is found by an identifier
# within its entry, and points at its parent by the parent's device id.
SINGLE_ENTRY_DEVICES = hasattr(dr.DeviceRegistry, "async_get_device_by_identifier")

# Newer versions refuse a store written by a later version of its owner unless
# told how far it reads; the floor hands it to the owner's migration.
LATER_STORES_READABLE: dict[str, Any] = (
    {"max_readable_version": sys.maxsize}
    if "max_readable_version" in inspect.signature(storage.Store.__init__).parameters
    else {}
)

if TYPE_CHECKING:  # either version's class is an OptionsFlow
    OptionsFlowWithReload = config_entries.OptionsFlow

    RELOADS_AFTER_OPTIONS: bool
elif hasattr(config_entries, "OptionsFlowWithReload"):
    OptionsFlowWithReload = config_entries.OptionsFlowWithReload
    # Home Assistant reloads the entry once an options flow changed its options.
    RELOADS_AFTER_OPTIONS = True
else:  # Home Assistant < 2025.8
    OptionsFlowWithReload = config_entries.OptionsFlow
    RELOADS_AFTER_OPTIONS = False


def reload_after_options(entry: ConfigEntry[Any]) -> None:
    """Reload the entry when its options change, where the version does not."""
    if not RELOADS_AFTER_OPTIONS:
        entry.async_on_unload(entry.add_update_listener(_async_reload))


async def _async_reload(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    hass.config_entries.async_schedule_reload(entry.entry_id)


def via_device(parent: dr.DeviceEntry) -> dr.DeviceInfo:
    """The `DeviceInfo` item that shows a device under `parent`."""
    if SINGLE_ENTRY_DEVICES:
        return cast(dr.DeviceInfo, {"via_device_id": parent.id})
    return cast(dr.DeviceInfo, {"via_device": next(iter(parent.identifiers))})


def device_by_identifier(
    hass: HomeAssistant, identifier: tuple[str, str], entry_id: str
) -> dr.DeviceEntry | None:
    """The entry's device with this identifier."""
    registry = dr.async_get(hass)
    if SINGLE_ENTRY_DEVICES:
        return registry.async_get_device_by_identifier(  # type: ignore[attr-defined,no-any-return,unused-ignore]
            identifier, entry_id
        )
    device = registry.async_get_device(identifiers={identifier})
    return device if device and belongs_to(device, entry_id) else None


def belongs_to(device: dr.DeviceEntry, entry_id: str) -> bool:
    """Whether the device is the config entry's."""
    if SINGLE_ENTRY_DEVICES:
        return device.config_entry_id == entry_id  # type: ignore[attr-defined,no-any-return,unused-ignore]
    return entry_id in device.config_entries

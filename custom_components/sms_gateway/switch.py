"""Port switches: the module's power."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import (
    SwitchDeviceClass,
    SwitchEntity,
    SwitchEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SmsGatewayConfigEntry
from .entity import PortEntity, PortEntityDescription, async_add_port_entities
from .gateways.models import PortControl, PortField, Registration

PARALLEL_UPDATES = 1

POWER = PortEntityDescription(
    key="power",
    translation_key="power",
    field=PortField.REGISTRATION,
    control=PortControl.POWER,
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """A power switch for every port whose gateway can power it."""
    async_add_port_entities(entry, async_add_entities, [POWER], PowerSwitch)


class PowerSwitch(PortEntity, SwitchEntity):
    """The port's module is on unless it reports being powered off."""

    _attr_device_class = SwitchDeviceClass.SWITCH
    entity_description: SwitchEntityDescription

    @property
    def is_on(self) -> bool:
        """On unless powered off."""
        return self.port.registration is not Registration.POWER_OFF

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Power the module on."""
        await self._async_control(PortControl.POWER, "on")

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Power the module off."""
        await self._async_control(PortControl.POWER, "off")

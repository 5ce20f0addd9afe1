"""Port buttons: restart the module, block and unblock calls."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.button import (
    ButtonDeviceClass,
    ButtonEntity,
    ButtonEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SmsGatewayConfigEntry
from .entity import PortEntity, PortEntityDescription, async_add_port_entities
from .gateways.models import PortControl

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class PortButtonDescription(ButtonEntityDescription, PortEntityDescription):
    """A button that applies its `control` to the port."""

    control: PortControl


PORT_BUTTONS: tuple[PortButtonDescription, ...] = (
    PortButtonDescription(
        key="restart",
        control=PortControl.RESTART,
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
    ),
    PortButtonDescription(
        key="block",
        translation_key="block",
        control=PortControl.BLOCK,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
    ),
    PortButtonDescription(
        key="unblock",
        translation_key="unblock",
        control=PortControl.UNBLOCK,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The buttons of every port whose gateway offers their control."""
    async_add_port_entities(entry, async_add_entities, PORT_BUTTONS, PortButton)


class PortButton(PortEntity, ButtonEntity):
    """Applies a control to one port."""

    entity_description: PortButtonDescription

    async def async_press(self) -> None:
        """Apply the button's control."""
        await self._async_control(self.entity_description.control)

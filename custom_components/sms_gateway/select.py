"""Port selects: the SIM slot of a module with several."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SmsGatewayConfigEntry
from .entity import PortEntity, PortEntityDescription, async_add_port_entities
from .gateways.models import PortControl, PortField

PARALLEL_UPDATES = 1

SLOTS = ["0", "1", "2", "3"]

SLOT = PortEntityDescription(
    key="slot_select",
    translation_key="slot_select",
    field=PortField.SLOT,
    control=PortControl.SLOT,
    entity_category=EntityCategory.CONFIG,
    # Single-slot modules report no slot.
    exists_fn=lambda port: port.slot is not None,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """A slot select for every multi-slot port whose gateway can switch it."""
    async_add_port_entities(entry, async_add_entities, [SLOT], SlotSelect)


class SlotSelect(PortEntity, SelectEntity):
    """Which of the module's SIM slots is in use."""

    _attr_options = SLOTS

    @property
    def current_option(self) -> str | None:
        """The slot in use."""
        return None if self.port.slot is None else str(self.port.slot)

    async def async_select_option(self, option: str) -> None:
        """Switch to another slot."""
        await self._async_control(PortControl.SLOT, option)

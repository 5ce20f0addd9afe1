"""Per-port binary sensors: the port is connected to the gateway."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SmsGatewayConfigEntry
from .entity import PortEntity, async_add_port_entities
from .gateways.models import PortField, PortStatus

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PortBinarySensorDescription(BinarySensorEntityDescription):
    """A port binary sensor, created where the vendor reports `field`."""

    field: PortField
    is_on_fn: Callable[[PortStatus], bool | None]


PORT_BINARY_SENSORS: tuple[PortBinarySensorDescription, ...] = (
    PortBinarySensorDescription(
        key="online",
        translation_key="online",
        field=PortField.ONLINE,
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        is_on_fn=lambda port: port.online,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the binary sensors of every port the vendor reports them for."""
    coordinator = entry.runtime_data.coordinator
    fields = entry.runtime_data.gateway.port_fields
    descriptions = [d for d in PORT_BINARY_SENSORS if d.field in fields]
    async_add_port_entities(
        entry,
        async_add_entities,
        lambda port: (PortBinarySensor(coordinator, d, port) for d in descriptions),
    )


class PortBinarySensor(PortEntity, BinarySensorEntity):
    """A binary sensor of one port."""

    entity_description: PortBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """The port's state."""
        return self.entity_description.is_on_fn(self.port)

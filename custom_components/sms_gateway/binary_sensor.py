"""Per-port binary sensors: the port is connected to the gateway."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SmsGatewayConfigEntry
from .entity import PortEntity, PortEntityDescription, async_add_port_entities
from .gateways.models import PortField, PortStatus

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PortBinarySensorDescription(BinarySensorEntityDescription, PortEntityDescription):
    """A port binary sensor: where its state comes from."""

    is_on_fn: Callable[[PortStatus], bool | None]


PORT_BINARY_SENSORS: tuple[PortBinarySensorDescription, ...] = (
    PortBinarySensorDescription(
        key="online",
        translation_key="online",
        field=PortField.ONLINE,
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        is_on_fn=lambda port: port.online,
    ),
    PortBinarySensorDescription(
        key="sms_ready",
        translation_key="sms_ready",
        field=PortField.SMS_READY,
        is_on_fn=lambda port: port.sms_ready,
    ),
    PortBinarySensorDescription(
        key="data_attached",
        translation_key="data_attached",
        field=PortField.DATA_ATTACHED,
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        is_on_fn=lambda port: port.data_attached,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the binary sensors of every port the vendor reports them for."""
    async_add_port_entities(
        entry, async_add_entities, PORT_BINARY_SENSORS, PortBinarySensor
    )


class PortBinarySensor(PortEntity, BinarySensorEntity):
    """A binary sensor of one port."""

    entity_description: PortBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """The port's state."""
        return self.entity_description.is_on_fn(self.port)

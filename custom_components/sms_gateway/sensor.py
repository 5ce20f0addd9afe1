"""Per-port sensors: registration and remaining SMS allowances."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SmsGatewayConfigEntry
from .entity import PortEntity, PortEntityDescription, async_add_port_entities
from .gateways.models import PortField, PortStatus, Registration

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PortSensorDescription(SensorEntityDescription, PortEntityDescription):
    """A port sensor: where its value comes from."""

    value_fn: Callable[[PortStatus], str | int | None]


PORT_SENSORS: tuple[PortSensorDescription, ...] = (
    PortSensorDescription(
        key="registration",
        translation_key="registration",
        field=PortField.REGISTRATION,
        device_class=SensorDeviceClass.ENUM,
        options=[registration.value for registration in Registration],
        value_fn=lambda port: port.registration.value,
    ),
    PortSensorDescription(
        key="remaining_sms",
        translation_key="remaining_sms",
        field=PortField.REMAINING_SMS,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda port: port.remaining_sms,
    ),
    PortSensorDescription(
        key="remaining_sms_today",
        translation_key="remaining_sms_today",
        field=PortField.REMAINING_SMS_TODAY,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda port: port.remaining_sms_today,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the sensors of every port the vendor reports them for."""
    async_add_port_entities(entry, async_add_entities, PORT_SENSORS, PortSensor)


class PortSensor(PortEntity, SensorEntity):
    """A sensor of one port."""

    entity_description: PortSensorDescription

    @property
    def native_value(self) -> str | int | None:
        """The port's value; None (unknown) where the vendor says unlimited."""
        return self.entity_description.value_fn(self.port)

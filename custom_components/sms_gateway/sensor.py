"""Sensors: per port (registration, signal, allowances, SIM) and per gateway."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SmsGatewayConfigEntry
from .counters import CounterSensor, PortCounterSensor, UnreadSensor
from .entity import (
    PortEntity,
    PortEntityDescription,
    SmsGatewayEntity,
    async_add_port_entities,
)
from .gateways.models import (
    CallState,
    Capability,
    GatewayField,
    GatewayStatus,
    PortField,
    PortStatus,
    Registration,
)
from .history import COUNTERS

PARALLEL_UPDATES = 0

type Value = str | int | float | None


def asu_to_dbm(asu: int | None) -> int | None:
    """GSM signal 0-31 (ASU) in dBm: -113 dBm or less up to -51 dBm or more."""
    return None if asu is None else -113 + 2 * asu


@dataclass(frozen=True, kw_only=True)
class PortSensorDescription(SensorEntityDescription, PortEntityDescription):
    """A port sensor: where its value comes from."""

    value_fn: Callable[[PortStatus], Value]


def _as_is(field: PortField, **description: Any) -> PortSensorDescription:
    """A sensor that shows the port's field as it is."""
    return PortSensorDescription(
        key=field.value,
        translation_key=field.value,
        field=field,
        value_fn=lambda port: getattr(port, field.value),
        **description,
    )


def _diagnostic(field: PortField) -> PortSensorDescription:
    """A diagnostic identifier, disabled by default."""
    return _as_is(
        field,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    )


def _count(field: PortField, enabled: bool = True) -> PortSensorDescription:
    """A remaining allowance: None (unknown) where the vendor says unlimited."""
    return _as_is(
        field,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=enabled,
    )


def _credit(field: PortField, enabled: bool = True) -> PortSensorDescription:
    """A port's call credit, shown as the gateway gives it (`1000.00`).

    The document says "call balance" and no unit (the gateway's own rates
    decide it): none is claimed.
    """
    return _as_is(
        field,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=enabled,
        suggested_display_precision=2,
    )


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
        key="signal",
        translation_key="signal",
        field=PortField.SIGNAL,
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda port: asu_to_dbm(port.signal),
    ),
    PortSensorDescription(
        key="call_state",
        translation_key="call_state",
        field=PortField.CALL_STATE,
        device_class=SensorDeviceClass.ENUM,
        entity_category=EntityCategory.DIAGNOSTIC,
        options=[state.value for state in CallState],
        value_fn=lambda port: port.call_state.value if port.call_state else None,
    ),
    _count(PortField.REMAINING_SMS),
    _count(PortField.REMAINING_SMS_TODAY),
    _credit(PortField.REMAINING_CREDIT),
    _credit(PortField.REMAINING_MONTHLY_CREDIT, enabled=False),
    _credit(PortField.REMAINING_DAILY_CREDIT, enabled=False),
    _count(PortField.REMAINING_DAILY_CALLS, enabled=False),
    _count(PortField.REMAINING_HOURLY_CALLS, enabled=False),
    _count(PortField.REMAINING_DAILY_CONNECTS, enabled=False),
    _as_is(PortField.SIM_STATUS, entity_category=EntityCategory.DIAGNOSTIC),
    _diagnostic(PortField.NETWORK_TYPE),
    _diagnostic(PortField.NUMBER),
    _diagnostic(PortField.IMEI),
    _diagnostic(PortField.IMSI),
    _diagnostic(PortField.ICCID),
    _diagnostic(PortField.SLOT),
    _diagnostic(PortField.SMSC),
)


@dataclass(frozen=True, kw_only=True)
class GatewaySensorDescription(SensorEntityDescription):
    """A gateway sensor, created where the vendor reports `field`."""

    field: GatewayField
    value_fn: Callable[[GatewayStatus], Value]
    # Values that cost an extra request, made only while such a sensor is enabled.
    needs_performance: bool = False
    # A sum in the account's currency (Home Assistant's own, which users set).
    in_currency: bool = False


def _performance(field: GatewayField) -> GatewaySensorDescription:
    """A share of CPU, memory or flash in use (diagnostic, disabled by default)."""
    return GatewaySensorDescription(
        key=field.value,
        translation_key=field.value,
        field=field,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        needs_performance=True,
        value_fn=lambda status: (
            getattr(status.performance, field.value) if status.performance else None
        ),
    )


GATEWAY_SENSORS: tuple[GatewaySensorDescription, ...] = (
    GatewaySensorDescription(
        key="queue_depth",
        translation_key="queue_depth",
        field=GatewayField.QUEUE_DEPTH,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda status: status.queue_depth,
    ),
    GatewaySensorDescription(
        key="balance",
        translation_key="balance",
        field=GatewayField.BALANCE,
        device_class=SensorDeviceClass.MONETARY,
        in_currency=True,
        value_fn=lambda status: status.balance,
    ),
    GatewaySensorDescription(
        key="payment",
        translation_key="payment",
        field=GatewayField.PAYMENT,
        device_class=SensorDeviceClass.ENUM,
        options=["prepaid", "postpaid"],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda status: status.payment,
    ),
    _performance(GatewayField.CPU_USED),
    _performance(GatewayField.MEMORY_USED),
    _performance(GatewayField.FLASH_USED),
)


# The message history's (`counters`).
UNREAD = SensorEntityDescription(
    key="unread_sms",
    translation_key="unread_sms",
    state_class=SensorStateClass.MEASUREMENT,
)
GATEWAY_COUNTERS = tuple(
    SensorEntityDescription(
        key=f"sms_{name}",
        translation_key=f"sms_{name}",
        state_class=SensorStateClass.TOTAL_INCREASING,
    )
    for name in COUNTERS
)


@dataclass(frozen=True, kw_only=True)
class PortCounterDescription(SensorEntityDescription, PortEntityDescription):
    """A counter of one port."""


PORT_COUNTERS = tuple(
    PortCounterDescription(
        key=f"sms_{name}",
        translation_key=f"sms_{name}",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,  # 4 a port: the gateway's first
    )
    for name in COUNTERS
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the sensors the vendor reports values for."""
    gateway = entry.runtime_data.gateway
    registrations = [r.value for r in Registration if r in gateway.registration_states]
    port_sensors = [
        replace(d, options=registrations) if d.field is PortField.REGISTRATION else d
        for d in PORT_SENSORS
    ]
    async_add_port_entities(entry, async_add_entities, port_sensors, PortSensor)
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        GatewaySensor(coordinator, description)
        for description in GATEWAY_SENSORS
        if description.field in gateway.gateway_fields
    )
    async_add_entities(
        [
            UnreadSensor(coordinator, UNREAD),
            *(CounterSensor(coordinator, d) for d in GATEWAY_COUNTERS),
        ]
    )
    if Capability.PORTS in gateway.capabilities:
        async_add_port_entities(
            entry, async_add_entities, PORT_COUNTERS, PortCounterSensor
        )


class PortSensor(PortEntity, SensorEntity):
    """A sensor of one port."""

    entity_description: PortSensorDescription

    @property
    def native_value(self) -> Value:
        """The port's value."""
        return self.entity_description.value_fn(self.port)


class GatewaySensor(SmsGatewayEntity, SensorEntity):
    """A sensor of the gateway."""

    entity_description: GatewaySensorDescription

    @property
    def native_value(self) -> Value:
        """The gateway's value."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def native_unit_of_measurement(self) -> str | None:
        """The currency of Home Assistant for a sum, else the description's unit."""
        if self.entity_description.in_currency:
            return self.hass.config.currency
        return super().native_unit_of_measurement

    async def async_added_to_hass(self) -> None:
        """Have the coordinator ask for what this sensor shows."""
        await super().async_added_to_hass()
        if not self.entity_description.needs_performance:
            return
        coordinator = self.coordinator
        coordinator.performance_listeners += 1

        def stop_asking() -> None:
            coordinator.performance_listeners -= 1

        self.async_on_remove(stop_asking)
        if coordinator.performance_listeners == 1:
            await coordinator.async_request_refresh()

"""Base entities: the gateway device and one sub-device per port."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .compat import via_device
from .const import DOMAIN
from .coordinator import SmsGatewayConfigEntry, SmsGatewayCoordinator, port_identifier
from .errors import translate_errors
from .gateways import Gateway
from .gateways.models import Capability, PortControl, PortField, PortStatus


@dataclass(frozen=True, kw_only=True)
class PortEntityDescription(EntityDescription):
    """A port entity, where the gateway supports it and the port has it.

    Supported: the vendor reports `field` and offers `control` (either may be
    left out); the port has it: `exists_fn`.
    """

    field: PortField | None = None
    control: PortControl | None = None
    exists_fn: Callable[[PortStatus], bool] = lambda _: True

    def supported(self, gateway: Gateway) -> bool:
        """Whether the gateway reports the field and offers the control."""
        return (self.field is None or self.field in gateway.port_fields) and (
            self.control is None or self.control in gateway.port_controls
        )


def gateway_device_info(entry: SmsGatewayConfigEntry) -> DeviceInfo:
    """The gateway's own device."""
    info = entry.runtime_data.coordinator.info
    ports = Capability.PORTS in entry.runtime_data.gateway.capabilities
    return DeviceInfo(
        # A platform without ports is a service, not a box on the network.
        entry_type=None if ports else DeviceEntryType.SERVICE,
        identifiers={(DOMAIN, entry.entry_id)},
        manufacturer=info.manufacturer,
        model=info.model,
        name=entry.title,
        serial_number=info.serial,
        sw_version=info.firmware,
    )


class SmsGatewayEntity(CoordinatorEntity[SmsGatewayCoordinator]):
    """An entity of the gateway device."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: SmsGatewayCoordinator, description: EntityDescription
    ) -> None:
        """Attach to the gateway device."""
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = gateway_device_info(entry)


class PortEntity(CoordinatorEntity[SmsGatewayCoordinator]):
    """An entity of one port's sub-device; unavailable while the port is absent."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: SmsGatewayCoordinator,
        description: EntityDescription,
        port: PortStatus,
    ) -> None:
        """Attach to the port's sub-device, shown via the gateway."""
        super().__init__(coordinator)
        self.entity_description = description
        self.port_id = port.port_id
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.entry_id}_{port.port_id}_{description.key}"
        gateway = entry.runtime_data.device
        assert gateway is not None  # registered before the platforms are set up
        self._attr_device_info = DeviceInfo(
            identifiers={port_identifier(entry.entry_id, port.port_id)},
            name=f"{entry.title} {port.name}",
            manufacturer=coordinator.info.manufacturer,
            model=f"{coordinator.info.model} port",
            **via_device(gateway),
        )

    @property
    def port(self) -> PortStatus:
        """The port's latest state."""
        return self.coordinator.data.ports[self.port_id]

    @property
    def available(self) -> bool:
        """Available while the gateway answers and still lists the port."""
        return super().available and self.port_id in self.coordinator.data.ports

    async def _async_control(
        self, control: PortControl, value: str | None = None
    ) -> None:
        """Apply a control to the port; the entities follow at once."""
        entry = self.coordinator.config_entry
        with translate_errors(reauth=(self.hass, entry)):
            await entry.runtime_data.gateway.async_control_port(
                self.port_id, control, value
            )
        await self.coordinator.async_request_refresh()


@callback
def async_add_port_entities[_DescriptionT: PortEntityDescription](
    entry: SmsGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Sequence[_DescriptionT],
    entity_class: Callable[[SmsGatewayCoordinator, _DescriptionT, PortStatus], Entity],
) -> None:
    """Add each port's entities, for the fields the vendor reports.

    Ports that appear later get theirs at the poll that first lists them.
    """
    coordinator = entry.runtime_data.coordinator
    gateway = entry.runtime_data.gateway
    supported = [d for d in descriptions if d.supported(gateway)]
    known: set[str] = set()

    @callback
    def add_new_ports() -> None:
        ports = coordinator.data.ports
        # a port briefly absent keeps its entities (unavailable) until it is gone
        known.intersection_update({*ports, *coordinator.absent_ports})
        new = [port for port_id, port in ports.items() if port_id not in known]
        known.update(port.port_id for port in new)
        if entities := [
            entity_class(coordinator, description, port)
            for port in new
            for description in supported
            if description.exists_fn(port)
        ]:
            async_add_entities(entities)

    add_new_ports()
    entry.async_on_unload(coordinator.async_add_listener(add_new_ports))

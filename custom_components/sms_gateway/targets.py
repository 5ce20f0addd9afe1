"""Which gateway, and which port, an action is meant for."""

from __future__ import annotations

from typing import cast

from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr

from .compat import belongs_to
from .const import ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID, ATTR_PORT, DOMAIN
from .coordinator import SmsGatewayConfigEntry, port_identifier
from .gateways.models import Capability, PortControl, PortStatus


def invalid(key: str, **placeholders: str) -> ServiceValidationError:
    """A translated refusal of an action's input."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


# What an action or a send's option may ask of a gateway that lacks it; each is
# refused with a message of its own ("unsupported_<value>"), in words, not the
# capability's internal name.
REFUSABLE: tuple[Capability | PortControl, ...] = (
    Capability.USSD,
    Capability.STK,
    Capability.CALL_FORWARDING,
    Capability.CALL_RECORDS,
    Capability.CANCEL,
    Capability.PROVIDER_ROUTING,
    Capability.CHOOSE_ENCODING,
    Capability.CHOOSE_DELIVERY_REPORT,
    Capability.EXTENSION,
    Capability.TEXT_PARAMS,
    Capability.SEVERAL_PORTS,
    PortControl.LOCK_SIM,
    PortControl.UNLOCK_SIM,
    PortControl.SET_NUMBER,
)


def unsupported(capability: Capability | PortControl) -> ServiceValidationError:
    """The gateway cannot do `capability` (one of `REFUSABLE`)."""
    return invalid(f"unsupported_{capability.value}")


def require(entry: SmsGatewayConfigEntry, capability: Capability | PortControl) -> None:
    """Refuse an action the entry's gateway cannot do."""
    gateway = entry.runtime_data.gateway
    if capability not in (*gateway.capabilities, *gateway.port_controls):
        raise unsupported(capability)


def resolve_target(
    hass: HomeAssistant, call: ServiceCall
) -> tuple[SmsGatewayConfigEntry, str | None]:
    """The loaded entry of a gateway or port device, and the port it stands for.

    Or the entry of `config_entry_id`; without either, the only loaded gateway.
    """
    entries = cast(
        list[SmsGatewayConfigEntry], hass.config_entries.async_loaded_entries(DOMAIN)
    )
    device_id = call.data.get(ATTR_DEVICE_ID)
    if (entry_id := call.data.get(ATTR_CONFIG_ENTRY_ID)) is not None:
        if device_id is not None:
            raise invalid("device_or_entry")
        for entry in entries:
            if entry.entry_id == entry_id:
                return entry, None
        raise invalid("unknown_entry")
    if device_id is None:
        if len(entries) == 1:
            return entries[0], None
        raise invalid("device_required" if entries else "not_loaded")
    # Newer versions also hold child devices, which are never ours.
    device = dr.async_get(hass).async_get(device_id)
    if isinstance(device, dr.DeviceEntry):
        for entry in entries:
            if not belongs_to(device, entry.entry_id):
                continue
            prefix = port_identifier(entry.entry_id, "")[1]
            ports = [
                identifier[len(prefix) :]
                for domain, identifier in device.identifiers
                if domain == DOMAIN and identifier.startswith(prefix)
            ]
            return entry, next(iter(ports), None)
    raise invalid("unknown_device")


def resolve_port(
    hass: HomeAssistant, call: ServiceCall, capability: Capability | PortControl
) -> tuple[SmsGatewayConfigEntry, str]:
    """The entry and the port an action on one port is meant for."""
    entry, device_port = resolve_target(hass, call)
    require(entry, capability)
    if (port := call.data.get(ATTR_PORT, device_port)) is None:
        raise invalid("port_required")
    current_port(entry, port)
    return entry, port


def current_port(entry: SmsGatewayConfigEntry, port: str) -> PortStatus:
    """The port's latest state.

    Refused where the gateway has no such port, or left it out of its latest
    answers (it may come back).
    """
    coordinator = entry.runtime_data.coordinator
    if (status := coordinator.data.ports.get(port)) is not None:
        return status
    if port in coordinator.absent_ports:
        raise invalid("port_missing", port=port)
    raise invalid("unknown_port", port=port)

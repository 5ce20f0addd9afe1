"""Integration actions: `sms_gateway.send_sms` and `sms_gateway.cancel_task`."""

from __future__ import annotations

from dataclasses import asdict
from typing import cast

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
import voluptuous as vol

from .const import (
    ATTR_DELIVERY_REPORT,
    ATTR_DEVICE_ID,
    ATTR_ENCODING,
    ATTR_MESSAGE,
    ATTR_PORT,
    ATTR_PROVIDER,
    ATTR_RECIPIENTS,
    ATTR_TASK_ID,
    DOMAIN,
)
from .coordinator import SmsGatewayConfigEntry, port_identifier
from .errors import translate_errors
from .gateways.models import Capability
from .gateways.text import Encoding
from .outbound import async_send_sms, split_recipients

SERVICE_SEND_SMS = "send_sms"
SERVICE_CANCEL_TASK = "cancel_task"

SEND_SMS_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_DEVICE_ID): cv.string,
        vol.Required(ATTR_RECIPIENTS): vol.Any(cv.string, [cv.string]),
        vol.Required(ATTR_MESSAGE): cv.string,
        vol.Optional(ATTR_PORT): cv.string,
        vol.Optional(ATTR_PROVIDER): cv.string,
        vol.Optional(ATTR_ENCODING): vol.Coerce(Encoding),
        vol.Optional(ATTR_DELIVERY_REPORT): cv.boolean,
    }
)

CANCEL_TASK_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_DEVICE_ID): cv.string,
        vol.Required(ATTR_TASK_ID): cv.string,
    }
)


def _error(key: str) -> ServiceValidationError:
    return ServiceValidationError(translation_domain=DOMAIN, translation_key=key)


def resolve_target(
    hass: HomeAssistant, device_id: str | None
) -> tuple[SmsGatewayConfigEntry, str | None]:
    """The loaded entry of a gateway or port device, and the port it stands for.

    Without a device, the only loaded gateway is meant.
    """
    entries = cast(
        list[SmsGatewayConfigEntry], hass.config_entries.async_loaded_entries(DOMAIN)
    )
    if device_id is None:
        if len(entries) == 1:
            return entries[0], None
        raise _error("device_required" if entries else "not_loaded")
    if device := dr.async_get(hass).async_get(device_id):
        for entry in entries:
            if entry.entry_id not in device.config_entries:
                continue
            prefix = port_identifier(entry.entry_id, "")[1]
            ports = [
                identifier[len(prefix) :]
                for domain, identifier in device.identifiers
                if domain == DOMAIN and identifier.startswith(prefix)
            ]
            return entry, next(iter(ports), None)
    raise _error("unknown_device")


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""

    async def send_sms(call: ServiceCall) -> ServiceResponse:
        entry, device_port = resolve_target(hass, call.data.get(ATTR_DEVICE_ID))
        result = await async_send_sms(
            hass,
            entry,
            split_recipients(call.data[ATTR_RECIPIENTS]),
            call.data[ATTR_MESSAGE],
            port=call.data.get(ATTR_PORT, device_port),
            provider=call.data.get(ATTR_PROVIDER),
            encoding=call.data.get(ATTR_ENCODING),
            delivery_report=call.data.get(ATTR_DELIVERY_REPORT),
        )
        return {
            "messages": [asdict(item) for item in result.results],
            "merged": list(result.merged),
        }

    async def cancel_task(call: ServiceCall) -> None:
        entry, _ = resolve_target(hass, call.data.get(ATTR_DEVICE_ID))
        gateway = entry.runtime_data.gateway
        if Capability.CANCEL not in gateway.capabilities:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="option_not_supported",
                translation_placeholders={"option": Capability.CANCEL.value},
            )
        with translate_errors(reauth=(hass, entry)):
            await gateway.async_cancel_task(call.data[ATTR_TASK_ID])

    hass.services.async_register(
        DOMAIN,
        SERVICE_SEND_SMS,
        send_sms,
        schema=SEND_SMS_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_CANCEL_TASK, cancel_task, schema=CANCEL_TASK_SCHEMA
    )

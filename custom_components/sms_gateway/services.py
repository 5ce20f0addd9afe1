"""Integration actions: send and cancel SMS, USSD sessions."""

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
    ATTR_ACTION,
    ATTR_CODE,
    ATTR_DELIVERY_REPORT,
    ATTR_DEVICE_ID,
    ATTR_ENCODING,
    ATTR_INPUT,
    ATTR_ITEM,
    ATTR_MESSAGE,
    ATTR_PORT,
    ATTR_PROVIDER,
    ATTR_RECIPIENTS,
    ATTR_TASK_ID,
    ATTR_TIMEOUT,
    DEFAULT_USSD_TIMEOUT,
    DOMAIN,
    STK_ACTIONS,
)
from .coordinator import SmsGatewayConfigEntry, port_identifier
from .errors import translate_errors
from .gateways.models import Capability, StkView
from .gateways.text import Encoding
from .outbound import async_send_sms, split_recipients
from .ussd import async_cancel_ussd, async_send_ussd

SERVICE_SEND_SMS = "send_sms"
SERVICE_CANCEL_TASK = "cancel_task"
SERVICE_SEND_USSD = "send_ussd"
SERVICE_CANCEL_USSD = "cancel_ussd"
SERVICE_STK_GET_MENU = "stk_get_menu"
SERVICE_STK_SELECT = "stk_select"

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

SEND_USSD_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_DEVICE_ID): cv.string,
        vol.Optional(ATTR_PORT): cv.string,
        vol.Required(ATTR_CODE): cv.string,
        vol.Optional(ATTR_TIMEOUT, default=DEFAULT_USSD_TIMEOUT): vol.All(
            vol.Coerce(float), vol.Range(min=1, max=300)
        ),
    }
)

PORT_SCHEMA = vol.Schema(
    {vol.Optional(ATTR_DEVICE_ID): cv.string, vol.Optional(ATTR_PORT): cv.string}
)

STK_SELECT_SCHEMA = vol.All(
    PORT_SCHEMA.extend(
        {
            vol.Exclusive(ATTR_ITEM, "choice"): vol.Coerce(int),
            vol.Exclusive(ATTR_INPUT, "choice"): cv.string,
            vol.Exclusive(ATTR_ACTION, "choice"): vol.In(STK_ACTIONS),
        }
    ),
    cv.has_at_least_one_key(ATTR_ITEM, ATTR_INPUT, ATTR_ACTION),
)

CANCEL_TASK_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_DEVICE_ID): cv.string,
        vol.Required(ATTR_TASK_ID): cv.string,
    }
)


def _error(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


def _require(entry: SmsGatewayConfigEntry, capability: Capability) -> None:
    """Refuse an action the entry's gateway cannot do."""
    if capability not in entry.runtime_data.gateway.capabilities:
        raise _error("option_not_supported", option=capability.value)


def resolve_port(
    hass: HomeAssistant, call: ServiceCall, capability: Capability
) -> tuple[SmsGatewayConfigEntry, str]:
    """The entry and port an action on one port is meant for."""
    entry, device_port = resolve_target(hass, call.data.get(ATTR_DEVICE_ID))
    _require(entry, capability)
    if (port := call.data.get(ATTR_PORT, device_port)) is None:
        raise _error("port_required")
    if port not in entry.runtime_data.coordinator.data.ports:
        raise _error("unknown_port", port=port)
    return entry, port


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
        _require(entry, Capability.CANCEL)
        with translate_errors(reauth=(hass, entry)):
            await entry.runtime_data.gateway.async_cancel_task(call.data[ATTR_TASK_ID])

    async def send_ussd(call: ServiceCall) -> ServiceResponse:
        entry, port = resolve_port(hass, call, Capability.USSD)
        reply = await async_send_ussd(
            hass, entry, port, call.data[ATTR_CODE], call.data[ATTR_TIMEOUT]
        )
        return {"port": port, "reply": reply.text}

    async def cancel_ussd(call: ServiceCall) -> None:
        entry, port = resolve_port(hass, call, Capability.USSD)
        await async_cancel_ussd(hass, entry, port)

    async def stk_get_menu(call: ServiceCall) -> ServiceResponse:
        entry, port = resolve_port(hass, call, Capability.STK)
        with translate_errors(reauth=(hass, entry)):
            view = await entry.runtime_data.gateway.async_stk_view(port)
        return _view(port, view)

    async def stk_select(call: ServiceCall) -> ServiceResponse:
        entry, port = resolve_port(hass, call, Capability.STK)
        with translate_errors(reauth=(hass, entry)):
            view = await entry.runtime_data.gateway.async_stk_select(
                port,
                item=call.data.get(ATTR_ITEM),
                text=call.data.get(ATTR_INPUT),
                action=call.data.get(ATTR_ACTION),
            )
        return _view(port, view)

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
    hass.services.async_register(
        DOMAIN,
        SERVICE_SEND_USSD,
        send_ussd,
        schema=SEND_USSD_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_CANCEL_USSD, cancel_ussd, schema=PORT_SCHEMA
    )
    for name, handler, schema in (
        (SERVICE_STK_GET_MENU, stk_get_menu, PORT_SCHEMA),
        (SERVICE_STK_SELECT, stk_select, STK_SELECT_SCHEMA),
    ):
        hass.services.async_register(
            DOMAIN,
            name,
            handler,
            schema=schema,
            supports_response=SupportsResponse.ONLY,
        )


def _view(port: str, view: StkView) -> ServiceResponse:
    """An STK view as an action's response."""
    return {
        "port": port,
        "title": view.title,
        "text": view.text,
        "input_type": view.input.value,
        "frame_id": view.frame_id,
        "items": [{"id": item.item_id, "text": item.text} for item in view.items],
    }

"""Integration actions: SMS, USSD, SIM toolkit, port settings, call records.

Each action resolves its gateway (and port) in `targets`, refuses what the
gateway's capabilities do not offer, and turns gateway errors into translated
ones.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
)
from homeassistant.exceptions import Unauthorized, UnknownUser
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from .const import (
    ATTR_ACTION,
    ATTR_CODE,
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DELIVERY_REPORT,
    ATTR_DEVICE_ID,
    ATTR_ENCODING,
    ATTR_END,
    ATTR_EXTENSION,
    ATTR_INPUT,
    ATTR_ITEM,
    ATTR_LOCKED,
    ATTR_MESSAGE,
    ATTR_NUMBER,
    ATTR_PIN,
    ATTR_PORT,
    ATTR_PROVIDER,
    ATTR_REASON,
    ATTR_RECIPIENTS,
    ATTR_START,
    ATTR_TASK_ID,
    ATTR_TEXT_PARAMS,
    ATTR_TIMEOUT,
    DEFAULT_USSD_TIMEOUT,
    DOMAIN,
    STK_ACTIONS,
)
from .errors import translate_errors
from .gateways.models import Capability, ForwardReason, PortControl, StkView
from .gateways.text import Encoding
from .inbound import gateway_time
from .outbound import async_send_sms, send_response, split_recipients
from .targets import invalid, require, resolve_port, resolve_target
from .ussd import async_cancel_ussd, async_send_ussd

_RECIPIENTS = vol.Any(cv.string, [cv.string])


def _recipients(value: Any) -> str | list[str]:
    """A string, or a list of strings (numbers given as numbers become text).

    A list of strings, as a bulk send gives, is taken without a call per item.
    """
    if type(value) is list and set(map(type, value)) == {str}:
        return value
    result: str | list[str] = _RECIPIENTS(value)
    return result


def _one_device(value: Any) -> str:
    """A device id, or a list of one, as Home Assistant's targets give it."""
    if isinstance(value, list):
        if len(value) != 1:
            raise vol.Invalid("choose one gateway or port device")
        value = value[0]
    result: str = cv.string(value)
    return result


# Which gateway (and port): a device, or an entry (the config_entry selector).
TARGET: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_DEVICE_ID): _one_device,
    vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
}

SEND_SMS_SCHEMA = vol.Schema(
    {
        **TARGET,
        vol.Required(ATTR_RECIPIENTS): _recipients,
        vol.Required(ATTR_MESSAGE): cv.string,
        # one port, or several for the gateway to choose among
        vol.Optional(ATTR_PORT): vol.Any(
            cv.string, vol.All([cv.string], vol.Length(min=1))
        ),
        vol.Optional(ATTR_PROVIDER): cv.string,
        vol.Optional(ATTR_ENCODING): vol.Coerce(Encoding),
        vol.Optional(ATTR_DELIVERY_REPORT): cv.boolean,
        vol.Optional(ATTR_EXTENSION): vol.All(cv.string, vol.Match(r"^[0-9]+$")),
        vol.Optional(ATTR_TEXT_PARAMS): {
            cv.string: vol.All(cv.ensure_list, [cv.string])
        },
    }
)

SEND_USSD_SCHEMA = vol.Schema(
    {
        **TARGET,
        vol.Optional(ATTR_PORT): cv.string,
        vol.Required(ATTR_CODE): cv.string,
        vol.Optional(ATTR_TIMEOUT, default=DEFAULT_USSD_TIMEOUT): vol.All(
            vol.Coerce(float), vol.Range(min=1, max=300)
        ),
    }
)

PORT_SCHEMA = vol.Schema({**TARGET, vol.Optional(ATTR_PORT): cv.string})

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

SIM_LOCK_SCHEMA = PORT_SCHEMA.extend(
    {vol.Required(ATTR_PIN): cv.string, vol.Required(ATTR_LOCKED): cv.boolean}
)

SIM_NUMBER_SCHEMA = PORT_SCHEMA.extend({vol.Required(ATTR_NUMBER): cv.string})

SET_FORWARDING_SCHEMA = PORT_SCHEMA.extend(
    {
        vol.Required(ATTR_REASON): vol.Coerce(ForwardReason),
        vol.Optional(ATTR_NUMBER): cv.string,
    }
)

CALL_RECORDS_SCHEMA = PORT_SCHEMA.extend(
    {vol.Optional(ATTR_START): cv.datetime, vol.Optional(ATTR_END): cv.datetime}
)

CANCEL_TASK_SCHEMA = vol.Schema(
    {
        **TARGET,
        vol.Required(ATTR_TASK_ID): cv.string,
    }
)


async def _send_sms(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry, device_port = resolve_target(hass, call)
    given = call.data.get(ATTR_PORT, device_port)
    ports: list[str] = [given] if isinstance(given, str) else given or []
    result = await async_send_sms(
        hass,
        entry,
        split_recipients(call.data[ATTR_RECIPIENTS]),
        call.data[ATTR_MESSAGE],
        port=ports[0] if len(ports) == 1 else None,
        ports=ports if len(ports) > 1 else None,
        provider=call.data.get(ATTR_PROVIDER),
        encoding=call.data.get(ATTR_ENCODING),
        delivery_report=call.data.get(ATTR_DELIVERY_REPORT),
        extension=call.data.get(ATTR_EXTENSION),
        text_params=call.data.get(ATTR_TEXT_PARAMS),
    )
    return send_response(result)


async def _cancel_task(hass: HomeAssistant, call: ServiceCall) -> None:
    entry, _ = resolve_target(hass, call)
    require(entry, Capability.CANCEL)
    with translate_errors(reauth=(hass, entry)):
        await entry.runtime_data.gateway.async_cancel_task(call.data[ATTR_TASK_ID])


async def _send_ussd(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry, port = resolve_port(hass, call, Capability.USSD)
    reply = await async_send_ussd(
        hass, entry, port, call.data[ATTR_CODE], call.data[ATTR_TIMEOUT]
    )
    return {"port": port, "reply": reply.text}


async def _cancel_ussd(hass: HomeAssistant, call: ServiceCall) -> None:
    entry, port = resolve_port(hass, call, Capability.USSD)
    await async_cancel_ussd(hass, entry, port)


async def _set_sim_lock(hass: HomeAssistant, call: ServiceCall) -> None:
    locked = call.data[ATTR_LOCKED]
    control = PortControl.LOCK_SIM if locked else PortControl.UNLOCK_SIM
    entry, port = resolve_port(hass, call, control)
    with translate_errors(reauth=(hass, entry)):
        await entry.runtime_data.gateway.async_control_port(
            port, control, call.data[ATTR_PIN]
        )


async def _set_sim_number(hass: HomeAssistant, call: ServiceCall) -> None:
    entry, port = resolve_port(hass, call, PortControl.SET_NUMBER)
    with translate_errors(reauth=(hass, entry)):
        await entry.runtime_data.gateway.async_control_port(
            port, PortControl.SET_NUMBER, call.data[ATTR_NUMBER]
        )
    await entry.runtime_data.coordinator.async_refresh()  # the new number, shown now


async def _set_call_forwarding(hass: HomeAssistant, call: ServiceCall) -> None:
    entry, port = resolve_port(hass, call, Capability.CALL_FORWARDING)
    reason: ForwardReason = call.data[ATTR_REASON]
    if reason is not ForwardReason.CANCEL_ALL and not call.data.get(ATTR_NUMBER):
        raise invalid("number_required")
    with translate_errors(reauth=(hass, entry)):
        await entry.runtime_data.gateway.async_set_call_forwarding(
            port, reason, call.data.get(ATTR_NUMBER)
        )


async def _get_call_forwarding(
    hass: HomeAssistant, call: ServiceCall
) -> ServiceResponse:
    entry, port = resolve_port(hass, call, Capability.CALL_FORWARDING)
    with translate_errors(reauth=(hass, entry)):
        forwarding = await entry.runtime_data.gateway.async_get_call_forwarding(port)
    return {"port": port, "forwarding": dict(forwarding)}


async def _get_call_records(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry, device_port = resolve_target(hass, call)
    require(entry, Capability.CALL_RECORDS)
    zone = entry.runtime_data.inbound.time_zone
    start, end = (
        None if (moment := call.data.get(key)) is None else gateway_time(moment, zone)
        for key in (ATTR_START, ATTR_END)
    )
    with translate_errors(reauth=(hass, entry)):
        records = await entry.runtime_data.gateway.async_get_call_records(
            call.data.get(ATTR_PORT, device_port), start, end
        )
    return {
        "records": [
            {"port": record.port, "direction": record.state, **record.details}
            for record in records
        ]
    }


async def _stk_get_menu(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry, port = resolve_port(hass, call, Capability.STK)
    with translate_errors(reauth=(hass, entry)):
        view = await entry.runtime_data.gateway.async_stk_view(port)
    return _view(port, view)


async def _stk_select(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry, port = resolve_port(hass, call, Capability.STK)
    with translate_errors(reauth=(hass, entry)):
        view = await entry.runtime_data.gateway.async_stk_select(
            port,
            item=call.data.get(ATTR_ITEM),
            text=call.data.get(ATTR_INPUT),
            action=call.data.get(ATTR_ACTION),
        )
    return _view(port, view)


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


type Handler = Callable[
    [HomeAssistant, ServiceCall], Coroutine[Any, Any, ServiceResponse]
]

# The schemas are voluptuous's, or probatio's where Home Assistant has replaced it.
SERVICES: tuple[tuple[str, Handler, Any, SupportsResponse], ...] = (
    ("send_sms", _send_sms, SEND_SMS_SCHEMA, SupportsResponse.OPTIONAL),
    ("cancel_task", _cancel_task, CANCEL_TASK_SCHEMA, SupportsResponse.NONE),
    ("send_ussd", _send_ussd, SEND_USSD_SCHEMA, SupportsResponse.OPTIONAL),
    ("cancel_ussd", _cancel_ussd, PORT_SCHEMA, SupportsResponse.NONE),
    ("stk_get_menu", _stk_get_menu, PORT_SCHEMA, SupportsResponse.ONLY),
    ("stk_select", _stk_select, STK_SELECT_SCHEMA, SupportsResponse.ONLY),
    ("set_sim_lock", _set_sim_lock, SIM_LOCK_SCHEMA, SupportsResponse.NONE),
    ("set_sim_number", _set_sim_number, SIM_NUMBER_SCHEMA, SupportsResponse.NONE),
    (
        "set_call_forwarding",
        _set_call_forwarding,
        SET_FORWARDING_SCHEMA,
        SupportsResponse.NONE,
    ),
    (
        "get_call_forwarding",
        _get_call_forwarding,
        PORT_SCHEMA,
        SupportsResponse.ONLY,
    ),
    ("get_call_records", _get_call_records, CALL_RECORDS_SCHEMA, SupportsResponse.ONLY),
)


# Actions that change a SIM or a line: for administrators only.
ADMIN_ONLY = frozenset(
    {
        "set_sim_lock",
        "set_sim_number",
        "set_call_forwarding",
        "stk_get_menu",
        "stk_select",
    }
)


async def _as_admin(
    handler: Handler, hass: HomeAssistant, call: ServiceCall
) -> ServiceResponse:
    """Run `handler` if the call's user (if any) is an administrator.

    As Home Assistant's own admin services check it; its helper for them takes
    no response on the oldest version supported.
    """
    if call.context.user_id:
        user = await hass.auth.async_get_user(call.context.user_id)
        if user is None:
            raise UnknownUser(context=call.context)
        if not user.is_admin:
            raise Unauthorized(context=call.context)
    return await handler(hass, call)


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""
    for name, handler, schema, response in SERVICES:
        hass.services.async_register(
            DOMAIN,
            name,
            partial(_as_admin, handler, hass)
            if name in ADMIN_ONLY
            else partial(handler, hass),
            schema=schema,
            supports_response=response,
        )

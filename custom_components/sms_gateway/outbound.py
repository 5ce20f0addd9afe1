"""The one send path of actions and notify services: validate, send, track."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import partial
import re
import time
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .coordinator import SmsGatewayConfigEntry
from .errors import translate_errors
from .gateways import Gateway
from .gateways.errors import InvalidNumberError, UnsupportedNumberError
from .gateways.models import (
    Capability,
    RecipientResult,
    Registration,
    SendRequest,
    SendResult,
)
from .gateways.text import Encoding
from .targets import current_port, invalid, unsupported

_SEPARATORS = re.compile(r"[,;\n]")


def split_recipients(recipients: str | Iterable[str] | None) -> list[str]:
    """Recipients from a list or a string separated by commas, semicolons or lines."""
    if recipients is None:
        return []
    parts = [recipients] if isinstance(recipients, str) else list(recipients)
    try:
        joined = "\0".join(parts)
    except TypeError:  # not all strings
        pass
    else:
        if "," not in joined and ";" not in joined and "\n" not in joined:
            # the usual bulk list, a number in each part: no split, no loop
            stripped = list(map(str.strip, parts))
            return (
                stripped if "" not in stripped else [part for part in stripped if part]
            )
    return [
        number.strip()
        for part in parts
        for number in _SEPARATORS.split(str(part))
        if number.strip()
    ]


async def async_send_sms(
    hass: HomeAssistant,
    entry: SmsGatewayConfigEntry,
    recipients: list[str],
    message: str,
    port: str | None = None,
    ports: list[str] | None = None,
    provider: str | None = None,
    encoding: Encoding | None = None,
    delivery_report: bool | None = None,
    extension: str | None = None,
    text_params: Mapping[str, list[str]] | None = None,
) -> SendResult:
    """Check the request against what the gateway can do, send it, track the ids."""
    data = entry.runtime_data
    request = SendRequest(
        tuple(recipients),
        message,
        port=port,
        ports=tuple(ports) if ports else None,
        provider=provider,
        encoding=encoding,
        delivery_report=delivery_report,
        extension=extension,
        text_params={n: tuple(v) for n, v in text_params.items()}
        if text_params
        else None,
        track=partial(
            data.inbound.track_sent, port=port, text=message, extension=extension
        ),
    )
    request, merged = _check(entry, request)
    request, repeated = _without_repeats(entry, request)
    merged.extend(repeated)
    if not request.recipients:
        return SendResult(results=(), merged=tuple(merged))
    began = time.time()
    try:
        with translate_errors(HomeAssistantError, reauth=(hass, entry)):
            result = await data.gateway.async_send(request)  # tracked as it goes
    except HomeAssistantError as err:
        # messages kept before their request left are failed, not pending
        data.inbound.track_refused(
            [RecipientResult(n, None, False, str(err)) for n in request.recipients],
            port,
            message,
            extension,
            began,
            only_kept=True,
        )
        raise
    data.inbound.track_refused(result.results, port, message, extension, began)
    return replace(result, merged=(*result.merged, *merged))


def send_response(result: SendResult) -> dict[str, Any]:
    """What `send_sms` (and the panel's send) answer: each recipient's fate."""
    return {
        "messages": [
            {
                "recipient": item.recipient,
                "message_id": item.message_id,
                "accepted": item.accepted,
                "reason": item.reason,
                "task_id": item.task_id,
            }
            for item in result.results
        ],
        "merged": list(result.merged),
    }


def _check(
    entry: SmsGatewayConfigEntry, request: SendRequest
) -> tuple[SendRequest, list[str]]:
    """Refuse, before any request, what the gateway would refuse or cannot do.

    The request that is left has each recipient once, in the vendor's form
    (read once here, not again by the vendor); with it, the duplicates.
    """
    gateway = entry.runtime_data.gateway
    message = request.message
    if not message.strip():
        raise invalid("empty_message")
    try:
        message.encode()
    except UnicodeEncodeError:  # half a UTF-16 pair, as a browser may send
        raise invalid("message_not_text") from None
    if (limit := gateway.max_message_bytes) is not None and len(
        message.encode()
    ) > limit:
        raise invalid("message_too_long", limit=str(limit))
    if (chars := gateway.max_message_chars) is not None and len(message) > chars:
        raise invalid("message_too_many_characters", limit=str(chars))
    if not request.recipients:
        raise invalid("no_recipients")
    try:
        numbers, merged = gateway.unique_recipients(request)
    except UnsupportedNumberError as err:
        raise invalid("number_not_supported", number=err.number) from None
    except InvalidNumberError as err:
        raise invalid("invalid_number", number=err.number) from None
    if request.port is not None:
        _check_port(entry, request.port)
    for port in request.ports or ():
        _check_port(entry, port)
    for value, capability in (
        (request.provider, Capability.PROVIDER_ROUTING),
        (request.encoding, Capability.CHOOSE_ENCODING),
        (request.delivery_report, Capability.CHOOSE_DELIVERY_REPORT),
        (request.extension, Capability.EXTENSION),
        (request.text_params, Capability.TEXT_PARAMS),
        (request.ports, Capability.SEVERAL_PORTS),
    ):
        if value is not None and capability not in gateway.capabilities:
            raise unsupported(capability)
    return replace(
        request,
        recipients=tuple(numbers),
        text_params=_text_params(gateway, request.text_params, numbers),
        normalized=True,
    ), merged


def _text_params(
    gateway: Gateway,
    text_params: Mapping[str, tuple[str, ...]] | None,
    numbers: list[str],
) -> dict[str, tuple[str, ...]] | None:
    """The values of each recipient, by its number in the vendor's form."""
    if text_params is None:
        return None
    found: dict[str, tuple[str, ...]] = {}
    for given, values in text_params.items():
        try:
            number = gateway.normalize_recipient(given)
        except InvalidNumberError:
            number = given
        if number not in numbers:
            raise invalid("text_params_not_a_recipient", number=given)
        found[number] = values
    return found


def _check_port(entry: SmsGatewayConfigEntry, port: str) -> None:
    """A port the gateway routes to, has, and can send through now."""
    if Capability.PORT_ROUTING not in entry.runtime_data.gateway.capabilities:
        raise invalid("port_not_supported")
    status = current_port(entry, port)
    if status.online is False or status.registration not in (
        Registration.REGISTERED,
        Registration.UNKNOWN,
    ):
        raise invalid("port_not_ready", port=port)


def _without_repeats(
    entry: SmsGatewayConfigEntry, request: SendRequest
) -> tuple[SendRequest, list[str]]:
    """Leave out who got this text before, where the platform would drop it."""
    data = entry.runtime_data
    if not data.gateway.drops_repeated_text:
        return request, []
    repeated = data.inbound.already_sent(request.recipients, request.message)
    rest = tuple(n for n in request.recipients if n not in repeated)
    return replace(request, recipients=rest), repeated

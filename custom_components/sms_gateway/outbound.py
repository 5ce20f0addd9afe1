"""The one send path of actions and notify services: validate, send, track."""

from __future__ import annotations

from collections.abc import Iterable
import re

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .const import DOMAIN
from .coordinator import SmsGatewayConfigEntry
from .errors import translate_errors
from .gateways.base import normalize_number
from .gateways.models import Capability, Registration, SendRequest, SendResult
from .gateways.text import Encoding

_SEPARATORS = re.compile(r"[,;\n]")


def split_recipients(recipients: str | Iterable[str] | None) -> list[str]:
    """Recipients from a list or a string separated by commas, semicolons or lines."""
    if recipients is None:
        return []
    parts = [recipients] if isinstance(recipients, str) else list(recipients)
    return [
        number.strip()
        for part in parts
        for number in _SEPARATORS.split(str(part))
        if number.strip()
    ]


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


async def async_send_sms(
    hass: HomeAssistant,
    entry: SmsGatewayConfigEntry,
    recipients: list[str],
    message: str,
    port: str | None = None,
    provider: str | None = None,
    encoding: Encoding | None = None,
    delivery_report: bool | None = None,
    extension: str | None = None,
) -> SendResult:
    """Check the request against what the gateway can do, send it, track the ids."""
    data = entry.runtime_data
    gateway = data.gateway
    capabilities = gateway.capabilities
    if not message.strip():
        raise _invalid("empty_message")
    limit = gateway.max_message_bytes
    if limit is not None and len(message.encode()) > limit:
        raise _invalid("message_too_long", limit=str(limit))
    chars = gateway.max_message_chars
    if chars is not None and len(message) > chars:
        raise _invalid("message_too_many_characters", limit=str(chars))
    if not recipients:
        raise _invalid("no_recipients")
    for recipient in recipients:
        try:
            normalize_number(recipient)
        except ValueError:
            raise _invalid("invalid_number", number=recipient) from None
    if port is not None:
        if Capability.PORT_ROUTING not in capabilities:
            raise _invalid("port_not_supported")
        if (status := data.coordinator.data.ports.get(port)) is None:
            raise _invalid("unknown_port", port=port)
        if status.online is False or status.registration not in (
            Registration.REGISTERED,
            Registration.UNKNOWN,
        ):
            raise _invalid("port_not_ready", port=port)
    for value, capability in (
        (provider, Capability.PROVIDER_ROUTING),
        (encoding, Capability.CHOOSE_ENCODING),
        (delivery_report, Capability.CHOOSE_DELIVERY_REPORT),
        (extension, Capability.EXTENSION),
    ):
        if value is not None and capability not in capabilities:
            raise _invalid("option_not_supported", option=capability.value)
    request = SendRequest(
        tuple(recipients),
        message,
        port=port,
        provider=provider,
        encoding=encoding,
        delivery_report=delivery_report,
        extension=extension,
    )
    with translate_errors(HomeAssistantError, reauth=(hass, entry)):
        result = await gateway.async_send(request)
    data.inbound.track_sent(result, port)
    return result

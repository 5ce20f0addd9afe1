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
) -> SendResult:
    """Check the request against what the gateway can do, send it, track the ids."""
    data = entry.runtime_data
    capabilities = data.gateway.capabilities
    if not message.strip():
        raise _invalid("empty_message")
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
        if status.online is False or status.registration in (
            Registration.NOT_REGISTERED,
            Registration.DENIED,
        ):
            raise _invalid("port_not_ready", port=port)
    if provider is not None and Capability.PROVIDER_ROUTING not in capabilities:
        raise _invalid("provider_not_supported")
    with translate_errors(HomeAssistantError, reauth=(hass, entry)):
        result = await data.gateway.async_send(
            SendRequest(tuple(recipients), message, port=port, provider=provider)
        )
    data.inbound.track_sent(result, port)
    return result

"""A USSD session: send the code, wait for the reply pushed or polled."""

from __future__ import annotations

import asyncio

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .const import DOMAIN
from .coordinator import SmsGatewayConfigEntry
from .errors import translate_errors
from .gateways.models import UssdReply

# While waiting, the gateway is asked this often, for a reply not pushed.
USSD_POLL_EVERY = 5.0


def _error(key: str, port: str) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"port": port},
    )


async def async_send_ussd(
    hass: HomeAssistant,
    entry: SmsGatewayConfigEntry,
    port: str,
    code: str,
    wait: float,
) -> UssdReply:
    """Send `code` on `port`; the reply, or an error after `wait` seconds."""
    gateway, inbound = entry.runtime_data.gateway, entry.runtime_data.inbound
    if inbound.ussd.waiting(port):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="ussd_busy",
            translation_placeholders={"port": port},
        )
    future = inbound.ussd.expect(port)
    try:
        with translate_errors(HomeAssistantError, reauth=(hass, entry)):
            inbound.ussd.sent(port, await gateway.async_send_ussd(port, code, wait))
            async with asyncio.timeout(wait):
                while not future.done():
                    await asyncio.wait([future], timeout=USSD_POLL_EVERY)
                    if not future.done() and (
                        reply := await gateway.async_poll_ussd(port)
                    ):
                        inbound.process([reply])
    except TimeoutError:
        raise _error("ussd_no_reply", port) from None
    finally:
        inbound.ussd.end(port)
    if (reply := future.result()) is None:
        raise _error("ussd_cancelled", port)
    if reply.error is not None:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="ussd_failed",
            translation_placeholders={"port": port, "error": reply.error},
        )
    return reply


async def async_cancel_ussd(
    hass: HomeAssistant, entry: SmsGatewayConfigEntry, port: str
) -> None:
    """End the session of `port` on the gateway and for whoever waits."""
    with translate_errors(HomeAssistantError, reauth=(hass, entry)):
        await entry.runtime_data.gateway.async_cancel_ussd(port)
    entry.runtime_data.inbound.ussd.end(port)

"""The HTTP push entry: checks, then the vendor's parser, then `inbound`."""

from __future__ import annotations

from functools import partial
from ipaddress import ip_address
import socket
from urllib.parse import parse_qsl

from aiohttp.web import Request, Response
from homeassistant.components import webhook
from homeassistant.const import CONF_HOST, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, callback

from .const import CONF_LOCAL_ONLY, CONF_PIN_SOURCE, DOMAIN, LOGGER, MAX_PUSH_BYTES
from .coordinator import SmsGatewayConfigEntry
from .gateways.errors import GatewayPayloadError
from .gateways.parse import content_encoding


@callback
def async_register_webhook(hass: HomeAssistant, entry: SmsGatewayConfigEntry) -> None:
    """Register the entry's webhook until the entry unloads."""
    gateway = entry.runtime_data.gateway
    webhook_id = entry.data[CONF_WEBHOOK_ID]
    pinned: set[str] = set()  # the gateway's addresses, resolved at the first push
    handler = (
        partial(_async_handle_pinned, entry, pinned)
        if entry.options.get(CONF_PIN_SOURCE)
        else partial(_async_handle_push, entry)
    )
    webhook.async_register(
        hass,
        DOMAIN,
        entry.title,
        webhook_id,
        handler,
        local_only=entry.options.get(CONF_LOCAL_ONLY, gateway.local_push),
        allowed_methods=gateway.push_methods,
    )
    entry.async_on_unload(partial(webhook.async_unregister, hass, webhook_id))


async def read_limited(request: Request) -> bytes | None:
    """The body, or None when it is larger than `MAX_PUSH_BYTES`."""
    if (request.content_length or 0) > MAX_PUSH_BYTES:
        return None
    body = bytearray()
    while chunk := await request.content.read(MAX_PUSH_BYTES + 1 - len(body)):
        body.extend(chunk)
        if len(body) > MAX_PUSH_BYTES:
            return None
    return bytes(body)


def read_query(request: Request) -> dict[str, str]:
    """The query's fields, the first of each name.

    `parse_qsl` takes a sixth of the time of `request.query`, and most
    vendors' pushes have no query at all.
    """
    if not (raw := request.rel_url.raw_query_string):
        return {}
    return dict(reversed(parse_qsl(raw, keep_blank_values=True)))


async def _async_handle_pinned(
    entry: SmsGatewayConfigEntry,
    pinned: set[str],
    hass: HomeAssistant,
    webhook_id: str,
    request: Request,
) -> Response:
    """Only the gateway's own address may push."""
    if not pinned:
        infos = await hass.loop.getaddrinfo(
            entry.data[CONF_HOST], None, type=socket.SOCK_STREAM
        )
        pinned.update(str(ip_address(info[4][0])) for info in infos)
    if request.remote is None or str(ip_address(request.remote)) not in pinned:
        LOGGER.debug("Refusing a push from %s, not the gateway", request.remote)
        return Response(status=403)
    return await _async_handle_push(entry, hass, webhook_id, request)


async def _async_handle_push(
    entry: SmsGatewayConfigEntry,
    hass: HomeAssistant,
    webhook_id: str,
    request: Request,
) -> Response:
    if content_encoding(request.headers):
        # No vendor compresses its pushes; a compressed body is refused before
        # anything of it is read by us.
        LOGGER.debug("Refusing a compressed push")
        return Response(status=415)
    if (body := await read_limited(request)) is None:
        LOGGER.debug("Refusing a push larger than %s bytes", MAX_PUSH_BYTES)
        return Response(status=413)
    try:
        items = entry.runtime_data.gateway.parse_push(
            request.method, read_query(request), request.headers, body
        )
    except GatewayPayloadError as err:
        LOGGER.debug("Ignoring an invalid push: %s", err)
        return Response(status=400)
    entry.runtime_data.inbound.process(items)
    return Response(status=200)

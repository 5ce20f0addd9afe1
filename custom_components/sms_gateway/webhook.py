"""The HTTP push entry: checks, then the vendor's parser, then `inbound`."""

from __future__ import annotations

from functools import lru_cache, partial
from ipaddress import ip_address
import socket

from aiohttp.web import Request, Response
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.network import is_cloud_connection
from homeassistant.util.aiohttp import MockRequest
from homeassistant.util.network import is_local
from multidict import CIMultiDict

from .const import (
    CONF_LOCAL_ONLY,
    CONF_PIN_SOURCE,
    CONF_RECEIVE_MODE,
    CONF_VENDOR,
    DOMAIN,
    LOGGER,
    MAX_PUSH_BYTES,
    RECEIVE_POLL,
)
from .coordinator import SmsGatewayConfigEntry, SmsGatewayData
from .database import databases
from .gateways import GATEWAYS
from .gateways.errors import GatewayPayloadError
from .gateways.models import Capability
from .gateways.parse import content_encoding, parse_query


def pushes_expected(entry: ConfigEntry) -> bool:
    """The entry's gateway pushes to it: not set to poll only, not disabled."""
    return (
        Capability.PUSH in GATEWAYS[entry.data[CONF_VENDOR]].capabilities
        and entry.options.get(CONF_RECEIVE_MODE) != RECEIVE_POLL
        and entry.disabled_by is None
    )


@callback
def async_register_webhooks(hass: HomeAssistant) -> None:
    """Take the pushes of every entry from the integration's own set-up on.

    Before any entry loads, and whenever one is not loaded (starting, waiting
    to retry its set-up, reloading), its pushes are held in its database and
    answered 200; the entry processes them once it is loaded.
    """
    for entry in hass.config_entries.async_entries(DOMAIN):
        if pushes_expected(entry):
            async_register_webhook(hass, entry)


@callback
def async_register_webhook(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Register (or register anew, with the entry's options) its webhook.

    It stays registered while the entry is unloaded: only removing the entry,
    disabling it, or setting it to poll only, ends it.

    The option "local network only" is checked here, by Home Assistant's own
    rule (`_from_local_network`), not by the webhook component: that parses
    the address and walks its networks at every request (11 to 13 µs of the
    event loop a push, measured inside Home Assistant under the load of
    `bench/push_ingest.py`: about a twentieth of the push), where here the
    gateway's one address is looked up once. So the webhook is registered as
    not local only, and Home Assistant Cloud's settings list it among the
    webhooks a cloudhook can be made for: a cloudhook's pushes pass, as Home
    Assistant lets them pass to a local-only webhook.
    """
    gateway = GATEWAYS[entry.data[CONF_VENDOR]]
    webhook_id = entry.data[CONF_WEBHOOK_ID]
    webhook.async_unregister(hass, webhook_id)
    local_only = entry.options.get(CONF_LOCAL_ONLY, gateway.local_push)
    pinned: set[str] = set()  # the gateway's addresses, resolved at the first push
    handler = (
        partial(_async_handle_pinned, entry.entry_id, local_only, pinned)
        if entry.options.get(CONF_PIN_SOURCE)
        else partial(_async_handle_push, entry.entry_id, local_only)
    )
    webhook.async_register(
        hass,
        DOMAIN,
        entry.title,
        webhook_id,
        handler,
        local_only=False,
        allowed_methods=gateway.push_methods,
    )


@callback
def async_unregister_webhook(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """No more pushes for the entry (removed, disabled, or set to poll only)."""
    webhook.async_unregister(hass, entry.data[CONF_WEBHOOK_ID])


async def async_drain_held(entry: SmsGatewayConfigEntry) -> None:
    """Process what was held while the entry was not loaded; then take pushes.

    From the read of the held pushes on, one step with nothing in between that
    could run: a push that comes now finds the entry open, and none is
    processed out of its order.
    """
    data = entry.runtime_data
    for push in await data.inbound.database.async_held():
        try:
            items = data.gateway.parse_push(
                push.method, push.query, CIMultiDict(push.headers), push.body
            )
        except GatewayPayloadError as err:
            LOGGER.debug("Ignoring an invalid held push: %s", err)
            items = []
        data.inbound.process(items, held=(push.id,))
    data.pushes_open = True


async def read_limited(request: Request | MockRequest) -> bytes | None:
    """The body, or None when it is larger than `MAX_PUSH_BYTES`.

    A cloudhook's push comes as a `MockRequest`, its body whole and its length
    not given: it is read as a body of unknown length.
    """
    if isinstance(request, Request) and (length := request.content_length) is not None:
        if length > MAX_PUSH_BYTES:
            return None
        # the body is exactly this long (aiohttp reads no further): one read
        return await request.content.readexactly(length) if length else b""
    body = bytearray()
    content = request.content  # a MockRequest's is a new reader at each look
    while chunk := await content.read(MAX_PUSH_BYTES + 1 - len(body)):
        body.extend(chunk)
        if len(body) > MAX_PUSH_BYTES:
            return None
    return bytes(body)


def read_query(request: Request | MockRequest) -> dict[str, str]:
    """The query's fields, the first of each name.

    `parse_query` takes under half the time of `parse_qsl`, itself a sixth
    of `request.query`'s, and most vendors' pushes have no query at all. A
    cloudhook's push (a `MockRequest`) has its query string as it came.
    """
    raw = (
        request.query_string
        if isinstance(request, MockRequest)
        else request.rel_url.raw_query_string
    )
    if not raw:
        return {}
    return parse_query(raw)


@lru_cache(maxsize=256)
def _from_local_network(remote: str | None) -> bool:
    """Whether an address is on the local network, by Home Assistant's rule.

    The rule of a local-only webhook; an address that does not parse is not.
    """
    try:
        return is_local(ip_address(remote))  # type: ignore[arg-type]
    except ValueError:
        return False


def _refused(
    hass: HomeAssistant, request: Request | MockRequest, local_only: bool
) -> Response | None:
    """The answer to a push refused before its body is read; None: go on.

    From outside the local network, where the webhook is local only: 403.
    Home Assistant answers such a push to a local-only webhook 200 and drops
    it; a gateway told 403 knows its push was not taken. Through Home
    Assistant Cloud's remote access, a push is not local; through a cloudhook
    (a `MockRequest`), it passes, as Home Assistant lets it.

    Compressed: 415. No vendor compresses its pushes; a compressed body is
    refused before anything of it is read.
    """
    if (
        local_only
        and not isinstance(request, MockRequest)
        and (is_cloud_connection(hass) or not _from_local_network(request.remote))
    ):
        LOGGER.debug(
            "Refusing a push from %s, not on the local network", request.remote
        )
        return Response(status=403)
    if content_encoding(request.headers):
        LOGGER.debug("Refusing a compressed push")
        return Response(status=415)
    return None


async def _async_handle_pinned(
    entry_id: str,
    local_only: bool,
    pinned: set[str],
    hass: HomeAssistant,
    webhook_id: str,
    request: Request,
) -> Response:
    """Only the gateway's own address may push."""
    if (refused := _refused(hass, request, local_only)) is not None:
        return refused
    if (entry := hass.config_entries.async_get_entry(entry_id)) is None:
        return Response(status=404)
    if not pinned:
        infos = await hass.loop.getaddrinfo(
            entry.data[CONF_HOST], None, type=socket.SOCK_STREAM
        )
        pinned.update(str(ip_address(info[4][0])) for info in infos)
    remote = getattr(request, "remote", None)  # a cloudhook's has none
    if remote is None or str(ip_address(remote)) not in pinned:
        LOGGER.debug("Refusing a push from %s, not the gateway", remote)
        return Response(status=403)
    return await _async_handle_push(entry_id, False, hass, webhook_id, request)


async def _async_handle_push(
    entry_id: str,
    local_only: bool,
    hass: HomeAssistant,
    webhook_id: str,
    request: Request,
) -> Response:
    if (refused := _refused(hass, request, local_only)) is not None:
        return refused
    if (body := await read_limited(request)) is None:
        LOGGER.debug("Refusing a push larger than %s bytes", MAX_PUSH_BYTES)
        return Response(status=413)
    entry: SmsGatewayConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is None:
        return Response(status=404)
    data: SmsGatewayData | None = getattr(entry, "runtime_data", None)
    if data is None or not data.pushes_open:
        # Written before the 200: the entry fires it once it is loaded.
        database = await databases(hass).async_get(entry_id)
        database.hold(request.method, read_query(request), request.headers, body)
        return Response(status=200)
    try:
        items = data.gateway.parse_push(
            request.method, read_query(request), request.headers, body
        )
    except GatewayPayloadError as err:
        LOGGER.debug("Ignoring an invalid push: %s", err)
        return Response(status=400)
    # 200 once in the journal; 500 where processing failed (a gateway that retries
    # sends it again; what of it fired is written, and fires no more)
    return Response(
        status=200 if await data.inbound.pushes.async_process(items) else 500
    )

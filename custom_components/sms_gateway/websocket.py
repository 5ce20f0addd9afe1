"""The websocket commands of the Messages panel and card: admin only, each.

Conversations and messages are read from each loaded entry's database;
changes (a message, a state, a read marker, a deletion) are pushed to
subscribers as they happen; a reply goes through `send_sms`'s own path.
Registered once, at the integration's set-up (they cannot be unregistered).
"""

from __future__ import annotations

from typing import Any

from homeassistant.components import websocket_api
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
import voluptuous as vol

from . import history_db
from .const import DOMAIN
from .coordinator import SmsGatewayConfigEntry
from .gateways import text
from .gateways.models import Capability
from .history import follow, number_of
from .outbound import async_send_sms, send_response

PAGE = 50
MAX_PAGE = 200
# Sorts after every thread: a cursor's "any thread at that time".
_LAST = "\U0010ffff"


@callback
def async_register_commands(hass: HomeAssistant) -> None:
    """Register the Messages commands."""
    for command in (
        ws_gateways,
        ws_conversations,
        ws_thread,
        ws_subscribe,
        ws_mark_read,
        ws_delete,
        ws_send,
    ):
        websocket_api.async_register_command(hass, command)


def _loaded(hass: HomeAssistant) -> list[SmsGatewayConfigEntry]:
    return [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is ConfigEntryState.LOADED
    ]


def _entry(hass: HomeAssistant, entry_id: str) -> SmsGatewayConfigEntry:
    entry: SmsGatewayConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if (
        entry is None
        or entry.domain != DOMAIN
        or entry.state is not ConfigEntryState.LOADED
    ):
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="gateway_not_loaded"
        )
    return entry


@websocket_api.websocket_command({vol.Required("type"): f"{DOMAIN}/gateways"})
@websocket_api.require_admin
@callback
def ws_gateways(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """The loaded gateways, their ports, and whether they keep a history."""
    connection.send_result(
        msg["id"],
        {
            "gateways": [
                {
                    "entry_id": entry.entry_id,
                    "title": entry.title,
                    "vendor": entry.runtime_data.gateway.vendor,
                    "ports": [
                        {"port": port.port_id, "name": port.name}
                        for port in entry.runtime_data.coordinator.data.ports.values()
                    ]
                    if Capability.PORT_ROUTING
                    in entry.runtime_data.gateway.capabilities
                    else [],
                    "history": entry.runtime_data.inbound.history.retention.keeps,
                    "unread": entry.runtime_data.inbound.history.unread,
                }
                for entry in _loaded(hass)
            ],
            # the compose box counts characters and SMS by these (gateways/text.py)
            "text_rules": {
                "gsm7": "".join(sorted(text.GSM7_BASIC)),
                "gsm7_extension": "".join(sorted(text.GSM7_EXTENSION)),
                "gsm7_single": text.GSM7_SINGLE,
                "gsm7_multi": text.GSM7_MULTI,
                "ucs2_single": text.UCS2_SINGLE,
                "ucs2_multi": text.UCS2_MULTI,
            },
        },
    )


@websocket_api.websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/conversations",
        vol.Optional("entry_id"): str,
        vol.Optional("limit", default=PAGE): vol.All(int, vol.Range(1, MAX_PAGE)),
        # the `next` of the page before
        vol.Optional("before"): vol.ExactSequence([vol.Coerce(float), str, str]),
        vol.Optional("search"): vol.All(str, vol.Length(min=1, max=100)),
    }
)
@websocket_api.require_admin
@websocket_api.async_response
async def ws_conversations(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """One page of conversations, of every gateway, the latest first."""
    entries = [_entry(hass, msg["entry_id"])] if "entry_id" in msg else _loaded(hass)
    limit = msg["limit"]
    found: list[dict[str, Any]] = []
    for entry in entries:
        before = _before(msg.get("before"), entry.entry_id)
        for thread in await entry.runtime_data.inbound.database.async_query(
            history_db.conversations, limit + 1, before, msg.get("search")
        ):
            number, extension = number_of(thread["thread"])
            found.append(
                {"entry_id": entry.entry_id, "number": number, "extension": extension}
                | thread
            )
    found.sort(
        key=lambda t: (t["last"]["added"], t["entry_id"], t["thread"]), reverse=True
    )
    page = found[:limit]
    connection.send_result(
        msg["id"],
        {
            "conversations": page,
            "next": [
                page[-1]["last"]["added"],
                page[-1]["entry_id"],
                page[-1]["thread"],
            ]
            if len(found) > limit
            else None,
        },
    )


def _before(cursor: list[Any] | None, entry_id: str) -> tuple[float, str] | None:
    """The cursor (time, entry, thread) as it bounds one entry's threads.

    Ordered by time, then entry, then thread, all descending.
    """
    if cursor is None:
        return None
    added, cursor_entry, thread = cursor
    if entry_id == cursor_entry:
        return added, thread
    # an entry sorting before the cursor's: its threads at that time come after
    return (added, _LAST) if entry_id < cursor_entry else (added, "")


@websocket_api.websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/thread",
        vol.Required("entry_id"): str,
        vol.Required("thread"): str,
        vol.Optional("limit", default=PAGE): vol.All(int, vol.Range(1, MAX_PAGE)),
        vol.Optional("before"): int,  # the `next` of the page before
    }
)
@websocket_api.require_admin
@websocket_api.async_response
async def ws_thread(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """One page of a conversation's messages, the newest first."""
    entry = _entry(hass, msg["entry_id"])
    limit = msg["limit"]
    found = await entry.runtime_data.inbound.database.async_query(
        history_db.messages, msg["thread"], limit + 1, msg.get("before")
    )
    page = found[:limit]
    state = entry.runtime_data.inbound.history.threads.get(msg["thread"])
    connection.send_result(
        msg["id"],
        {
            "messages": page,
            "next": page[-1]["id"] if len(found) > limit else None,
            "read_up_to": state.read_up_to if state else 0,
            "unread": state.unread if state else 0,
        },
    )


@websocket_api.websocket_command({vol.Required("type"): f"{DOMAIN}/subscribe"})
@websocket_api.require_admin
@callback
def ws_subscribe(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Every change of every gateway's history, as it happens."""

    @callback
    def forward(change: dict[str, Any]) -> None:
        connection.send_message(websocket_api.event_message(msg["id"], change))

    connection.subscriptions[msg["id"]] = follow(hass, forward)
    connection.send_result(msg["id"])


@websocket_api.websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/mark_read",
        vol.Required("entry_id"): str,
        vol.Required("thread"): str,
    }
)
@websocket_api.require_admin
@callback
def ws_mark_read(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """A conversation read, to its newest message."""
    inbound = _entry(hass, msg["entry_id"]).runtime_data.inbound
    if inbound.history.read(msg["thread"]):
        inbound.commit()
    connection.send_result(msg["id"])


@websocket_api.websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/delete",
        vol.Required("entry_id"): str,
        vol.Required("thread"): str,
        # some messages by number; without: the whole conversation
        vol.Optional("ids"): vol.All([int], vol.Length(min=1, max=MAX_PAGE)),
    }
)
@websocket_api.require_admin
@websocket_api.async_response
async def ws_delete(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Delete messages, or a whole conversation."""
    inbound = _entry(hass, msg["entry_id"]).runtime_data.inbound
    ids = msg.get("ids")
    unread = 0
    if ids is not None:
        unread = await inbound.database.async_query(
            history_db.unread_among, msg["thread"], ids
        )
    inbound.history.delete(msg["thread"], ids, unread)
    inbound.commit()
    connection.send_result(msg["id"])


@websocket_api.websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/send",
        vol.Required("entry_id"): str,
        # a reply: the conversation; a new message: the numbers
        vol.Exclusive("thread", "to"): str,
        vol.Exclusive("recipients", "to"): vol.All([str], vol.Length(min=1)),
        vol.Required("message"): str,
        vol.Optional("port"): str,
    }
)
@websocket_api.require_admin
@websocket_api.async_response
async def ws_send(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Send an SMS as `send_sms` does: its checks, its errors, its response."""
    entry = _entry(hass, msg["entry_id"])
    extension = None
    if "thread" in msg:
        number, extension = number_of(msg["thread"])
        recipients = [number]
    else:
        recipients = msg.get("recipients", [])
    result = await async_send_sms(
        hass,
        entry,
        recipients,
        msg["message"],
        port=msg.get("port"),
        extension=extension,
    )
    connection.send_result(msg["id"], send_response(result))

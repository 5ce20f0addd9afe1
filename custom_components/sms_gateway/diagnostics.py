"""Diagnostics, with credentials, webhook id and phone numbers redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant

from .const import CONF_CLOUDHOOK_URL, CONF_DEFAULT_RECIPIENTS
from .coordinator import SmsGatewayConfigEntry
from .gateways.base import FieldKind

TO_REDACT = {
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_WEBHOOK_ID,
    CONF_CLOUDHOOK_URL,
    CONF_DEFAULT_RECIPIENTS,
    "token",
    "number",
    "recipient",
    "imsi",
    "iccid",
    "imei",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SmsGatewayConfigEntry
) -> dict[str, Any]:
    """What a bug report needs: configuration, identity, last snapshot, counters."""
    data = entry.runtime_data
    gateway = data.gateway
    history = data.inbound.history
    # and whatever the vendor asks as an account or a password
    secret_keys = {*gateway.credential_keys} | {
        field.key
        for field in gateway.config_fields
        if field.kind is FieldKind.PASSWORD or field.key.endswith("username")
    }
    return async_redact_data(
        {
            "entry": {"data": dict(entry.data), "options": dict(entry.options)},
            "vendor": data.gateway.vendor,
            "capabilities": sorted(data.gateway.capabilities),
            "info": asdict(data.coordinator.info),
            "status": asdict(data.coordinator.data),
            "last_update_success": data.coordinator.last_update_success,
            "inbound": {
                "seen": len(data.inbound.seen.items),
                "sent": len(data.inbound.sent.items),
                "pending": len(data.inbound.pending_message_ids()),
            },
            # how much is kept, never what (no number, no text)
            "history": {
                "retention": asdict(history.retention),
                "threads": len(history.threads),
                "unread": history.unread,
                "counters": history.counters,
            },
        },
        TO_REDACT | secret_keys,
    )

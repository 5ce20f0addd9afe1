"""Notify: `notify.<entry title>` to any numbers, and an entity for the defaults."""

from __future__ import annotations

from typing import Any, cast

from homeassistant.components.notify import NotifyEntity, NotifyEntityDescription
from homeassistant.components.notify.const import ATTR_DATA, ATTR_TARGET
from homeassistant.components.notify.legacy import BaseNotificationService
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType

from .const import (
    ATTR_PORT,
    ATTR_PROVIDER,
    CONF_DEFAULT_PORT,
    CONF_DEFAULT_RECIPIENTS,
    DOMAIN,
)
from .coordinator import SmsGatewayConfigEntry
from .entity import SmsGatewayEntity
from .outbound import async_send_sms, split_recipients

PARALLEL_UPDATES = 1
# `data.line` is what GoIP users call a port.
PORT_KEYS = (ATTR_PORT, "line")


def _default_port(entry: SmsGatewayConfigEntry) -> str | None:
    return entry.options.get(CONF_DEFAULT_PORT) or None


async def async_get_service(
    hass: HomeAssistant,
    config: ConfigType,
    discovery_info: DiscoveryInfoType | None = None,
) -> BaseNotificationService | None:
    """The legacy service of one entry, loaded by discovery at entry set-up."""
    if discovery_info is None:
        return None
    entry = cast(
        SmsGatewayConfigEntry | None,
        hass.config_entries.async_get_entry(discovery_info["entry_id"]),
    )
    if entry is None:
        return None
    service = SmsNotificationService(entry)
    entry.runtime_data.notify_service = service
    return service


class SmsNotificationService(BaseNotificationService):
    """`notify.<entry title>`: numbers as the target.

    `data.port` (or `data.line`) a port, `data.provider` a provider group
    (GoIP), as `send_sms` takes them.
    """

    def __init__(self, entry: SmsGatewayConfigEntry) -> None:
        """Send through `entry`'s gateway."""
        self.entry = entry

    async def async_send_message(self, message: str = "", **kwargs: Any) -> None:
        """Send to the targets, or to the default recipients without targets."""
        data = kwargs.get(ATTR_DATA) or {}
        port = next((str(data[key]) for key in PORT_KEYS if data.get(key)), None)
        recipients = split_recipients(kwargs.get(ATTR_TARGET)) or split_recipients(
            self.entry.options.get(CONF_DEFAULT_RECIPIENTS)
        )
        provider = str(data[ATTR_PROVIDER]) if data.get(ATTR_PROVIDER) else None
        await async_send_sms(
            self.hass,
            self.entry,
            recipients,
            message,
            # a provider group chooses its own line: no default port beside it
            port=port or (None if provider else _default_port(self.entry)),
            provider=provider,
        )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The notify entity that sends to the default recipients."""
    async_add_entities(
        [
            DefaultRecipientsNotifyEntity(
                entry.runtime_data.coordinator,
                NotifyEntityDescription(
                    key="default_recipients", translation_key="sms"
                ),
            )
        ]
    )


class DefaultRecipientsNotifyEntity(SmsGatewayEntity, NotifyEntity):
    """Sends to the default recipients of the entry's options."""

    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Send `message` (with `title` as its first line, if given)."""
        entry = self.coordinator.config_entry
        if not (
            recipients := split_recipients(entry.options.get(CONF_DEFAULT_RECIPIENTS))
        ):
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="no_default_recipients"
            )
        text = f"{title}\n{message}" if title else message
        await async_send_sms(
            self.hass, entry, recipients, text, port=_default_port(entry)
        )

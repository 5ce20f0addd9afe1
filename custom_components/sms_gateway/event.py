"""Event entities of the gateway: incoming SMS and delivery reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import EVENT_DELIVERY_REPORT, EVENT_SMS_RECEIVED, EVENT_USSD_REPLY
from .coordinator import SmsGatewayConfigEntry
from .entity import SmsGatewayEntity
from .gateways.models import Capability, DeliveryStatus

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class InboundEventDescription(EventEntityDescription):
    """An event entity fed by one kind of bus event."""

    bus_event: str
    # Created only for gateways with this capability.
    capability: Capability | None = None


EVENTS: tuple[InboundEventDescription, ...] = (
    InboundEventDescription(
        key="incoming_sms",
        translation_key="incoming_sms",
        bus_event=EVENT_SMS_RECEIVED,
        event_types=["received"],
        capability=Capability.RECEIVE,
    ),
    InboundEventDescription(
        key="delivery_report",
        translation_key="delivery_report",
        bus_event=EVENT_DELIVERY_REPORT,
        event_types=[
            status.value
            for status in DeliveryStatus
            if status is not DeliveryStatus.PENDING
        ],
    ),
    InboundEventDescription(
        key="ussd_reply",
        translation_key="ussd_reply",
        bus_event=EVENT_USSD_REPLY,
        event_types=["received"],
        capability=Capability.USSD,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One event entity per kind of inbound item."""
    coordinator = entry.runtime_data.coordinator
    capabilities = entry.runtime_data.gateway.capabilities
    async_add_entities(
        InboundEvent(coordinator, description)
        for description in EVENTS
        if description.capability in (None, *capabilities)
    )


class InboundEvent(SmsGatewayEntity, EventEntity):
    """Fires with every new incoming SMS or delivery report of the gateway."""

    entity_description: InboundEventDescription

    @property
    def available(self) -> bool:
        """Pushes arrive even while polling fails."""
        return True

    async def async_added_to_hass(self) -> None:
        """Listen to the entry's inbound items."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.config_entry.runtime_data.inbound.async_listen(
                self.entity_description.bus_event, self._handle_inbound
            )
        )

    @callback
    def _handle_inbound(self, kind: str, data: dict[str, Any]) -> None:
        self._trigger_event(kind, data)
        self.async_write_ha_state()

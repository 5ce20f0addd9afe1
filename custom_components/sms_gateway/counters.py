"""Sensors of the message history: unread SMS, and the SMS counters.

SMS received, sent, delivered and failed: per gateway, and per port where the
vendor names ports. Their values are the integration's own (`history.History`),
kept across restarts; the counters only grow (`total_increasing`), so Home
Assistant's statistics graph them. They write their states once a second at
most. Their descriptions are in `sensor`.
"""

from __future__ import annotations

from homeassistant.components.sensor import SensorEntity

from .coordinator import SmsGatewayCoordinator
from .entity import PortEntity, SmsGatewayEntity
from .history import GATEWAY, History


class _Counted(SensorEntity):
    """Follows the history's counts."""

    coordinator: SmsGatewayCoordinator

    @property
    def history(self) -> History:
        """The entry's message history."""
        return self.coordinator.config_entry.runtime_data.inbound.history

    @property
    def counter(self) -> str:
        """Which of the history's counters."""
        return self.entity_description.key.removeprefix("sms_")

    async def async_added_to_hass(self) -> None:
        """Write the state when the counts change."""
        await super().async_added_to_hass()
        self.async_on_remove(self.history.listen(self.async_write_ha_state))


class UnreadSensor(_Counted, SmsGatewayEntity):
    """Received SMS not read yet in the Messages panel, of every conversation."""

    @property
    def native_value(self) -> int:
        """How many."""
        return self.history.unread


class CounterSensor(_Counted, SmsGatewayEntity):
    """SMS received, sent, delivered or failed by the gateway."""

    @property
    def native_value(self) -> int:
        """How many, since the integration was set up."""
        return self.history.counters[self.counter].get(GATEWAY, 0)


class PortCounterSensor(_Counted, PortEntity):
    """SMS received, sent, delivered or failed through one port."""

    @property
    def native_value(self) -> int:
        """How many, since the integration was set up."""
        return self.history.counters[self.counter].get(self.port_id, 0)

"""One poll of the gateway: a `GatewayStatus` snapshot, and reports still due."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .compat import device_by_identifier
from .const import (
    CONF_POLL_INTERVAL,
    CONF_RECEIVE_MODE,
    DEFAULT_POLL_INTERVAL,
    DOMAIN,
    LOGGER,
    RECEIVE_PUSH,
)
from .errors import translate_errors
from .gateways import Gateway
from .gateways.errors import GatewayError
from .gateways.models import Capability, GatewayInfo, GatewayStatus, PortStatus
from .inbound import Inbound

if TYPE_CHECKING:
    from homeassistant.components.notify.legacy import BaseNotificationService


@dataclass(kw_only=True)
class SmsGatewayData:
    """What a loaded entry holds."""

    gateway: Gateway
    coordinator: SmsGatewayCoordinator
    inbound: Inbound
    # the gateway's own device, once registered
    device: dr.DeviceEntry | None = None
    notify_service: BaseNotificationService | None = None
    # Pushes are processed (not held) from the end of set-up to unload.
    pushes_open: bool = False


type SmsGatewayConfigEntry = ConfigEntry[SmsGatewayData]


# A port missing from this many snapshots in a row is gone, with its device and
# entities. One empty or short port list (a gateway restarting its modules, a
# line server between two answers) must not cost the user's names, areas and
# disabled entities; three polls (90 s at the default interval) still let a SIM
# or a line that was taken out leave within minutes.
PORT_GONE_POLLS = 3


def port_identifier(entry_id: str, port_id: str) -> tuple[str, str]:
    """Device registry identifier of one port's sub-device."""
    return (DOMAIN, f"{entry_id}#{port_id}")


def layout_of(info: GatewayInfo, status: GatewayStatus) -> dict[str, Any]:
    """What entities and devices are made from: the gateway and its ports."""
    return {
        "info": asdict(info),
        "ports": [
            [port.port_id, port.name, port.slot] for port in status.ports.values()
        ],
    }


def from_layout(layout: Any) -> tuple[GatewayInfo, GatewayStatus] | None:
    """The gateway, and a snapshot of its ports with nothing known of them.

    None for a layout this version cannot read (another version wrote it).
    """
    try:
        ports = {
            str(port_id): PortStatus(str(port_id), str(name), slot=slot)
            for port_id, name, slot in layout["ports"]
        }
        return GatewayInfo(**layout["info"]), GatewayStatus(ports=ports)
    except (KeyError, TypeError, ValueError):
        return None


class SmsGatewayCoordinator(DataUpdateCoordinator[GatewayStatus]):
    """Polls one gateway; entities and the port devices follow its snapshots.

    A snapshot equal to the last one tells nobody: nothing is written.
    """

    config_entry: SmsGatewayConfigEntry
    info: GatewayInfo

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmsGatewayConfigEntry,
        gateway: Gateway,
        inbound: Inbound,
    ) -> None:
        """Poll at the interval of the entry's options."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=entry.title,
            update_interval=timedelta(
                seconds=entry.options.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL)
            ),
            always_update=False,
        )
        self.gateway = gateway
        self.inbound = inbound
        # Performance is asked for only while one of its entities is enabled.
        self.performance_listeners = 0
        # set up from the layout last seen: identify the gateway at the next poll
        self._identify = False
        # the snapshot identifying the gateway took, for the poll right after
        self._identified: GatewayStatus | None = None
        # ports missing from the latest snapshots -> in how many in a row
        self.absent_ports: dict[str, int] = {}

    @callback
    def async_start_from(self, layout: Any) -> bool:
        """Stand for the gateway as it was last seen, until a poll answers.

        Its entities exist at once and are unavailable; Home Assistant's
        start does not wait for a gateway that is slow or away. False (and
        nothing done) when the layout cannot be read.
        """
        if (known := from_layout(layout)) is None:
            return False
        self.info, self.data = known
        self.last_update_success = False
        self._identify = True
        return True

    async def _async_setup(self) -> None:
        """Identify the gateway once; its snapshot is the first poll's."""
        with translate_errors(UpdateFailed):
            self.info, self._identified = await self.gateway.async_identify()

    async def _async_update_data(self) -> GatewayStatus:
        """Take a snapshot; poll what is due of messages and the inbox."""
        if self._identify:
            await self._async_setup()
            self._identify = False
            self._update_device()
        with translate_errors(UpdateFailed):
            status, self._identified = self._identified, None
            if status is None:
                status = await self.gateway.async_get_status()
            if self.performance_listeners:
                performance = await self.gateway.async_get_performance()
                status = replace(status, performance=performance)
        if self.data is not None:
            self._count_absent_ports(status)
        capabilities = self.gateway.capabilities
        try:
            if Capability.REPORT_POLL in capabilities and (
                pending := self.inbound.pending_message_ids(
                    until_delivered=self.gateway.polls_delivery
                )
            ):
                self.inbound.process(
                    await self.gateway.async_query_reports(
                        pending, self.inbound.references_of(pending)
                    )
                )
            if Capability.INBOX_POLL in capabilities and self.polls_inbox:
                found, cursor = await self.gateway.async_poll_incoming(
                    self.inbound.inbox_cursor
                )
                self.inbound.process_inbox(
                    found, cursor, queue=self.gateway.inbox_is_queue
                )
        except GatewayError as err:
            # The snapshot is good; what was not polled now is polled next time.
            LOGGER.debug("Polling messages failed: %s", err)
        self.inbound.remember_layout(layout_of(self.info, status))
        return status

    def _update_device(self) -> None:
        """The gateway's device, as the gateway now tells about itself."""
        entry_id = self.config_entry.entry_id
        if device := device_by_identifier(self.hass, (DOMAIN, entry_id), entry_id):
            dr.async_get(self.hass).async_update_device(
                device.id,
                manufacturer=self.info.manufacturer,
                model=self.info.model,
                serial_number=self.info.serial,
                sw_version=self.info.firmware,
            )

    @property
    def polls_inbox(self) -> bool:
        """Whether the options ask for incoming SMS to be polled."""
        mode = self.config_entry.options.get(CONF_RECEIVE_MODE, RECEIVE_PUSH)
        return bool(mode != RECEIVE_PUSH)

    def _count_absent_ports(self, status: GatewayStatus) -> None:
        """Count each known port's absence; remove those away PORT_GONE_POLLS times."""
        known = set(self.data.ports) | set(self.absent_ports)
        self.absent_ports = {
            port_id: self.absent_ports.get(port_id, 0) + 1
            for port_id in known - set(status.ports)
        }
        gone = {p for p, polls in self.absent_ports.items() if polls >= PORT_GONE_POLLS}
        for port_id in gone:
            del self.absent_ports[port_id]
        if gone:
            self._remove_vanished_ports(gone)
            # The snapshot need not change as a port goes (it was missing from
            # the last ones too): the entity helpers learn it is gone now, so
            # that it gets new entities if it comes back.
            self.async_update_listeners()

    def _remove_vanished_ports(self, vanished: set[str]) -> None:
        """Remove the sub-devices (and so the entities) of ports that are gone."""
        entry_id = self.config_entry.entry_id
        for port_id in vanished:
            identifier = port_identifier(entry_id, port_id)
            if device := device_by_identifier(self.hass, identifier, entry_id):
                LOGGER.info("Port %s is gone from %s", port_id, self.config_entry.title)
                dr.async_get(self.hass).async_remove_device(device.id)

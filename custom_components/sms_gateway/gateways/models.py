"""Data shared by every vendor: the only thing the Home Assistant side sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Capability(StrEnum):
    """What a gateway client can do; the Home Assistant side decides from these."""

    SEND = "send"
    STATUS = "status"
    PORTS = "ports"
    PORT_ROUTING = "port_routing"
    PROVIDER_ROUTING = "provider_routing"
    REPORT_POLL = "report_poll"
    PUSH = "push"


class PortField(StrEnum):
    """Fields of `PortStatus` that a vendor reports."""

    ONLINE = "online"
    REGISTRATION = "registration"
    SIGNAL = "signal"
    REMAINING_SMS = "remaining_sms"
    REMAINING_SMS_TODAY = "remaining_sms_today"


class Registration(StrEnum):
    """Registration of a port's SIM on the mobile network."""

    REGISTERED = "registered"
    NOT_REGISTERED = "not_registered"
    SEARCHING = "searching"
    DENIED = "denied"
    UNKNOWN = "unknown"


class DeliveryStatus(StrEnum):
    """State of one outgoing message to one recipient."""

    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNKNOWN = "unknown"

    @property
    def final(self) -> bool:
        """Whether nothing but a delivery receipt can follow this state."""
        return self is not DeliveryStatus.PENDING


@dataclass(frozen=True, slots=True)
class GatewayInfo:
    """What identifies a gateway."""

    manufacturer: str
    model: str
    serial: str | None = None
    firmware: str | None = None
    port_count: int | None = None


@dataclass(frozen=True, slots=True)
class PortStatus:
    """One port (GSM module, GoIP line) of a gateway."""

    port_id: str
    name: str
    online: bool | None = None
    registration: Registration = Registration.UNKNOWN
    signal: int | None = None
    remaining_sms: int | None = None
    remaining_sms_today: int | None = None


@dataclass(frozen=True, slots=True)
class GatewayStatus:
    """One snapshot of the gateway, taken by one poll."""

    ports: dict[str, PortStatus] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SendRequest:
    """An SMS to send to one or more recipients."""

    recipients: tuple[str, ...]
    message: str
    port: str | None = None
    provider: str | None = None


@dataclass(frozen=True, slots=True)
class RecipientResult:
    """What became of one recipient of a send."""

    recipient: str
    message_id: str | None
    accepted: bool
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SendResult:
    """One result per distinct recipient, and the duplicates that were merged."""

    results: tuple[RecipientResult, ...]
    merged: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IncomingSms:
    """An SMS a port received.

    A naive `timestamp` is the gateway's local time.
    """

    sender: str
    text: str
    port: str | None = None
    timestamp: datetime | None = None
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """A state of one outgoing message, pushed or polled."""

    message_id: str
    status: DeliveryStatus
    recipient: str | None = None
    port: str | None = None
    error_code: str | None = None
    error_text: str | None = None
    timestamp: datetime | None = None


type InboundItem = IncomingSms | DeliveryReport

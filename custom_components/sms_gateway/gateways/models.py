"""Data shared by every vendor: the only thing the Home Assistant side sees."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from .text import Encoding


class Capability(StrEnum):
    """What a gateway client can do; the Home Assistant side decides from these."""

    SEND = "send"
    RECEIVE = "receive"
    STATUS = "status"
    PORTS = "ports"
    PORT_ROUTING = "port_routing"
    PROVIDER_ROUTING = "provider_routing"
    CHOOSE_ENCODING = "choose_encoding"
    CHOOSE_DELIVERY_REPORT = "choose_delivery_report"
    REPORT_POLL = "report_poll"
    INBOX_POLL = "inbox_poll"
    CANCEL = "cancel"
    USSD = "ussd"
    PERFORMANCE = "performance"
    STK = "stk"
    CALL_FORWARDING = "call_forwarding"
    CALL_RECORDS = "call_records"
    EXTENSION = "extension"
    TEXT_PARAMS = "text_params"
    SEVERAL_PORTS = "several_ports"  # one send through any of several ports
    PUSH_SETUP = "push_setup"
    PUSH = "push"


class PortField(StrEnum):
    """Fields of `PortStatus` that a vendor reports (named as the fields)."""

    ONLINE = "online"
    SMS_READY = "sms_ready"
    REGISTRATION = "registration"
    SIM_STATUS = "sim_status"
    SIGNAL = "signal"
    CALL_STATE = "call_state"
    NETWORK_TYPE = "network_type"
    IMEI = "imei"
    IMSI = "imsi"
    ICCID = "iccid"
    NUMBER = "number"
    SLOT = "slot"
    REMAINING_SMS = "remaining_sms"
    REMAINING_SMS_TODAY = "remaining_sms_today"
    REMAINING_CREDIT = "remaining_credit"
    REMAINING_MONTHLY_CREDIT = "remaining_monthly_credit"
    REMAINING_DAILY_CREDIT = "remaining_daily_credit"
    REMAINING_DAILY_CALLS = "remaining_daily_calls"
    REMAINING_HOURLY_CALLS = "remaining_hourly_calls"
    REMAINING_DAILY_CONNECTS = "remaining_daily_connects"
    DATA_ATTACHED = "data_attached"
    SMSC = "smsc"


class GatewayField(StrEnum):
    """Fields of `GatewayStatus` that a vendor reports."""

    QUEUE_DEPTH = "queue_depth"
    CPU_USED = "cpu_used"
    MEMORY_USED = "memory_used"
    FLASH_USED = "flash_used"
    BALANCE = "balance"
    PAYMENT = "payment"


class Registration(StrEnum):
    """Registration of a port's SIM on the mobile network."""

    REGISTERED = "registered"
    NOT_REGISTERED = "not_registered"
    SEARCHING = "searching"
    DENIED = "denied"
    NO_SIM = "no_sim"
    PIN_REQUIRED = "pin_required"
    PUK_REQUIRED = "puk_required"
    POWER_OFF = "power_off"
    UNKNOWN = "unknown"


class CallState(StrEnum):
    """What the port's voice channel is doing."""

    IDLE = "idle"
    PROCESSING = "processing"
    RINGING = "ringing"
    ACTIVE = "active"
    ALERTING = "alerting"
    CALL_WAITING = "call_waiting"
    CALL_HOLDING = "call_holding"
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
    # 0-31 (ASU) as GSM modules report it; None when unknown.
    signal: int | None = None
    remaining_sms: int | None = None
    remaining_sms_today: int | None = None
    call_state: CallState | None = None
    network_type: str | None = None
    imei: str | None = None
    imsi: str | None = None
    iccid: str | None = None
    number: str | None = None
    slot: int | None = None
    remaining_credit: float | None = None
    remaining_monthly_credit: float | None = None
    remaining_daily_credit: float | None = None
    remaining_daily_calls: int | None = None
    remaining_hourly_calls: int | None = None
    remaining_daily_connects: int | None = None
    # Attached to the packet data (GPRS) network.
    data_attached: bool | None = None
    # The SMS center the SIM sends through.
    smsc: str | None = None
    # The gateway offers the port for sending SMS.
    sms_ready: bool | None = None
    # The gateway's own words for the SIM's state.
    sim_status: str | None = None


@dataclass(frozen=True, slots=True)
class Performance:
    """How loaded the gateway's own computer is, in percent."""

    cpu_used: float | None = None
    memory_used: float | None = None
    flash_used: float | None = None


@dataclass(frozen=True, slots=True)
class GatewayStatus:
    """One snapshot of the gateway, taken by one poll."""

    ports: dict[str, PortStatus] = field(default_factory=dict)
    queue_depth: int | None = None
    performance: Performance | None = None
    # Account balance of a platform, in the account's currency.
    balance: float | None = None
    # "prepaid" or "postpaid"
    payment: str | None = None


@dataclass(frozen=True, slots=True)
class SendRequest:
    """An SMS to send to one or more recipients."""

    recipients: tuple[str, ...]
    message: str
    port: str | None = None
    # Several ports, the gateway choosing among them (`SEVERAL_PORTS`).
    ports: tuple[str, ...] | None = None
    provider: str | None = None
    # None: the vendor's (or the text's) choice.
    encoding: Encoding | None = None
    delivery_report: bool | None = None
    # A platform's extension number (api/v1 extNo), shown to the recipient.
    extension: str | None = None
    # Per recipient (in the vendor's form), the values that replace the
    # message's `#param#` in their order (Dinstar's text_param).
    text_params: Mapping[str, tuple[str, ...]] | None = None
    # The recipients are already in the vendor's form, each once
    # (`Gateway.unique_recipients` made them so): they are not read again.
    normalized: bool = False
    # Called with results as soon as their message ids are known: before the
    # request leaves where the ids are the client's (Dinstar's user_id), as
    # each request's answer comes otherwise. Its caller keeps them durably.
    track: Callable[[list[RecipientResult]], None] | None = field(
        default=None, compare=False, repr=False
    )


# Not frozen: a bulk send makes one per recipient, and a frozen dataclass
# takes three times as long to make.
@dataclass(slots=True)
class RecipientResult:
    """What became of one recipient of a send."""

    recipient: str
    message_id: str | None
    accepted: bool
    reason: str | None = None
    # The vendor's id of the request that carried this recipient (to cancel it).
    task_id: str | None = None
    # How the vendor's reports name this message, where not by message_id.
    reference: str | None = None


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
    # The extension number the SMS was sent to (api/v1 extNo).
    extension: str | None = None
    # The SMS center that delivered it, where the vendor tells it (Dinstar).
    smsc: str | None = None
    # The sender as every way the vendor hands out SMS shows it, where one
    # shows less (api/v1's `mo` queue masks it, its callback does not): what
    # tells this SMS from another, so one that comes both ways fires once.
    sender_match: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """A state of one outgoing message, pushed or polled.

    `reference` is the vendor's own key of the message; a report that carries
    both links them, so a later report with only the reference (a network
    status report) is matched to the message_id.
    """

    message_id: str | None
    status: DeliveryStatus
    recipient: str | None = None
    port: str | None = None
    error_code: str | None = None
    error_text: str | None = None
    timestamp: datetime | None = None
    reference: str | None = None
    # A long SMS: how many parts it was sent in, and how many of them went
    # (Dinstar's `count`, `succ_count`); None where the vendor does not say.
    parts: int | None = None
    parts_sent: int | None = None


class PortControl(StrEnum):
    """What can be done to a port."""

    RESTART = "restart"
    POWER = "power"  # value: "on" or "off"
    SLOT = "slot"  # value: the SIM slot, 0-3
    LOCK_SIM = "lock_sim"  # value: the PIN
    UNLOCK_SIM = "unlock_sim"  # value: the PIN
    BLOCK = "block"
    UNBLOCK = "unblock"
    SET_NUMBER = "set_number"  # value: the SIM's own number, as the gateway keeps it


class ForwardReason(StrEnum):
    """When calls are forwarded (3GPP call forwarding conditions)."""

    UNCONDITIONAL = "unconditional"
    NO_REPLY = "no_reply"
    BUSY = "busy"
    NOT_REACHABLE = "not_reachable"
    CANCEL_ALL = "cancel_all"


class PortEventKind(StrEnum):
    """What happened to a port or to the gateway."""

    REGISTRATION = "registration"
    POWER = "power"
    EXCEPTION = "exception"
    CALL = "call"


@dataclass(frozen=True, slots=True)
class PortEvent:
    """A port's SIM registered or dropped, the gateway powered, a call ended...

    `state` is the new state (up/down, on/off, the exception's type, the
    call's direction); `details` hold the rest under vendor-neutral names.
    """

    kind: PortEventKind
    port: str | None
    state: str | None
    details: dict[str, str | int | float | None] = field(default_factory=dict)
    timestamp: datetime | None = None


@dataclass(frozen=True, slots=True)
class UssdReply:
    """What the network answered a USSD code with."""

    port: str | None
    text: str
    timestamp: datetime | None = None
    # The id the session was started with, where the vendor echoes one.
    session_id: str | None = None
    # Set when the network or the gateway says the USSD failed: its reason.
    error: str | None = None


class StkInput(StrEnum):
    """What an STK view asks of the user (the document's input_type)."""

    DISPLAY = "display"  # 0: text only
    MENU = "menu"  # 1: the desktop menu
    SELECT = "select"  # 2: choose an item
    YES_NO = "yes_no"  # 3
    DIGIT = "digit"  # 4: one digit
    CHARACTER = "character"  # 5: one character
    DIGITS = "digits"  # 8
    DIGITS_HIDDEN = "digits_hidden"  # 9: digits, not echoed
    TEXT = "text"  # 10
    TEXT_HIDDEN = "text_hidden"  # 11: text, not echoed
    LOCKED = "locked"  # 12: no input possible
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class StkItem:
    """One choice of an STK menu."""

    item_id: int
    text: str


@dataclass(frozen=True, slots=True)
class StkView:
    """What the SIM toolkit shows on a port."""

    title: str | None
    text: str | None
    input: StkInput
    frame_id: int | None
    items: tuple[StkItem, ...] = ()


type InboundItem = IncomingSms | DeliveryReport | UssdReply | PortEvent

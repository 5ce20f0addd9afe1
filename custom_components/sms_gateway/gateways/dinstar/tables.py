"""Dinstar's vocabulary: its limits, and its words for ours and ours for its."""

from __future__ import annotations

from ..errors import (
    RejectKind,
)
from ..models import (
    CallState,
    DeliveryStatus,
    ForwardReason,
    PortControl,
    Registration,
    StkInput,
)

MAX_RECIPIENTS = 128
MAX_TEXT_BYTES = 1500
MAX_QUERY_IDS = 32
MAX_USSD_BYTES = 60
# set_port_info's action and param for each control
CONTROLS: dict[PortControl, tuple[str, str | None]] = {
    PortControl.RESTART: ("reset", None),
    PortControl.POWER: ("power", "value"),
    PortControl.SLOT: ("slot", "value"),
    PortControl.LOCK_SIM: ("lock", "value"),
    PortControl.UNLOCK_SIM: ("unlock", "value"),
    PortControl.BLOCK: ("block", None),
    PortControl.UNBLOCK: ("unblock", None),
    PortControl.SET_NUMBER: ("number", "value"),
}
FORWARD_REASONS = {
    ForwardReason.UNCONDITIONAL: "Unconditional",
    ForwardReason.NO_REPLY: "NoReply",
    ForwardReason.BUSY: "Busy",
    ForwardReason.NOT_REACHABLE: "Not_Reachable",
    ForwardReason.CANCEL_ALL: "CancelAll",
}
STK_INPUTS = {
    0: StkInput.DISPLAY,
    1: StkInput.MENU,
    2: StkInput.SELECT,
    3: StkInput.YES_NO,
    4: StkInput.DIGIT,
    5: StkInput.CHARACTER,
    8: StkInput.DIGITS,
    9: StkInput.DIGITS_HIDDEN,
    10: StkInput.TEXT,
    11: StkInput.TEXT_HIDDEN,
    12: StkInput.LOCKED,
}

INFO_TYPES = (
    "type,imei,imsi,iccid,smsc,number,reg,slot,callstate,signal,gprs,remain_credit,"
    "remain_monthly_credit,remain_daily_credit,remain_daily_calltime,"
    "remain_hourly_calltime,remain_daily_connect"
)

ERROR_TEXTS = {
    400: "the gateway found the request malformed",
    413: "more than 128 numbers or a text over 1500 bytes",
    486: "the port is busy or the task does not exist",
    500: "the gateway failed",
    503: "the port is not registered",
    550: "no port is free to send",
}

# What an error_code means, unless a call says otherwise (486 of stop_sms).
REJECT_KINDS = {
    400: RejectKind.INVALID_REQUEST,
    413: RejectKind.TOO_LARGE,
    486: RejectKind.PORT_BUSY,
    503: RejectKind.NOT_REGISTERED,
    550: RejectKind.NO_PORT,
}

REGISTRATION = {
    "POWER_OFF": Registration.POWER_OFF,
    "NO_SIM": Registration.NO_SIM,
    "PIN_REQUIRE": Registration.PIN_REQUIRED,
    "PUK_REQUIRE": Registration.PUK_REQUIRED,
    "UNREGISTER": Registration.NOT_REGISTERED,
    "SEARCHING_NETWORK": Registration.SEARCHING,
    "REGISTER_OK": Registration.REGISTERED,
    "UNKNOWN": Registration.UNKNOWN,
}

# The document's values, lower case, spaces as underscores ("Unknow" included).
CALL_STATES = {state.value.replace("_", ""): state for state in CallState} | {
    "unknow": CallState.UNKNOWN
}

RESULT_STATUS = {
    "FAILED": DeliveryStatus.FAILED,
    "SENDING": DeliveryStatus.PENDING,
    "SENT_OK": DeliveryStatus.SENT,
    "DELIVERED": DeliveryStatus.DELIVERED,
}

"""Dinstar's answers and pushes turned into models: pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import (
    GatewayPayloadError,
    GatewayRejectedError,
    RejectKind,
)
from ..models import (
    CallState,
    DeliveryReport,
    DeliveryStatus,
    GatewayStatus,
    InboundItem,
    IncomingSms,
    PortEvent,
    PortEventKind,
    PortStatus,
    Registration,
    StkInput,
    StkItem,
    StkView,
    UssdReply,
)
from ..parse import (
    as_float,
    as_int,
    as_local_time,
    as_text,
)
from .tables import (
    CALL_STATES,
    ERROR_TEXTS,
    REGISTRATION,
    REJECT_KINDS,
    RESULT_STATUS,
    STK_INPUTS,
)


def rejected(
    code: int | None, kinds: Mapping[int, RejectKind] = REJECT_KINDS
) -> GatewayRejectedError:
    """The refusal an error_code (or a port's status) stands for."""
    return GatewayRejectedError(
        str(code),
        ERROR_TEXTS.get(code or 0),
        kinds.get(code or 0, RejectKind.GATEWAY_FAILURE),
    )


def list_of(answer: Mapping[str, Any], key: str) -> list[Any]:
    """The list under `key` of an answer or push (none: an empty one)."""
    value = answer.get(key, [])
    if not isinstance(value, list):
        raise GatewayPayloadError(f"{key} is not a list")
    return value


def results_of(answer: Mapping[str, Any]) -> list[Any]:
    """An answer's result list; older firmware spells its key "result:"."""
    return list_of(answer, "result" if "result" in answer else "result:")


def port_number(port: str) -> int:
    """A port as the API numbers it, 0 to 31; anything else is refused."""
    number = as_int(port)
    if number is None or not 0 <= number <= 31:
        raise GatewayRejectedError("400", f"no port {port}", RejectKind.INVALID_REQUEST)
    return number


def status_of(info: dict[str, Any], queue: dict[str, Any]) -> GatewayStatus:
    """A snapshot of the answers of `get_port_info` and `query_sms_in_queue`."""
    ports = [port for item in list_of(info, "info") if (port := port_status(item))]
    return GatewayStatus(
        ports={port.port_id: port for port in ports},
        queue_depth=as_int(queue.get("in_queue")),
    )


def port_status(item: Any) -> PortStatus | None:
    """One `get_port_info` element.

    The call counters are asked for as `remain_daily_calltime`, ... and the
    document's example answers `remain_daily_call_time`, ...: both are read.
    """
    if not isinstance(item, dict) or (number := as_int(item.get("port"))) is None:
        return None
    signal = as_int(item.get("signal"))
    slot = as_int(item.get("slot"))
    call_state = as_text(item.get("callstate"))
    return PortStatus(
        port_id=str(number),
        name=f"Port {number}",
        registration=REGISTRATION.get(
            as_text(item.get("reg")) or "", Registration.UNKNOWN
        ),
        signal=signal if signal is not None and 0 <= signal <= 31 else None,
        call_state=(
            CALL_STATES.get(call_state.lower().replace(" ", ""), CallState.UNKNOWN)
            if call_state
            else None
        ),
        network_type=as_text(item.get("type")),
        imei=as_text(item.get("imei")),
        imsi=as_text(item.get("imsi")),
        iccid=as_text(item.get("iccid")),
        number=as_text(item.get("number")),
        slot=slot if slot is not None and slot != 255 else None,
        remaining_credit=as_float(item.get("remain_credit")),
        remaining_monthly_credit=as_float(item.get("remain_monthly_credit")),
        remaining_daily_credit=as_float(item.get("remain_daily_credit")),
        remaining_daily_calls=either(
            item, "remain_daily_calltime", "remain_daily_call_time"
        ),
        remaining_hourly_calls=either(
            item, "remain_hourly_calltime", "remain_hourly_call_time"
        ),
        remaining_daily_connects=either(
            item, "remain_daily_connect", "remain_daily_connected"
        ),
        data_attached=(
            None if (gprs := as_text(item.get("gprs"))) is None else gprs == "attached"
        ),
        smsc=as_text(item.get("smsc")),
    )


def either(item: Mapping[str, Any], *keys: str) -> int | None:
    """The first of `keys` the gateway answered, as a number."""
    return next((as_int(item[key]) for key in keys if key in item), None)


def reference_of(item: Mapping[str, Any]) -> str | None:
    """A sent message as the network knows it: port, first part's ref_id, number."""
    port, ref_id, number = (as_text(item.get(k)) for k in ("port", "ref_id", "number"))
    return f"{port}:{ref_id}:{number}" if port and ref_id and number else None


def incoming(item: Any) -> IncomingSms:
    """An `sms` element of `query_incoming_sms`, or of a push."""
    if not isinstance(item, dict):
        raise GatewayPayloadError("an SMS is not an object")
    sender, text = as_text(item.get("number")), item.get("text")
    if sender is None or not isinstance(text, str):
        raise GatewayPayloadError("an SMS without number or text")
    return IncomingSms(
        sender=sender,
        text=text,
        port=as_text(item.get("port")),
        timestamp=as_local_time(item.get("timestamp")),
        message_id=as_text(item.get("incoming_sms_id")),
        smsc=as_text(item.get("smsc")),
    )


def ussd_reply(item: Any) -> UssdReply:
    """A `reply` element of `query_ussd_reply`, or of a `ussd` push."""
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        raise GatewayPayloadError("a USSD reply without text")
    return UssdReply(port=as_text(item.get("port")), text=item["text"])


def stk_view(answer: Mapping[str, Any]) -> StkView:
    """A `GetSTKView` answer.

    The document names an item's text `item_字符串` ("item_string" in
    Chinese, a slip of its translation); any `item_` key but `item_id` is read.
    """
    items = []
    if not isinstance(raw_items := answer.get("item") or [], list):
        raise GatewayPayloadError("STK items are not a list")
    for item in raw_items:
        if (
            not isinstance(item, dict)
            or (item_id := as_int(item.get("item_id"))) is None
        ):
            raise GatewayPayloadError("an STK item without item_id")
        text = next(
            (
                str(v)
                for k, v in item.items()
                if k.startswith("item_") and k != "item_id"
            ),
            "",
        )
        items.append(StkItem(item_id, text))
    input_type = as_int(answer.get("input_type"))
    return StkView(
        title=as_text(answer.get("title")),
        text=as_text(answer.get("text")),
        input=STK_INPUTS.get(input_type, StkInput.UNKNOWN)
        if input_type is not None
        else StkInput.UNKNOWN,
        frame_id=as_int(answer.get("frame_id")),
        items=tuple(items),
    )


def object_of(item: Any, what: str) -> dict[str, Any]:
    """`item`, which must be an object (`what` names it in the error)."""
    if not isinstance(item, dict):
        raise GatewayPayloadError(f"{what} is not an object")
    return item


def registration_event(item: Any) -> PortEvent:
    """A `register` element: a port's SIM came up or went down."""
    item = object_of(item, "a registration")
    if (state := as_text(item.get("status"))) not in ("up", "down"):
        raise GatewayPayloadError("a registration that is neither up nor down")
    return PortEvent(
        PortEventKind.REGISTRATION,
        port=as_text(item.get("port")),
        state=state,
        details={
            "iccid": as_text(item.get("iccid")),
            "imsi": as_text(item.get("imsi")),
            "number": as_text(item.get("number")),
            "slot": as_int(item.get("slot")),
        },
    )


def power_event(item: Any) -> PortEvent:
    """A `device` push: the gateway powered on or off."""
    item = object_of(item, "a device push")
    state = {"power_on": "on", "power_off": "off"}.get(
        as_text(item.get("status")) or ""
    )
    if state is None:
        raise GatewayPayloadError("a device push without power state")
    return PortEvent(
        PortEventKind.POWER,
        port=None,
        state=state,
        details={"port_count": as_int(item.get("port_number"))},
    )


def exception_event(item: Any) -> PortEvent:
    """An `exception_info` push: what went wrong on a port, what was done."""
    item = object_of(item, "an exception push")
    if not as_text(item.get("type")):
        raise GatewayPayloadError("an exception push without its type")
    return PortEvent(
        PortEventKind.EXCEPTION,
        port=as_text(item.get("port")),
        state=as_text(item.get("type")),
        details={"action": as_text(item.get("action"))},
    )


def call_record(item: Any) -> PortEvent:
    """A `cdr` element: a connected call ended."""
    item = object_of(item, "a call record")
    return PortEvent(
        PortEventKind.CALL,
        port=as_text(item.get("port")),
        state=as_text(item.get("direction")),
        details={
            "start": as_text(item.get("start_date")),
            "answer": as_text(item.get("answer_date")),
            "duration": as_int(item.get("duration")),
            "source": as_text(item.get("source_number")),
            "destination": as_text(item.get("destination_number")),
            "hangup": as_text(item.get("hangup")),
            "gsm_code": as_int(item.get("gsm_code")),
        },
        timestamp=as_local_time(item.get("start_date")),
    )


def result_report(item: Any) -> DeliveryReport:
    """An `sms_result` element: the outcome of sending, by user_id."""
    if not isinstance(item, dict):
        raise GatewayPayloadError("a send result is not an object")
    status = RESULT_STATUS.get(as_text(item.get("status")) or "")
    message_id, reference = as_text(item.get("user_id")), reference_of(item)
    if status is None or (message_id is None and reference is None):
        raise GatewayPayloadError("a send result without status or message")
    count, sent = as_int(item.get("count")), as_int(item.get("succ_count"))
    return DeliveryReport(
        message_id=message_id,
        status=status,
        recipient=as_text(item.get("number")),
        port=as_text(item.get("port")),
        error_text=(
            f"{sent} of {count} parts sent"
            if status is DeliveryStatus.FAILED and count
            else None
        ),
        timestamp=as_local_time(item.get("time")),
        reference=reference,
        parts=count,
        parts_sent=sent,
    )


def deliver_report(item: Any) -> DeliveryReport:
    """An `sms_deliver_status` element: the network's status report.

    TP-Status 0-31: delivered; 32-63: a temporary error, the network goes on
    trying (reported as unknown); 64-255: a permanent error (failed).
    """
    if not isinstance(item, dict):
        raise GatewayPayloadError("a status report is not an object")
    code, reference = as_int(item.get("status_code")), reference_of(item)
    if code is None or not 0 <= code <= 255 or reference is None:
        raise GatewayPayloadError("a status report without status_code or reference")
    if code < 32:
        status, text = DeliveryStatus.DELIVERED, None
    elif code < 64:
        status, text = (
            DeliveryStatus.UNKNOWN,
            "temporary error, the network keeps trying",
        )
    else:
        status, text = DeliveryStatus.FAILED, "permanent error"
    return DeliveryReport(
        message_id=None,
        status=status,
        recipient=as_text(item.get("number")),
        port=as_text(item.get("port")),
        error_code=str(code) if code >= 32 else None,
        error_text=text,
        timestamp=as_local_time(item.get("time")),
        reference=reference,
    )


# What each push key holds: lists of items, or one object.
PUSH_LISTS: dict[str, Callable[[Any], InboundItem]] = {
    "sms": incoming,
    "sms_result": result_report,
    "sms_deliver_status": deliver_report,
    "ussd": ussd_reply,
    "register": registration_event,
    "cdr": call_record,
}
PUSH_OBJECTS: dict[str, Callable[[Any], InboundItem]] = {
    "device": power_event,
    "exception_info": exception_event,
}

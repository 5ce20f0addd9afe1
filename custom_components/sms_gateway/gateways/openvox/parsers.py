"""OpenVox's answers and pushes turned into models: pure functions, no I/O.

Also the names it gives to what we send (references) and its login's hash.
"""

from __future__ import annotations

from collections.abc import Mapping
import hashlib
from typing import Any

from ..errors import (
    GatewayPayloadError,
)
from ..models import (
    DeliveryReport,
    DeliveryStatus,
    IncomingSms,
    UssdReply,
)
from ..parse import (
    as_local_time,
    as_text,
)
from .tables import (
    OUTBOX_STATUS,
    PORT_NAME,
    STATUS,
    USSD_FAILURE_CODES,
    USSD_FIELD,
    USSD_RECORD,
)


def md5_password(username: str, password: str) -> str:
    """The login's password: md5 of `password-username`."""
    return hashlib.md5(f"{password}-{username}".encode()).hexdigest()


def reference(port_name: str | None, number: str, text: str) -> str:
    """How outbox entries and pushes name a sent message: port, number, text."""
    return digest_reference(port_name, number, text_digest(text))


def digest_reference(port_name: str | None, number: str, digest: str) -> str:
    """The same, from the text's `text_digest`."""
    return f"{port_name}|{number}|{digest}"


def text_digest(text: str) -> str:
    """The part of a reference that stands for the text."""
    return hashlib.sha256(clean(text).encode()).hexdigest()[:16]


def clean(text: str) -> str:
    """Texts as the modem hands them over carry stray byte order marks."""
    return text.replace("\ufeff", "")


def ussd_result(data: Any, port: str) -> str | None:
    """The send result of `port` in either answer format (JSON or text)."""
    if isinstance(data, dict) and isinstance(report := data.get("report"), dict):
        entry = report.get(port)
        return as_text(entry.get("result")) if isinstance(entry, dict) else None
    if isinstance(data, str):
        for record, body in USSD_RECORD.findall(data):
            if record == port:
                return dict(USSD_FIELD.findall(body)).get("result")
    return None


def ussd_push(query: Mapping[str, str]) -> UssdReply:
    """The USSD-to-HTTP push, named as the README tells to set it up."""
    text = query.get("message")
    if text is None:
        raise GatewayPayloadError("a USSD push without message")
    return UssdReply(
        port=as_text(query.get("port")),
        text=clean(text),
        timestamp=as_local_time(query.get("time")),
        session_id=as_text(query.get("id")),
        error=ussd_error(query.get("status"), query.get("code")),
    )


def ussd_error(status: str | None, code: str | None) -> str | None:
    """Why a pushed USSD failed; None when it did not.

    The document names `status` and `code` but not their values. Read as the
    modem's `+CUSD` report that the gateway passes on: a `status` other than 0
    is a failure of the gateway's, and `code` 4 (operation not supported) or
    5 (network time out) is the network's; 0 to 3 carry a reply.
    """
    status, code = (status or "0").strip(), (code or "0").strip()
    if status not in ("0", ""):
        return f"status {status}"
    if code in USSD_FAILURE_CODES:
        return USSD_FAILURE_CODES[code]
    return None


def incoming(entry: Any, id_key: str | None) -> IncomingSms:
    """An inbox entry, or a push, of a received SMS."""
    if not isinstance(entry, dict):
        raise GatewayPayloadError("an SMS is not an object")
    sender, text = as_text(entry.get("phonenumber")), entry.get("message")
    if sender is None or not isinstance(text, str):
        raise GatewayPayloadError("an SMS without number or message")
    return IncomingSms(
        sender=sender,
        text=clean(text),
        port=as_text(entry.get("port")),
        timestamp=as_local_time(entry.get("time")),
        message_id=as_text(entry.get(id_key)) if id_key else None,
    )


def port_of_name(port_name: str | None) -> str | None:
    """A port's number from its name (`gsm-1`, `lte-16`).

    The number is what the actions take and the port's device is identified
    by; a name of another form stays as it is.
    """
    if port_name is not None and (match := PORT_NAME.fullmatch(port_name)):
        return str(int(match.group(1)))
    return port_name


def outbox_report(entry: Any, port_key: str = "port_name") -> DeliveryReport | None:
    """An outbox entry (or a status push): `SENT`, `FAILED(27)`, `DELIVERD(0)`..."""
    if not isinstance(entry, dict):
        raise GatewayPayloadError("an outbox entry is not an object")
    match = STATUS.match(str(entry.get("status") or ""))
    number, text = as_text(entry.get("phonenumber")), entry.get("message")
    if not match or number is None or not isinstance(text, str):
        return None
    status = OUTBOX_STATUS.get(match.group(1).upper(), DeliveryStatus.PENDING)
    code = as_text(match.group(2))
    port_name = as_text(entry.get(port_key))
    return DeliveryReport(
        message_id=None,
        status=status,
        recipient=number,
        port=port_of_name(port_name),
        error_code=code if status is DeliveryStatus.FAILED else None,
        timestamp=as_local_time(entry.get("time")),
        reference=reference(port_name, number, text),
    )

"""The "api/v1" cloud SMS platform (account and md5 interface password).

Form POSTs of `account` and `pwd` (md5 of the interface password); answers
`{"code": "00", "data": ..., "message": ...}`. Reports and MO messages are
handed out once each by `report` and `mo` (a queue), and are also called back
as JSON. Reports may mask the number (`135****9831`): sends are matched by
the task id they carry and the masked number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import hashlib
import re
from typing import Any, ClassVar
from urllib.parse import urlencode
import uuid

from .base import (
    ConfigField,
    FieldKind,
    SnapshotIdentified,
    accepted_in_task,
    account_at,
)
from .errors import (
    GatewayAuthError,
    GatewayConnectionError,
    GatewayPayloadError,
    GatewayRejectedError,
    RejectKind,
)
from .models import (
    Capability,
    DeliveryReport,
    DeliveryStatus,
    GatewayField,
    GatewayInfo,
    GatewayStatus,
    InboundItem,
    IncomingSms,
    RecipientResult,
    SendRequest,
    SendResult,
)
from .parse import (
    as_float,
    as_int,
    as_local_time,
    as_text,
    convert_all,
    loads_answer,
    read_fields,
)

MAX_RECIPIENTS = 3000
DELIVERED = {"DELIVRD", "DELIVER"}  # the callback's spelling, and the query's
# The document names no error codes; a refusal that speaks of the account or
# the password is taken as refused credentials.
_AUTH_WORDS = re.compile(r"账号|帐号|密码|account|password|auth", re.I)
PAYMENT = {0: "prepaid", 1: "postpaid"}


def mask(number: str) -> str:
    """A number as the platform's reports show it: `135****9831`.

    A number masked already stays as it is.
    """
    if "*" in number or len(number) < 8:
        return number
    return f"{number[:3]}****{number[-4:]}"


class CloudApiV1Gateway(SnapshotIdentified):
    """An account on an api/v1 platform."""

    vendor = "cloud_apiv1"
    domestic_country_code = "86"
    capabilities = frozenset(
        {
            Capability.SEND,
            Capability.RECEIVE,
            Capability.STATUS,
            Capability.PUSH,
            Capability.REPORT_POLL,
            Capability.INBOX_POLL,
            Capability.EXTENSION,
        }
    )
    list_answers = frozenset({"report", "mo"})
    gateway_fields = frozenset({GatewayField.BALANCE, GatewayField.PAYMENT})
    config_fields: ClassVar[tuple[ConfigField, ...]] = (
        ConfigField("base_url", FieldKind.URL),
        ConfigField("account"),
        ConfigField("password", FieldKind.PASSWORD),
    )
    credential_keys = ("account", "password")
    local_push = False
    inbox_is_queue = True
    max_recipients_per_request = MAX_RECIPIENTS

    @property
    def location(self) -> str:
        """The account on its platform."""
        return account_at(self._config["account"], self._config["base_url"])

    async def _call(self, api: str, **fields: str) -> Any:
        """POST a form to `/api/v1/<api>`; the `data` of a `00` answer."""
        password = hashlib.md5(self._config["password"].encode()).hexdigest()
        form = {"account": self._config["account"], "pwd": password, **fields}
        response = await self._request(
            "POST",
            f"{self._config['base_url'].rstrip('/')}/api/v1/{api}",
            # commas as they are: a form's reader takes them so, and quoting
            # each of the 3000 numbers' commas costs a call per character
            data=urlencode(form, safe=",").encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            limit=self.answer_limit(api),
        )
        if response.status != 200:
            raise GatewayConnectionError(
                f"the platform answered HTTP {response.status}"
            )
        answer = await loads_answer(response.body)
        if not isinstance(answer, dict):
            raise GatewayPayloadError(f"{api} did not answer an object")
        code, message = as_text(answer.get("code")), as_text(answer.get("message"))
        if code != "00":
            if message and _AUTH_WORDS.search(message):
                raise GatewayAuthError("the platform refused the account or password")
            raise GatewayRejectedError(str(code), message, RejectKind.GATEWAY_FAILURE)
        return answer.get("data")

    def identity(self, status: GatewayStatus) -> GatewayInfo:
        """A balance query proves the account."""
        return GatewayInfo(manufacturer="api/v1", model="api/v1 SMS platform")

    async def async_get_status(self) -> GatewayStatus:
        """`queryBalance`: balance, and whether the account is prepaid."""
        data = await self._call("queryBalance")
        data = data if isinstance(data, dict) else {}
        return GatewayStatus(
            balance=as_float(data.get("balance")),
            payment=PAYMENT.get(as_int(data.get("payment")) or 0)
            if data.get("payment") is not None
            else None,
        )

    async def async_send(self, request: SendRequest) -> SendResult:
        """`send` of up to 3000 numbers under our own task id."""
        numbers, merged = self.unique_recipients(request)

        async def send_chunk(chunk: list[str]) -> list[RecipientResult]:
            task_id = uuid.uuid4().hex
            fields = {
                "taskId": task_id,
                "mobiles": ",".join(chunk),
                "content": request.message,
            }
            if request.extension:
                fields["extNo"] = request.extension
            await self._call("send", **fields)
            return accepted_in_task(
                task_id, chunk, [f"{task_id}|{mask(number)}" for number in chunk]
            )

        return await self._send_in_chunks(request, numbers, merged, send_chunk)

    async def async_query_reports(
        self,
        message_ids: Iterable[str],
        references: Mapping[str, str] | None = None,
    ) -> list[InboundItem]:
        """`report`: the reports not handed out before."""
        return [_report(item) for item in _items(await self._call("report"))]

    async def async_poll_incoming(
        self, cursor: str | None
    ) -> tuple[list[InboundItem], str | None]:
        """`mo`: the MO messages not handed out before (no cursor needed)."""
        return await convert_all(_items(await self._call("mo")), _incoming), cursor

    @classmethod
    def parse_push(
        cls,
        method: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> list[InboundItem]:
        """A status callback (`sendId`) or an MO callback (`mobile`, `content`)."""
        if method != "POST":
            raise GatewayPayloadError(f"callbacks are POSTed, not {method}")
        fields = read_fields(body)  # its keys in lower case
        if "sendid" in fields:
            return [_report_of(fields)]
        return [_incoming_of(fields)]


def _items(data: Any) -> list[Any]:
    """A list, or the list inside the object that holds it.

    The document prints `"data": { [ ... ] }`, which is no JSON: what it means
    is a list, and both shapes are read.
    """
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        return next((value for value in data.values() if isinstance(value, list)), [])
    if data is None:
        return []
    raise GatewayPayloadError("data is not a list")


def _lower(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise GatewayPayloadError("an entry is not an object")
    return {str(key).lower(): value for key, value in item.items()}


def _report(item: Any) -> DeliveryReport:
    """A status: `DELIVRD` (callback) or `DELIVER` (query) is delivered."""
    return _report_of(_lower(item))


def _report_of(fields: dict[str, Any]) -> DeliveryReport:
    """A status, its keys in lower case."""
    send_id, mobile = as_text(fields.get("sendid")), as_text(fields.get("mobile"))
    status = (as_text(fields.get("status")) or "").upper()
    if not send_id or not mobile or not status:
        raise GatewayPayloadError("a report without sendId, mobile or status")
    delivered = status in DELIVERED
    return DeliveryReport(
        message_id=None,
        status=DeliveryStatus.DELIVERED if delivered else DeliveryStatus.FAILED,
        recipient=None if "*" in mobile else mobile,
        error_code=None if delivered else status,
        timestamp=as_local_time(fields.get("times")),
        reference=f"{send_id}|{mask(mobile)}",
    )


def _incoming(item: Any) -> IncomingSms:
    return _incoming_of(_lower(item))


def _incoming_of(fields: dict[str, Any]) -> IncomingSms:
    """An MO message, its keys in lower case."""
    sender, text = as_text(fields.get("mobile")), fields.get("content")
    if sender is None or not isinstance(text, str):
        raise GatewayPayloadError("an MO message without mobile or content")
    return IncomingSms(
        sender=sender,
        text=text,
        timestamp=as_local_time(fields.get("times")),
        extension=as_text(fields.get("extno")),
        sender_match=mask(sender),
    )

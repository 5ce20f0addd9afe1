"""GoIP lines behind the DBL "SMS Server" (v1.27+) JSON API.

Every call is a POST of a JSON object carrying `auth` to `/goip/<api>/`; the
trailing slash is mandatory. Wrong or missing credentials answer HTTP 401.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import json
from typing import Any, ClassVar

from .base import (
    ConfigField,
    FieldKind,
    SnapshotIdentified,
    accepted_in_task,
)
from .cms import cms_error_text
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
    GatewayInfo,
    GatewayStatus,
    InboundItem,
    IncomingSms,
    PortField,
    PortStatus,
    RecipientResult,
    Registration,
    SendRequest,
    SendResult,
)
from .parse import (
    as_int,
    as_local_time,
    as_text,
    convert_all,
    loads_answer,
    read_json_push,
)

MAX_RECIPIENTS = 9999
REJECT_KINDS = {
    "none_line": RejectKind.NO_PORT,
    "none_provider": RejectKind.NO_PROVIDER,
}

_SEND_STATUS = {
    "succeeded": DeliveryStatus.SENT,
    "failed": DeliveryStatus.FAILED,
    "sending": DeliveryStatus.PENDING,
    "unsend": DeliveryStatus.PENDING,
}


class GoipGateway(SnapshotIdentified):
    """A DBL SMS Server and the GoIP lines connected to it."""

    vendor = "goip"
    capabilities = frozenset(
        {
            Capability.SEND,
            Capability.RECEIVE,
            Capability.STATUS,
            Capability.PORTS,
            Capability.PORT_ROUTING,
            Capability.PROVIDER_ROUTING,
            Capability.REPORT_POLL,
            Capability.PUSH,
        }
    )
    list_answers = frozenset({"querysms"})
    port_fields = frozenset(
        {
            PortField.ONLINE,
            PortField.REGISTRATION,
            PortField.REMAINING_SMS,
            PortField.REMAINING_SMS_TODAY,
        }
    )
    registration_states = frozenset(
        {Registration.REGISTERED, Registration.NOT_REGISTERED}
    )
    config_fields: ClassVar[tuple[ConfigField, ...]] = (
        ConfigField("host"),
        ConfigField("port", FieldKind.PORT, default=80),
        ConfigField("username"),
        ConfigField("password", FieldKind.PASSWORD),
        ConfigField("ssl", FieldKind.BOOL, default=False),
    )
    max_recipients_per_request = MAX_RECIPIENTS

    @property
    def location(self) -> str:
        """Host and port of the SMS Server."""
        return f"{self._config['host']}:{self._config['port']}"

    @property
    def _base_url(self) -> str:
        scheme = "https" if self._config.get("ssl") else "http"
        return f"{scheme}://{self.location}/goip"

    async def _call(self, api: str, **params: Any) -> Any:
        """POST `params` with the credentials to `/goip/<api>/`; return the JSON."""
        body = {
            "auth": {
                "username": self._config["username"],
                "password": self._config["password"],
            },
            **params,
        }
        response = await self._request(
            "POST",
            f"{self._base_url}/{api}/",
            data=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
            limit=self.answer_limit(api),
        )
        if response.status == 401:
            raise GatewayAuthError("the SMS Server refused the username or password")
        if response.status != 200:
            raise GatewayConnectionError(
                f"the SMS Server answered HTTP {response.status}"
            )
        return await loads_answer(response.body)

    def identity(self, status: GatewayStatus) -> GatewayInfo:
        """The SMS Server has no identity call: listing its lines proves access."""
        return GatewayInfo(
            manufacturer="DBLTek",
            model="GoIP SMS Server",
            port_count=len(status.ports),
        )

    async def async_get_status(self) -> GatewayStatus:
        """`querylines`: every line with its connection, registration and limits."""
        lines = await self._call("querylines")
        if not isinstance(lines, list):
            raise GatewayPayloadError("querylines did not answer a list")
        ports: dict[str, PortStatus] = {}
        for line in lines:
            if not isinstance(line, dict) or not (
                line_id := as_text(line.get("goip_line"))
            ):
                continue
            ports[line_id] = PortStatus(
                port_id=line_id,
                name=line_id,
                online=as_int(line.get("online")) == 1,
                registration=(
                    Registration.REGISTERED
                    if as_text(line.get("reg")) == "LOGIN"
                    else Registration.NOT_REGISTERED
                ),
                remaining_sms=_limit(line.get("remain_sms")),
                remaining_sms_today=_limit(line.get("day_remain_sms")),
            )
        return GatewayStatus(ports=ports)

    async def async_send(self, request: SendRequest) -> SendResult:
        """`sendsms` in requests of at most 9999 numbers; ids are `<taskID>.<number>`."""
        numbers, merged = self.unique_recipients(request)
        routing: dict[str, str] = {}
        if request.port:
            routing["goip_line"] = request.port
        elif request.provider:
            routing["provider"] = request.provider

        async def send_chunk(chunk: list[str]) -> list[RecipientResult]:
            answer = await self._call(
                "sendsms", number=",".join(chunk), content=request.message, **routing
            )
            if not isinstance(answer, dict):
                raise GatewayPayloadError("sendsms did not answer an object")
            if as_text(answer.get("result")) == "ACCEPT":
                if not (task_id := as_text(answer.get("taskID"))):
                    raise GatewayPayloadError("sendsms accepted without a taskID")
                return accepted_in_task(task_id, chunk)
            reason = as_text(answer.get("reason")) or "unknown"
            raise GatewayRejectedError(
                reason, kind=REJECT_KINDS.get(reason, RejectKind.GATEWAY_FAILURE)
            )

        return await self._send_in_chunks(request, numbers, merged, send_chunk)

    async def async_query_reports(
        self,
        message_ids: Iterable[str],
        references: Mapping[str, str] | None = None,
    ) -> list[InboundItem]:
        """`querysms` once per task; keep the sub-tasks asked for."""
        wanted: dict[str, set[str]] = {}
        for message_id in message_ids:
            wanted.setdefault(message_id.partition(".")[0], set()).add(message_id)
        reports: list[InboundItem] = []
        for task_id, sub_tasks in wanted.items():
            query = next(iter(sub_tasks)) if len(sub_tasks) == 1 else task_id
            answer = await self._call("querysms", taskID=query)
            if not isinstance(answer, list):
                raise GatewayPayloadError("querysms did not answer a list")
            reports.extend(
                report
                for report in await convert_all(answer, _report)
                if report.message_id in sub_tasks
            )
        return reports

    @classmethod
    def parse_push(
        cls,
        method: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> list[InboundItem]:
        """A send result (`taskID`, `send`) or a received SMS (`from_number`)."""
        payload = read_json_push(method, body)
        items = payload if isinstance(payload, list) else [payload]
        if not items:
            raise GatewayPayloadError("empty push")
        parsed: list[InboundItem] = []
        for item in items:
            if isinstance(item, dict) and "from_number" in item:
                parsed.append(_incoming(item))
            else:
                parsed.append(_report(item))
        return parsed


def _limit(value: Any) -> int | None:
    """A remaining-SMS counter: "-1" (unlimited) and empty become None."""
    number = as_int(value)
    return None if number is None or number < 0 else number


def _incoming(item: dict[str, Any]) -> IncomingSms:
    sender = as_text(item.get("from_number"))
    text = item.get("content")
    if sender is None or not isinstance(text, str):
        raise GatewayPayloadError("received SMS without sender or content")
    return IncomingSms(
        sender=sender,
        text=text,
        port=as_text(item.get("goip_line")),
        timestamp=as_local_time(item.get("recv_time")),
    )


def _report(item: Any) -> DeliveryReport:
    """One element of a send-result push or of a `querysms` answer."""
    if not isinstance(item, dict):
        raise GatewayPayloadError("a send result is not an object")
    message_id = as_text(item.get("taskID"))
    send = as_text(item.get("send"))
    if not message_id or send not in _SEND_STATUS:
        raise GatewayPayloadError("send result without taskID or known send state")
    status = _SEND_STATUS[send]
    if status is DeliveryStatus.SENT and as_int(item.get("receipt")) == 1:
        status = DeliveryStatus.DELIVERED
    error_code = (
        as_text(item.get("err_code")) if status is DeliveryStatus.FAILED else None
    )
    _, _, recipient = message_id.partition(".")
    return DeliveryReport(
        message_id=message_id,
        status=status,
        recipient=recipient or None,
        port=as_text(item.get("goip_line")),
        error_code=error_code,
        error_text=cms_error_text(error_code),
    )

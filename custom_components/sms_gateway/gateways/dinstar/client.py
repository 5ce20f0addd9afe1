"""Dinstar DWG/UC GSM gateways, HTTP API v1.1 (firmware 1102 or newer).

JSON over HTTP(S) with digest authentication. The answer's `error_code`, not
the HTTP status, says how a request went; for sends the envelope only says it
was accepted (202), and each recipient's outcome arrives later as a result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
import itertools
import json
import time
from typing import Any, ClassVar
from urllib.parse import urlencode

from yarl import URL

from ..base import (
    ConfigField,
    FieldKind,
    Gateway,
    chunked,
)
from ..digest import DigestAuth, parse_challenge
from ..errors import (
    GatewayAuthError,
    GatewayConnectionError,
    GatewayPayloadError,
    GatewayRejectedError,
    RejectKind,
)
from ..models import (
    Capability,
    DeliveryReport,
    DeliveryStatus,
    ForwardReason,
    GatewayField,
    GatewayInfo,
    GatewayStatus,
    InboundItem,
    Performance,
    PortControl,
    PortEvent,
    PortField,
    RecipientResult,
    SendRequest,
    SendResult,
    StkView,
)
from ..parse import (
    as_float,
    as_int,
    as_text,
    convert_all,
    loads_answer,
    read_json_push,
)
from ..text import Encoding, encoding_of
from .parsers import (
    PUSH_LISTS,
    PUSH_OBJECTS,
    call_record,
    deliver_report,
    incoming,
    list_of,
    object_of,
    port_number,
    rejected,
    result_report,
    results_of,
    status_of,
    stk_view,
    ussd_reply,
)
from .tables import (
    CONTROLS,
    FORWARD_REASONS,
    INFO_TYPES,
    MAX_QUERY_IDS,
    MAX_RECIPIENTS,
    MAX_TEXT_BYTES,
    MAX_USSD_BYTES,
    REGISTRATION,
    REJECT_KINDS,
)

# After an STK action or a call forwarding check the SIM or the network needs a
# moment: the answer is asked for this often, this many times.
STK_SETTLE = 0.5
STK_TRIES = 20


class DinstarGateway(Gateway):
    """A Dinstar DWG/UC gateway with up to 32 GSM/LTE ports."""

    vendor = "dinstar"
    capabilities = frozenset(
        {
            Capability.SEND,
            Capability.RECEIVE,
            Capability.STATUS,
            Capability.PORTS,
            Capability.PORT_ROUTING,
            Capability.CHOOSE_ENCODING,
            Capability.CHOOSE_DELIVERY_REPORT,
            Capability.REPORT_POLL,
            Capability.INBOX_POLL,
            Capability.PUSH,
            Capability.CANCEL,
            Capability.USSD,
            Capability.PERFORMANCE,
            Capability.STK,
            Capability.CALL_FORWARDING,
            Capability.CALL_RECORDS,
            Capability.TEXT_PARAMS,
            Capability.SEVERAL_PORTS,
        }
    )
    list_answers = frozenset(
        {
            "/api/query_incoming_sms",
            "/api/query_sms_result",
            "/api/query_sms_deliver_status",
            "/api/get_cdr",
        }
    )
    port_fields = frozenset(
        {
            PortField.REGISTRATION,
            PortField.SIGNAL,
            PortField.CALL_STATE,
            PortField.NETWORK_TYPE,
            PortField.IMEI,
            PortField.IMSI,
            PortField.ICCID,
            PortField.NUMBER,
            PortField.SLOT,
            PortField.REMAINING_CREDIT,
            PortField.REMAINING_MONTHLY_CREDIT,
            PortField.REMAINING_DAILY_CREDIT,
            PortField.REMAINING_DAILY_CALLS,
            PortField.REMAINING_HOURLY_CALLS,
            PortField.REMAINING_DAILY_CONNECTS,
            PortField.DATA_ATTACHED,
            PortField.SMSC,
        }
    )
    port_controls = frozenset(PortControl)
    gateway_fields = frozenset(
        {
            GatewayField.QUEUE_DEPTH,
            GatewayField.CPU_USED,
            GatewayField.MEMORY_USED,
            GatewayField.FLASH_USED,
        }
    )
    registration_states = frozenset(REGISTRATION.values())
    config_fields: ClassVar[tuple[ConfigField, ...]] = (
        ConfigField("host"),
        ConfigField("port", FieldKind.PORT, default=443),
        ConfigField("username", default="admin"),
        ConfigField("password", FieldKind.PASSWORD),
        ConfigField("ssl", FieldKind.BOOL, default=True),
        ConfigField("verify_ssl", FieldKind.BOOL, default=True),
    )
    max_recipients_per_request = MAX_RECIPIENTS
    max_message_bytes = MAX_TEXT_BYTES
    polls_delivery = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Digest credentials; user_ids that keep growing across restarts."""
        super().__init__(*args, **kwargs)
        self._auth = DigestAuth(self._config["username"], self._config["password"])
        # Time-based, so a restarted client does not reuse recent ids.
        self._user_ids = itertools.count(int(time.time() * 100))
        # Until a challenge is known, one request at a time learns it.
        self._first_challenge = asyncio.Lock()

    @property
    def location(self) -> str:
        """Host and port of the gateway's web interface."""
        return f"{self._config['host']}:{self._config['port']}"

    def _next_user_id(self) -> int:
        return next(self._user_ids) % 2**31

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        payload: Any = None,
        ok: tuple[int, ...] | None = (200,),
        kinds: Mapping[int, RejectKind] = REJECT_KINDS,
    ) -> dict[str, Any]:
        """One API call with digest auth; its answer, if `error_code` is in `ok`.

        `ok=None`: the answer has no `error_code` (`get_status`). Another code
        raises `GatewayRejectedError` of the kind `kinds` gives it.
        """
        if not self._auth.ready:
            async with self._first_challenge:
                answer = await self._call_once(method, path, params, payload)
        else:
            answer = await self._call_once(method, path, params, payload)
        code = as_int(answer.get("error_code"))
        if ok is not None and code not in ok:
            raise rejected(code, kinds)
        return answer

    async def _call_once(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        payload: Any,
    ) -> dict[str, Any]:
        uri = path + (f"?{urlencode(params, safe=',')}" if params else "")
        scheme = "https" if self._config.get("ssl") else "http"
        url = URL(f"{scheme}://{self.location}{uri}", encoded=True)
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        data = None if payload is None else json.dumps(payload, ensure_ascii=False)
        for attempt in (1, 2):
            if authorization := self._auth.header(method, uri):
                headers["Authorization"] = authorization
            response = await self._request(
                method, url, data=data, headers=headers, limit=self.answer_limit(path)
            )
            if response.status != 401:
                break
            challenge = response.headers.get("WWW-Authenticate")
            if parse_challenge(challenge or "")[0] == "basic":
                # The password would cross the network readable by anyone between.
                raise GatewayConnectionError(
                    "the gateway asked for Basic authentication; the password is"
                    " not sent so (Dinstar answers with Digest)"
                )
            if attempt == 2 or not self._auth.learn(challenge):
                raise GatewayAuthError("the gateway refused the username or password")
        if response.status != 200:
            raise GatewayConnectionError(f"the gateway answered HTTP {response.status}")
        answer = await loads_answer(response.body)
        if not isinstance(answer, dict):
            raise GatewayPayloadError(f"{path} did not answer an object")
        return answer

    async def async_identify(self) -> tuple[GatewayInfo, GatewayStatus]:
        """The serial number (`sn`) and the ports, from a snapshot's two answers."""
        info, queue = await self._snapshot()
        if not (serial := as_text(queue.get("sn"))):
            raise GatewayPayloadError("the gateway did not tell its serial number")
        identity = GatewayInfo(
            manufacturer="Dinstar",
            model="DWG GSM gateway",
            serial=serial,
            port_count=len(list_of(info, "info")),
        )
        return identity, status_of(info, queue)

    async def async_get_status(self) -> GatewayStatus:
        """`get_port_info` and `query_sms_in_queue`, side by side."""
        return status_of(*await self._snapshot())

    async def _snapshot(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The answers of `get_port_info` and `query_sms_in_queue`."""
        return await asyncio.gather(
            self._call("GET", "/api/get_port_info", params={"info_type": INFO_TYPES}),
            self._call("GET", "/api/query_sms_in_queue"),
        )

    async def async_send(self, request: SendRequest) -> SendResult:
        """`send_sms` in requests of 128 numbers; the user_id is the message_id."""
        if len(request.message.encode()) > MAX_TEXT_BYTES:
            raise rejected(413)
        numbers, merged = self.unique_recipients(request)
        encoding = request.encoding or encoding_of(request.message)
        base: dict[str, Any] = {
            "text": request.message,
            "encoding": "gsm-7bit" if encoding is Encoding.GSM7 else "unicode",
        }
        chosen = request.ports or ((request.port,) if request.port else ())
        if chosen:
            base["port"] = [port_number(port) for port in chosen]
        if request.delivery_report is not None:
            base["request_status_report"] = request.delivery_report

        async def send_chunk(chunk: list[str]) -> list[RecipientResult]:
            ids = [self._next_user_id() for _ in chunk]
            values = request.text_params or {}
            param = [
                {"number": n, "user_id": i}
                | ({"text_param": list(values[n])} if n in values else {})
                for n, i in zip(chunk, ids, strict=True)
            ]
            if request.track is not None:  # the ids are ours: kept before they leave
                request.track(
                    [
                        RecipientResult(number, str(user_id), accepted=True)
                        for number, user_id in zip(chunk, ids, strict=True)
                    ]
                )
            answer = await self._call(
                "POST", "/api/send_sms", payload={**base, "param": param}, ok=(202,)
            )
            task_id = as_text(answer.get("task_id"))
            return [
                RecipientResult(number, str(user_id), accepted=True, task_id=task_id)
                for number, user_id in zip(chunk, ids, strict=True)
            ]

        return await self._send_in_chunks(request, numbers, merged, send_chunk)

    async def async_cancel_task(self, task_id: str) -> None:
        """`stop_sms`: drop what of a send request is still queued."""
        await self._call(
            "GET",
            "/api/stop_sms",
            params={"task_id": task_id},
            kinds={**REJECT_KINDS, 486: RejectKind.TASK_NOT_FOUND},
        )

    async def async_query_reports(
        self,
        message_ids: Iterable[str],
        references: Mapping[str, str] | None = None,
    ) -> list[InboundItem]:
        """`query_sms_result` by user_id, then the status reports of the sent.

        Results are asked for 32 user_ids at a time; for what was sent, the
        network's status reports (`query_sms_deliver_status`) by number. A
        result carries the reference its status report is matched with.
        """
        ids = [as_int(message_id) for message_id in message_ids]
        results: list[DeliveryReport] = []
        for chunk in chunked([str(i) for i in ids if i is not None], MAX_QUERY_IDS):
            answer = await self._call(
                "POST",
                "/api/query_sms_result",
                payload={"user_id": [int(user_id) for user_id in chunk]},
            )
            results.extend(result_report(item) for item in results_of(answer))
        sent = [r for r in results if r.status is DeliveryStatus.SENT and r.reference]
        return [*results, *await self._status_reports(sent)]

    async def _status_reports(self, sent: list[DeliveryReport]) -> list[InboundItem]:
        """The status reports of `sent` messages, 32 numbers at a time."""
        wanted = {report.reference for report in sent}
        reports: list[InboundItem] = []
        for chunk in chunked(sorted({r.recipient or "" for r in sent}), MAX_QUERY_IDS):
            query: dict[str, Any] = {"number": chunk}
            if times := [
                r.timestamp for r in sent if r.timestamp and r.recipient in chunk
            ]:
                query["time_after"] = min(times).strftime("%Y-%m-%d %H:%M:%S")
            answer = await self._call(
                "POST", "/api/query_sms_deliver_status", payload=query
            )
            reports.extend(
                report
                for item in results_of(answer)
                if (report := deliver_report(item)).reference in wanted
            )
        return reports

    async def async_get_performance(self) -> Performance:
        """`get_status` of `performance`: CPU, memory and flash in percent."""
        answer = await self._call(
            "POST", "/api/get_status", payload=["performance"], ok=None
        )
        values = object_of(answer.get("performance"), "performance")

        def share(used: str, total: str) -> float | None:
            part, whole = as_float(values.get(used)), as_float(values.get(total))
            return round(100 * part / whole, 1) if part is not None and whole else None

        return Performance(
            cpu_used=as_float(values.get("cpu_used")),
            memory_used=share("memory_used", "memory_total"),
            flash_used=share("flash_used", "flash_total"),
        )

    async def async_control_port(
        self, port: str, control: PortControl, value: str | None = None
    ) -> None:
        """`set_port_info` with the control's action (and its param)."""
        action, param = CONTROLS[control]
        params: dict[str, Any] = {"port": port_number(port), "action": action}
        if param is not None:
            if value is None:
                raise GatewayRejectedError(
                    "400", f"{control} needs a value", RejectKind.INVALID_REQUEST
                )
            params["param"] = value
        await self._call("GET", "/api/set_port_info", params=params)

    async def async_set_call_forwarding(
        self, port: str, reason: ForwardReason, number: str | None
    ) -> None:
        """`set_port_info` with `action=CallForward`."""
        params = {
            "port": port_number(port),
            "action": "CallForward",
            "param": FORWARD_REASONS[reason],
            "number": number or "",
        }
        await self._call("GET", "/api/set_port_info", params=params)

    async def async_get_call_forwarding(self, port: str) -> dict[str, str]:
        """`CheckCallForward`, then `get_port_info` of `CallForward` once answered.

        The network answers the check after a moment; reasons are given in
        our names (`unconditional`, `no_reply`...).
        """
        number = port_number(port)
        await self._call(
            "GET",
            "/api/set_port_info",
            params={"port": number, "action": "CheckCallForward"},
        )
        names = {wire.lower(): reason.value for reason, wire in FORWARD_REASONS.items()}

        async def answer() -> dict[str, str] | None:
            info = await self._call(
                "GET",
                "/api/get_port_info",
                params={"port": number, "info_type": "CallForward"},
            )
            for item in list_of(info, "info"):
                if isinstance(item, dict) and isinstance(
                    found := item.get("CallForwarding"), dict
                ):
                    return {
                        names.get(str(key).lower(), str(key)): str(value)
                        for key, value in found.items()
                    }
            return None

        return await _settled(answer) or {}

    async def async_get_call_records(
        self,
        port: str | None,
        after: datetime | None = None,
        before: datetime | None = None,
    ) -> list[PortEvent]:
        """`get_cdr`: connected and failed calls, by port and time."""
        query: dict[str, Any] = {}
        if port is not None:
            query["port"] = [port_number(port)]
        for key, moment in (("time_after", after), ("time_before", before)):
            if moment is not None:
                query[key] = moment.strftime("%Y-%m-%d %H:%M:%S")
        answer = await self._call("POST", "/api/get_cdr", payload=query)
        return await convert_all(list_of(answer, "cdr"), call_record)

    async def async_stk_view(self, port: str) -> StkView:
        """`GetSTKView` (answers carry no `error_code`)."""
        answer = await self._call(
            "GET", "/GetSTKView", params={"port": port_number(port)}, ok=None
        )
        return stk_view(answer)

    async def async_stk_select(
        self,
        port: str,
        *,
        item: int | None = None,
        text: str | None = None,
        action: str | None = None,
    ) -> StkView:
        """`STKGo`, then the next view once the frame has changed."""
        number = port_number(port)
        before = await self._stk_frame(number)
        command: dict[str, Any] = {"port": number}
        if item is not None:
            command["item"] = item
        if text is not None:
            command["param"] = text
        if action is not None:
            command["action"] = action
        await self._call("POST", "/STKGo", payload=command, ok=None)

        async def changed() -> bool | None:
            return True if await self._stk_frame(number) != before else None

        await _settled(changed)
        return await self.async_stk_view(port)

    async def _stk_frame(self, number: int) -> int | None:
        answer = await self._call(
            "GET", "/GetSTKCurrFrameIndex", params={"port": number}, ok=None
        )
        return as_int(answer.get("frame_id"))

    async def async_send_ussd(
        self, port: str, code: str, network_wait: float = 30
    ) -> str | None:
        """`send_ussd`: the envelope accepts (202); the port's status decides.

        The API takes no timeout.
        """
        if len(code.encode()) > MAX_USSD_BYTES:
            raise GatewayRejectedError(
                "400", "a USSD code is at most 60 bytes", RejectKind.INVALID_REQUEST
            )
        await self._ussd(port, "send", code)
        return None

    async def async_cancel_ussd(self, port: str) -> None:
        """`send_ussd` with `command: cancel`."""
        await self._ussd(port, "cancel", "")

    async def _ussd(self, port: str, command: str, text: str) -> None:
        number = port_number(port)
        answer = await self._call(
            "POST",
            "/api/send_ussd",
            payload={"port": [number], "command": command, "text": text},
            ok=(200, 202),
        )
        for item in results_of(answer):
            if isinstance(item, dict) and as_int(item.get("port")) == number:
                if (status := as_int(item.get("status"))) != 200:
                    raise rejected(status)
                return
        raise GatewayPayloadError(f"send_ussd said nothing of port {number}")

    async def async_poll_ussd(self, port: str) -> InboundItem | None:
        """`query_ussd_reply` of one port; an empty text is no reply yet."""
        number = port_number(port)
        answer = await self._call(
            "GET", "/api/query_ussd_reply", params={"port": number}, ok=(200, 202)
        )
        replies = [ussd_reply(item) for item in list_of(answer, "reply")]
        return next((r for r in replies if r.port == str(number) and r.text), None)

    async def async_poll_incoming(
        self, cursor: str | None
    ) -> tuple[list[InboundItem], str | None]:
        """`query_incoming_sms` after the highest `incoming_sms_id` seen.

        `flag=all`: what another client read is not missed.
        """
        params = {"flag": "all", "incoming_sms_id": as_int(cursor) or 0}
        answer = await self._call("GET", "/api/query_incoming_sms", params=params)
        received = await convert_all(list_of(answer, "sms"), incoming)
        ids = [as_int(sms.message_id) or 0 for sms in received]
        return list(received), str(max(ids)) if ids else cursor

    @classmethod
    def parse_push(
        cls,
        method: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> list[InboundItem]:
        """Incoming SMS, send results and delivery status reports."""
        payload = read_json_push(method, body)
        if not isinstance(payload, dict):
            raise GatewayPayloadError("a push is a JSON object")
        # Every push of the document names the gateway: one that does not is
        # not from a gateway.
        if not as_text(payload.get("sn")):
            raise GatewayPayloadError("a push without the gateway's sn")
        # in the order the push names its kinds (one, in every push the
        # document shows): a look at each of its few keys
        items: list[InboundItem] = []
        known = False
        for kind, value in payload.items():
            if (parse := PUSH_LISTS.get(kind)) is not None:
                items.extend(map(parse, list_of(payload, kind)))
            elif (parse := PUSH_OBJECTS.get(kind)) is not None:
                items.append(parse(value))
            else:
                continue
            known = True
        if not known:
            raise GatewayPayloadError("a push of no known kind")
        return items


async def _settled[T](probe: Callable[[], Awaitable[T | None]]) -> T | None:
    """Ask `probe` until it answers: the SIM and the network need a moment."""
    for _ in range(STK_TRIES):
        if (answer := await probe()) is not None:
            return answer
        await asyncio.sleep(STK_SETTLE)
    return None

"""OpenVox SWG/VS-GWP wireless gateways, "SMS API (Post Method)".

Form POSTs with a token in the `authorization` header; the token is got from
`/auth/login` with md5(password-username) and lives 10 minutes past its last
use, so an aged token is replaced and the call made again, once. Every answer
carries `code` (200: done).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
import itertools
import time
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

from ..base import (
    ConfigField,
    FieldKind,
    SnapshotIdentified,
)
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
from ..parse import (
    LARGE_LIST,
    as_int,
    as_text,
    loads_answer,
    read_fields,
)
from .parsers import (
    digest_reference,
    incoming,
    md5_password,
    outbox_report,
    text_digest,
    ussd_push,
    ussd_result,
)
from .tables import (
    MAX_PAGES,
    PAGE_SIZE,
    PUSH_PARAMS,
    TOKEN_REFUSED,
    USSD_RESULTS,
    USSD_TIMEOUT,
)

# a form as pairs or a mapping, or already encoded
type Form = str | Mapping[str, Any] | list[tuple[str, str]]


class OpenvoxGateway(SnapshotIdentified):
    """An OpenVox wireless gateway with its GSM/LTE ports."""

    vendor = "openvox"
    capabilities = frozenset(
        {
            Capability.SEND,
            Capability.RECEIVE,
            Capability.STATUS,
            Capability.PORTS,
            Capability.PORT_ROUTING,
            Capability.REPORT_POLL,
            Capability.INBOX_POLL,
            Capability.PUSH,
            Capability.PUSH_SETUP,
            Capability.USSD,
            Capability.SEVERAL_PORTS,
        }
    )
    port_fields = frozenset(
        {
            PortField.SMS_READY,
            PortField.REGISTRATION,
            PortField.SIM_STATUS,
            PortField.IMSI,
        }
    )
    registration_states = frozenset(
        {Registration.REGISTERED, Registration.NOT_REGISTERED}
    )
    config_fields: ClassVar[tuple[ConfigField, ...]] = (
        ConfigField("host"),
        ConfigField("port", FieldKind.PORT, default=80),
        ConfigField("username", default="admin"),
        ConfigField("password", FieldKind.PASSWORD),
        ConfigField("ssl", FieldKind.BOOL, default=False),
        ConfigField("verify_ssl", FieldKind.BOOL, default=True),
        # The account of the gateway's USSD page (WEB -> SMS -> USSD), if any.
        ConfigField("ussd_username", required=False),
        ConfigField("ussd_password", FieldKind.PASSWORD, required=False),
    )
    push_methods = ("GET", "POST")
    polls_delivery = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """No token yet; port names learned from the gateway."""
        super().__init__(*args, **kwargs)
        self._token: str | None = None
        self._login_lock = asyncio.Lock()
        self._port_names: dict[str, str] = {}
        self._ussd_ids = itertools.count(int(time.time()) % 100_000 * 100)

    @property
    def location(self) -> str:
        """Host and port of the gateway's web interface."""
        return f"{self._config['host']}:{self._config['port']}"

    @property
    def _base_url(self) -> str:
        scheme = "https" if self._config.get("ssl") else "http"
        return f"{scheme}://{self.location}"

    async def _post(self, path: str, form: Form, token: str | None) -> tuple[int, Any]:
        """POST a form; the answer's code and data (HTTP 401 counts as a code).

        The form is encoded here (a string is taken as encoded already):
        aiohttp's form machinery costs more than the request it goes in.
        """
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if token:
            headers["authorization"] = token
        response = await self._request(
            "POST",
            f"{self._base_url}{path}",
            data=form if isinstance(form, str) else urlencode(form),
            headers=headers,
        )
        if response.status == 401:
            return 401, None
        if response.status != 200:
            raise GatewayConnectionError(f"the gateway answered HTTP {response.status}")
        answer = await loads_answer(response.body)
        if not isinstance(answer, dict):
            raise GatewayPayloadError(f"{path} did not answer an object")
        code = as_int(answer.get("code"))
        if code not in (200, *TOKEN_REFUSED):
            raise GatewayRejectedError(
                str(code),
                as_text(answer.get("msg")),
                RejectKind.INVALID_REQUEST
                if code == 400
                else RejectKind.GATEWAY_FAILURE,
            )
        return code or 0, answer.get("data")

    async def _login(self, stale: str | None) -> str:
        """A token: the one another call just got, or a new one."""
        async with self._login_lock:
            if self._token is not None and self._token != stale:
                return self._token
            username = self._config["username"]
            code, data = await self._post(
                "/auth/login",
                {
                    "username": username,
                    "password": md5_password(username, self._config["password"]),
                },
                None,
            )
            token = (
                as_text(data.get("access_token")) if isinstance(data, dict) else None
            )
            if code != 200 or token is None:
                raise GatewayAuthError("the gateway refused the username or password")
            self._token = token
            return token

    async def _call(self, path: str, form: Form | None = None) -> Any:
        """A call with the token; an aged token is replaced and the call repeated."""
        token = self._token or await self._login(None)
        code, data = await self._post(path, form or {}, token)
        if code in TOKEN_REFUSED:
            token = await self._login(token)
            code, data = await self._post(path, form or {}, token)
            if code in TOKEN_REFUSED:
                raise GatewayAuthError("the gateway refused a fresh token")
        return data

    async def async_close(self) -> None:
        """`/auth/logout`, so the gateway forgets the token."""
        if (token := self._token) is None:
            return
        self._token = None
        try:
            await self._post("/auth/logout", {"token": token}, token)
        except (GatewayConnectionError, GatewayPayloadError, GatewayRejectedError):
            return

    def identity(self, status: GatewayStatus) -> GatewayInfo:
        """The gateway tells no serial number; its ports prove the login."""
        return GatewayInfo(
            manufacturer="OpenVox",
            model="SWG wireless gateway",
            port_count=len(status.ports),
        )

    async def async_get_status(self) -> GatewayStatus:
        """`get_valid_spans`, `chan_state` and `simstatus`, side by side."""
        spans, channels, sims = await asyncio.gather(
            self._call("/sms/get_valid_spans"),
            self._call("/service/chan_state"),
            self._call("/service/simstatus", {"port": 0}),
        )
        if not isinstance(spans, list):
            raise GatewayPayloadError("get_valid_spans did not answer a list")
        registered = (
            channels.get("channel_status") if isinstance(channels, dict) else None
        )
        registered = registered if isinstance(registered, dict) else {}
        sims = sims if isinstance(sims, dict) else {}
        ports: dict[str, PortStatus] = {}
        for span in spans:
            if (
                not isinstance(span, dict)
                or (number := as_text(span.get("port"))) is None
            ):
                continue
            name = as_text(span.get("port_name")) or number
            sim = found if isinstance(found := sims.get(number), dict) else {}
            state = as_text(registered.get(number))
            ports[number] = PortStatus(
                port_id=number,
                name=name,
                sms_ready=as_int(span.get("status")) == 1,
                # chan_state: 0 registered, 1 not registered
                registration=(
                    Registration.UNKNOWN
                    if state is None
                    else Registration.REGISTERED
                    if state == "0"
                    else Registration.NOT_REGISTERED
                ),
                sim_status=as_text(sim.get("status")),
                imsi=as_text(sim.get("imsi")),
            )
        self._port_names = {number: port.name for number, port in ports.items()}
        return GatewayStatus(ports=ports)

    async def _free_spans(self) -> list[str]:
        """The ports `get_valid_spans` says are available to send now.

        As the document says to choose: a gateway that takes `spans[]`
        literally refuses a send that names a port not available.
        """
        spans = await self._call("/sms/get_valid_spans")
        if not isinstance(spans, list):
            raise GatewayPayloadError("get_valid_spans did not answer a list")
        free = [
            number
            for span in spans
            if isinstance(span, dict)
            and (number := as_text(span.get("port"))) is not None
            and as_int(span.get("status")) == 1
        ]
        if not free:
            raise GatewayRejectedError(
                "no_port", "no port is free to send", RejectKind.NO_PORT
            )
        return free

    async def async_send(self, request: SendRequest) -> SendResult:
        """`/sms/send`, one number per request; the gateway's `id` is the message_id."""
        numbers, merged = self.unique_recipients(request)
        if not self._port_names:  # what the answer's port number is called
            await self.async_get_status()
        spans = (
            list(request.ports)
            if request.ports
            else [request.port]
            if request.port
            else await self._free_spans()
        )
        # the same for every number: encoded once
        rest = urlencode(
            [("spans[]", span) for span in spans]
            + [("msg", request.message), ("mode", "0")]
        )
        digest = text_digest(request.message)

        async def send_one(chunk: list[str]) -> list[RecipientResult]:
            [number] = chunk
            data = await self._call(
                "/sms/send", f"{urlencode({'dest_num': number})}&{rest}"
            )
            sent = data.get("send_list") if isinstance(data, dict) else None
            sent = sent[0] if isinstance(sent, list) and sent else sent
            if not isinstance(sent, dict) or not (
                message_id := as_text(sent.get("id"))
            ):
                rejected = data.get("reject_list") if isinstance(data, dict) else None
                raise GatewayRejectedError(
                    "rejected",
                    as_text(rejected) or "the gateway sent nothing",
                    RejectKind.NO_PORT,
                )
            port_name = self._port_names.get(as_text(sent.get("port")) or "")
            return [
                RecipientResult(
                    number,
                    message_id,
                    accepted=True,
                    reference=digest_reference(port_name, number, digest),
                )
            ]

        return await self._send_in_chunks(request, numbers, merged, send_one)

    async def async_query_reports(
        self,
        message_ids: Iterable[str],
        references: Mapping[str, str] | None = None,
    ) -> list[InboundItem]:
        """The outbox, newest first, read until every message asked for is found."""
        wanted = {
            ref: message_id
            for message_id in message_ids
            if (ref := (references or {}).get(message_id))
        }
        reports: list[InboundItem] = []
        async for entry in self._pages("/smsoutbox/get", {}):
            if (report := outbox_report(entry)) and (
                message_id := wanted.pop(report.reference or "", None)
            ):
                reports.append(
                    DeliveryReport(
                        message_id=message_id,
                        status=report.status,
                        recipient=report.recipient,
                        port=report.port,
                        error_code=report.error_code,
                        timestamp=report.timestamp,
                        reference=report.reference,
                    )
                )
            if not wanted:
                break
        return reports

    async def async_poll_incoming(
        self, cursor: str | None
    ) -> tuple[list[InboundItem], str | None]:
        """`/smsinbox/get` (all, newest first) down to the SMS with id `cursor`."""
        after = as_int(cursor) or 0
        found: list[IncomingSms] = []
        async for entry in self._pages("/smsinbox/get", {"flag": "all"}):
            sms = incoming(entry, id_key="id")
            if (as_int(sms.message_id) or 0) <= after:
                break
            found.append(sms)
        found.reverse()
        newest = max((as_int(s.message_id) or 0 for s in found), default=after)
        return list(found), str(newest) if newest else cursor

    async def _pages(self, path: str, form: dict[str, Any]) -> Any:
        """The `sms` entries of every page, in the gateway's order."""
        for page in range(1, MAX_PAGES + 1):
            data = await self._call(
                path, {**form, "current_page": page, "current_counts": PAGE_SIZE}
            )
            entries = data.get("sms") if isinstance(data, dict) else None
            if not isinstance(entries, list):
                raise GatewayPayloadError(f"{path} answered no list of sms")
            for index, entry in enumerate(entries, 1):
                yield entry
                if index % LARGE_LIST == 0:  # a page longer than asked for
                    await asyncio.sleep(0)  # lets the loop run between slices
            if page >= (as_int(data.get("counts")) or 1) or not entries:
                return

    async def async_send_ussd(
        self, port: str, code: str, network_wait: float = USSD_TIMEOUT
    ) -> str | None:
        """`/service/sendussd` with the USSD page's account; the id names the reply.

        `network_wait`: what the gateway waits for the network, in seconds.
        """
        username = self._config.get("ussd_username")
        password = self._config.get("ussd_password")
        if not username or not password:
            raise GatewayRejectedError(
                "ussd",
                "the account of the gateway's USSD page is not set",
                RejectKind.NOT_CONFIGURED,
            )
        session_id = str(next(self._ussd_ids))
        answer_code, data = await self._post(
            "/service/sendussd",
            {
                "username": username,
                "password": password,
                "message": code,
                "port": port,
                "timeout": max(1, round(network_wait)),
                "id": session_id,
            },
            None,
        )
        if answer_code in TOKEN_REFUSED:
            raise GatewayRejectedError(
                str(answer_code),
                "the USSD page's account was refused",
                RejectKind.NOT_CONFIGURED,
            )
        result = ussd_result(data, port)
        if result is not None and result != "sent":
            raise GatewayRejectedError(
                result, result, USSD_RESULTS.get(result, RejectKind.GATEWAY_FAILURE)
            )
        return session_id

    async def async_poll_ussd(self, port: str) -> InboundItem | None:
        """Replies are only pushed: there is nothing to ask."""
        return None

    async def async_cancel_ussd(self, port: str) -> None:
        """The API has no cancel: the session ends here only."""

    async def async_configure_push(self, url: str) -> None:
        """Point the gateway's SMS pushes at `url` with the names we read."""
        current = await self._call("/smsoutbox/get_config")
        target = urlsplit(url)
        settings = {
            **(current if isinstance(current, dict) else {}),
            "enable": 1,
            "reports_enable": 1,
            "results_enable": 1,
            "url_http": target.scheme,
            "url_host": target.hostname,
            "url_port": target.port or (443 if target.scheme == "https" else 80),
            "url_path": target.path.lstrip("/"),
            **PUSH_PARAMS,
            "url_user_defined": target.query,
        }
        await self._call("/smsoutbox/set_config", settings)

    @classmethod
    def parse_push(
        cls,
        method: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> list[InboundItem]:
        """A received SMS or a send status, as the GET the push settings make.

        The document shows only GETs; a POST carrying the same fields in its
        body (a form or JSON, as a proxy or other firmware may send) is read
        alike, its body's fields over the query's.
        """
        fields = dict(query)
        if method == "POST":
            fields.update(read_fields(body))
        elif method != "GET":
            raise GatewayPayloadError(f"pushes are GETs or POSTs, not {method}")
        if "phonenumber" not in fields and ("id" in fields or "code" in fields):
            return [ussd_push(fields)]
        if as_text(fields.get("status")):
            report = outbox_report(fields, port_key="portname")
            if report is None:
                raise GatewayPayloadError("a status push of no known status")
            return [report]
        return [incoming(fields, id_key=None)]

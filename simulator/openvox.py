"""An OpenVox SWG wireless gateway speaking the "SMS API (Post Method)"."""

from __future__ import annotations

from dataclasses import asdict, dataclass
import hashlib
import itertools
import random
import secrets
import time
from typing import Any
from urllib.parse import urlencode, urlsplit
import uuid

from aiohttp import web

from .base import NOW, Simulator, gateway_time, json_response, now_text

TOKEN_IDLE = 600  # seconds a token lives past its last use
PUBLIC = ("/auth/login",)


@dataclass
class Span:
    """One GSM/LTE module with its SIM."""

    port: int
    port_name: str
    available: int = 1
    registered: bool = True
    imsi: str = ""
    sim_status: str = "Registered (Home network)"


@dataclass
class OutboxSms:
    """A sent SMS as the outbox lists it."""

    id: str
    port_name: str
    phonenumber: str
    message: str
    time: str
    status: str = "SENDING"


def _in_range(time: str, form: Any) -> bool:
    """Whether `time` is within the form's start and end datetime filters.

    The outbox writes `2024-11-21 09:59:20`, the inbox `2024/10/28 16:18:22`:
    compared alike, as text with dashes.
    """
    moment = time.replace("/", "-")
    start = str(form.get("start_datetime_filter") or "").replace("/", "-")
    end = str(form.get("end_datetime_filter") or "").replace("/", "-")
    return (not start or moment >= start) and (not end or moment <= end)


class OpenvoxSimulator(Simulator):
    """An SWG gateway: token login, ports, outbox, inbox, pushes, USSD."""

    vendor = "openvox"

    def __init__(
        self, username: str = "admin", password: str = "admin", ports: int = 4
    ) -> None:
        """`ports` registered, available ports gsm-1, gsm-2, ..."""
        super().__init__(username, password)
        self.spans = {
            n: Span(n, f"gsm-{n}", imsi=f"46000464214800{n}")
            for n in range(1, ports + 1)
        }
        self.tokens: dict[str, float] = {}  # token -> when it was last used
        self.clock_offset = 0.0  # tests move time forward with this
        self.logins = 0
        self.issued: list[str] = []  # every token handed out
        self.outbox: list[OutboxSms] = []
        self.inbox: list[dict[str, Any]] = []
        # the inbox's SMS handed out by `smsinbox/get`: read from then on
        self.read_ids: set[int] = set()
        self.fail_numbers: dict[str, str] = {}
        self.push_config: dict[str, Any] = {
            "enable": 0,
            "reports_enable": 0,
            "results_enable": 0,
            "url_http": "http",
            "url_host": "",
            "url_port": "80",
            "url_path": "",
            "url_from_num": "phone_number",
            "url_to_num": "port",
            "url_portname": "portname",
            "url_message": "message",
            "url_time": "time",
            "url_imsi": "imsi",
            "url_status": "status",
            "url_user_defined": "",
        }
        # USSD: the USSD page's account, answer format, push URL, replies due
        self.ussd_username, self.ussd_password = "ussduser", "ussdpwd"
        self.ussd_format = "json"  # or "string"
        self.ussd_push_url: str | None = None
        self.ussd_replies: dict[str, str] = {}
        # code -> (status, code) of a USSD that fails: the push's values
        self.ussd_failures: dict[str, tuple[str, str]] = {}
        self.ussd_pending: list[tuple[int, str, str]] = []  # port, code, id
        self._inbox_ids = itertools.count(1)
        routes = {
            "/auth/login": self._login,
            "/auth/logout": self._logout,
            "/sms/get_valid_spans": self._valid_spans,
            "/sms/send": self._send,
            "/smsoutbox/get": self._outbox,
            "/smsinbox/get": self._inbox,
            "/smsoutbox/get_config": self._get_config,
            "/smsoutbox/set_config": self._set_config,
            "/service/chan_state": self._chan_state,
            "/service/simstatus": self._simstatus,
        }
        for path, handler in routes.items():
            self.app.router.add_post(path, self._with_token(path, handler))
        self.app.router.add_post("/service/sendussd", self._sendussd)

    def restart(self) -> None:
        """Every token is forgotten."""
        super().restart()
        self.tokens.clear()

    def now(self) -> float:
        """The gateway's clock (moved by tests, never slept for)."""
        return time.monotonic() + self.clock_offset

    # --- state changes ------------------------------------------------------

    async def inject_incoming(
        self, port: int, number: str, text: str, time: str | None = NOW
    ) -> dict[str, Any]:
        """A port receives an SMS: kept in the inbox, and pushed."""
        span = self.spans[port]
        sms: dict[str, Any] = {
            "port": str(port),
            "id": next(self._inbox_ids),
            "port_name": span.port_name,
            "phonenumber": number,
            "message": f"\ufeff{text}",
        }
        pushed = {
            "url_from_num": number,
            "url_to_num": str(port),
            "url_portname": span.port_name,
            "url_message": text,
            "url_imsi": span.imsi,
        }
        if (given := gateway_time(time, "%Y/%m/%d %H:%M:%S")) is not None:
            sms["time"] = pushed["url_time"] = given
        self.inbox.append(sms)
        if self.push_config["enable"]:
            await self._push(pushed)
        return sms

    def point_pushes(self, url: str) -> None:
        """What "point this gateway's pushes at Home Assistant" writes."""
        parts = urlsplit(url)
        self.push_config.update(
            enable=1,
            reports_enable=1,
            results_enable=1,
            url_http=parts.scheme,
            url_host=parts.hostname,
            url_port=str(parts.port),
            url_path=parts.path.lstrip("/"),
            url_from_num="phonenumber",
            url_to_num="port",
            url_portname="portname",
            url_message="message",
            url_time="time",
            url_imsi="imsi",
            url_status="status",
        )
        # USSD-to-HTTP, set up apart in the gateway's pages, as the README says
        self.ussd_push_url = url

    async def receive(
        self, index: int, sender: str, text: str, when: str | None = NOW
    ) -> bool:
        """On the `index`-th span (spans count from 1)."""
        await self.inject_incoming(index + 1, sender, text, when)
        return True

    async def inject_sample_incoming(self, sender: str, text: str) -> None:
        """Receive on a random port."""
        await self.inject_incoming(random.choice(list(self.spans)), sender, text)

    async def advance(self) -> int:
        """SENDING -> SENT(0) or FAILED(code) -> DELIVERD(0); results and reports pushed."""
        pushes = 0
        for port, ussd_code, session_id in self.ussd_pending:
            pushes += await self._push_ussd(port, ussd_code, session_id)
        self.ussd_pending.clear()
        for sms in self.outbox:
            if sms.status == "SENDING":
                code = self.fail_numbers.get(sms.phonenumber)
                sms.status = f"FAILED({code})" if code else "SENT(0)"
                kind = "results_enable"
            elif sms.status.startswith("SENT"):
                sms.status = "DELIVERD(0)"
                kind = "reports_enable"
            else:
                continue
            if self.push_config["enable"] and self.push_config[kind]:
                pushes += await self._push(
                    {
                        "url_from_num": sms.phonenumber,
                        "url_portname": sms.port_name,
                        "url_message": sms.message,
                        "url_time": sms.time,
                        "url_status": sms.status,
                    }
                )
        return pushes

    def state(self) -> dict[str, Any]:
        """Ports, outbox, inbox, push settings and tokens."""
        return {
            **super().state(),
            "spans": [asdict(span) for span in self.spans.values()],
            "outbox": [asdict(sms) for sms in self.outbox],
            "inbox": self.inbox,
            "push_config": self.push_config,
            "tokens": len(self.tokens),
            "logins": self.logins,
        }

    async def _push_ussd(self, port: int, code: str, session_id: str) -> int:
        """The USSD-to-HTTP push: a GET with the USSD page's parameter names."""
        if not self.ussd_push_url:
            return 0
        status, result = self.ussd_failures.get(code, ("0", "0"))
        failed = code in self.ussd_failures
        query = {
            "port": str(port),
            "message": ""
            if failed
            else self.ussd_replies.get(code, f"Balance 12.50 ({code})"),
            "time": now_text(),
            "status": status,
            "code": result,
            "id": session_id,
        }
        return await self._get(f"{self.ussd_push_url}?{urlencode(query)}", query)

    async def _push(self, values: dict[str, str]) -> int:
        """A GET to the configured URL, named as the push settings say."""
        config = self.push_config
        query = {
            str(config[key]): value for key, value in values.items() if config.get(key)
        }
        url = (
            f"{config['url_http']}://{config['url_host']}:{config['url_port']}/"
            f"{config['url_path']}?{urlencode(query)}"
        )
        if config["url_user_defined"]:
            url += f"&{config['url_user_defined']}"
        return await self._get(url, values)

    async def _get(self, url: str, values: dict[str, str]) -> int:
        await self.deliver("GET", url, values)
        return 1

    # --- the vendor API --------------------------------------------------------

    def _answer(
        self, uri: str, data: Any, code: int = 200, msg: str = ""
    ) -> web.Response:
        return json_response({"uri": uri, "msg": msg, "code": code, "data": data})

    def _with_token(self, path: str, handler: Any) -> Any:
        async def check(request: web.Request) -> web.Response:
            form = await request.post()
            if path not in PUBLIC:
                token = request.headers.get("authorization", "")
                last = self.tokens.get(token)
                if last is None or self.now() - last > TOKEN_IDLE:
                    self.tokens.pop(token, None)
                    return self._answer(path[1:], [], 401, "Token invalid or expired")
                self.tokens[token] = self.now()
            return await handler(request, form)  # type: ignore[no-any-return]

        return check

    async def _login(self, request: web.Request, form: Any) -> web.Response:
        username = form.get("username", "")
        expected = hashlib.md5(f"{self.password}-{self.username}".encode()).hexdigest()
        if username != self.username or form.get("password") != expected:
            return self._answer("auth/login", [], 401, "Username or password error")
        self.logins += 1
        token = secrets.token_urlsafe(24)
        self.issued.append(token)
        self.tokens[token] = self.now()
        data = {
            "access_token": token,
            "expires_time": int(time.time() + TOKEN_IDLE),
            "client": username,
        }
        return self._answer("auth/login", data)

    async def _logout(self, request: web.Request, form: Any) -> web.Response:
        self.tokens.pop(form.get("token", ""), None)
        return self._answer("auth/logout", [], msg="Login out success!")

    async def _valid_spans(self, request: web.Request, form: Any) -> web.Response:
        data = [
            {
                "port": s.port,
                "port_name": s.port_name,
                "status": int(s.available and s.registered),
            }
            for s in self.spans.values()
        ]
        return self._answer("sms/get_valid_spans", data)

    async def _chan_state(self, request: web.Request, form: Any) -> web.Response:
        status = {str(n): "0" if s.registered else "1" for n, s in self.spans.items()}
        idle = sum(s.registered for s in self.spans.values())
        return self._answer(
            "service/chan_state", {"idle_channels": idle, "channel_status": status}
        )

    async def _simstatus(self, request: web.Request, form: Any) -> web.Response:
        wanted = int(form.get("port", 1))
        data = {
            str(n): {"imsi": s.imsi, "status": s.sim_status}
            for n, s in self.spans.items()
            if wanted in (0, n)
        }
        return self._answer("service/simstatus", data)

    async def _send(self, request: web.Request, form: Any) -> web.Response:
        spans = [int(p) for p in form.getall("spans[]", []) if p.isdigit()]
        number, text = form.get("dest_num", ""), form.get("msg", "")
        if not number or not text or not spans:
            return self._answer("sms/send", [], 400, "Parameter error")
        usable = [
            self.spans[p]
            for p in spans
            if p in self.spans and self.spans[p].available and self.spans[p].registered
        ]
        if len(usable) < len(spans):
            # Taken literally: every port named must be available. The document
            # says to pick an available one by `get_valid_spans` first.
            return self._answer("sms/send", {"send_list": "", "reject_list": number})
        span = random.choice(usable)
        sms = OutboxSms(str(uuid.uuid4()), span.port_name, number, text, now_text())
        self.outbox.append(sms)
        send_list = {
            "type": "asyncsms",
            "msg": text,
            "num": number,
            "flash": "0",
            "id": sms.id,
            "port": str(span.port),
        }
        return self._answer("sms/send", {"send_list": send_list, "reject_list": ""})

    async def _sendussd(self, request: web.Request) -> web.Response:
        """No token: the USSD page's own account."""
        form = await request.post()
        self.requests.append(request.path)
        if (form.get("username"), form.get("password")) != (
            self.ussd_username,
            self.ussd_password,
        ):
            return self._answer("service/sendussd", [], 401, "Authentication failed")
        code, session_id = str(form.get("message", "")), str(form.get("id", ""))
        report = {}
        for port in [
            int(p) for p in str(form.get("port", "")).split(",") if p.strip().isdigit()
        ]:
            span = self.spans.get(port)
            result = "sent" if span and span.registered else "not ready"
            if result == "sent":
                self.ussd_pending.append((port, code, session_id))
            report[str(port)] = {
                "port": str(port),
                "time": now_text(),
                "id": session_id,
                "result": result,
            }
        if self.ussd_format == "json":
            return self._answer("service/sendussd", {"message": code, "report": report})
        text = f"message: {code}\n" + "".join(
            f"--record {p} start--port: {r['port']}\ntime: {r['time']}\nid: {r['id']}\n"
            f"result: {r['result']}\n--record {p} end--"
            for p, r in report.items()
        )
        return self._answer("service/sendussd", text)

    @staticmethod
    def _page(form: Any, items: list[Any]) -> tuple[list[Any], dict[str, int]]:
        page = max(1, int(form.get("current_page", 1)))
        size = max(1, int(form.get("current_counts", 10)))
        newest_first = list(reversed(items))
        pages = max(1, -(-len(newest_first) // size))
        chosen = newest_first[(page - 1) * size : page * size]
        return chosen, {"current_page": page, "current_counts": size, "counts": pages}

    async def _outbox(self, request: web.Request, form: Any) -> web.Response:
        number = form.get("phone_number_filter")
        items = [
            {
                "port_name": sms.port_name,
                "phonenumber": sms.phonenumber,
                "time": sms.time,
                "status": sms.status,
                "message": sms.message,
            }
            for sms in self.outbox
            if (not number or sms.phonenumber == number) and _in_range(sms.time, form)
        ]
        chosen, paging = self._page(form, items)
        return self._answer("smsoutbox/get", {**paging, "sms": chosen})

    async def _inbox(self, request: web.Request, form: Any) -> web.Response:
        """The inbox by `flag` (all, read or unread; all when left out).

        The number and time filters apply; `read` and `unread` count what the
        filters match. What is handed out is read from then on, as on the
        gateway's page.
        """
        number = form.get("phone_number_filter")
        matching = [
            sms
            for sms in self.inbox
            if (not number or sms["phonenumber"] == number)
            and _in_range(str(sms.get("time", "")), form)
        ]
        read = [sms for sms in matching if sms["id"] in self.read_ids]
        wanted = {
            "read": read,
            "unread": [sms for sms in matching if sms["id"] not in self.read_ids],
        }.get(form.get("flag", "all"), matching)
        chosen, paging = self._page(form, wanted)
        self.read_ids.update(sms["id"] for sms in chosen)
        data = {
            **paging,
            "read": len(read),
            "unread": len(matching) - len(read),
            "sms": chosen,
        }
        return self._answer("smsinbox/get", data)

    async def _get_config(self, request: web.Request, form: Any) -> web.Response:
        return self._answer("smsoutbox/get_config", self.push_config)

    async def _set_config(self, request: web.Request, form: Any) -> web.Response:
        for key in self.push_config:
            if key in form:
                value = form[key]
                self.push_config[key] = int(value) if key.endswith("enable") else value
        return self._answer("smsoutbox/set_config", [])

    # --- control API -----------------------------------------------------------

"""A Dinstar DWG gateway speaking HTTP API v1.1, with digest auth and HTTPS."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
import itertools
import json
import random
from typing import Any

from aiohttp import web

from .base import NOW, Simulator, gateway_time, json_response, now_text
from .digest import DigestServer

SN = "DA00-0030-1901-2817"
PUSH_KINDS = (
    "sms",
    "sms_result",
    "sms_deliver_status",
    "ussd",
    "register",
    "device",
    "exception_info",
    "cdr",
)
INFO_TYPES = (
    "type",
    "imei",
    "imsi",
    "iccid",
    "smsc",
    "number",
    "reg",
    "slot",
    "callstate",
    "signal",
    "gprs",
    "remain_credit",
    "remain_monthly_credit",
    "remain_daily_credit",
    "remain_daily_calltime",
    "remain_hourly_calltime",
    "remain_daily_connect",
)


# The SIM toolkit of every port: title, text, input_type and items (id -> node).
STK_MENU: dict[str, Any] = {
    "title": "神州行天地",
    "input_type": 2,
    "items": {
        1: ("轻松问候", {"text": "问候已发送", "input_type": 0}),
        2: (
            "查询余额",
            {"title": "查询余额", "text": "请输入服务密码", "input_type": 9},
        ),
        15: (
            "SIM 卡信息",
            {
                "title": "SIM 卡信息",
                "input_type": 2,
                "items": {1: ("本机号码", {"text": "13714637674", "input_type": 0})},
            },
        ),
    },
}


@dataclass
class Port:
    """One GSM module with its SIM."""

    port: int
    type: str = "GSM"
    imei: str = ""
    imsi: str = ""
    iccid: str = ""
    # the document's example: the SMS center of the SIM's network
    smsc: str = "+8613010868500"
    number: str = ""
    reg: str = "REGISTER_OK"
    slot: int = 255
    callstate: str = "Idle"
    signal: int = 20
    gprs: str = "detached"
    remain_credit: str = "1000.00"
    remain_monthly_credit: str = "500.00"
    remain_daily_credit: str = "300.00"
    remain_daily_calltime: str = "100"
    remain_hourly_calltime: str = "10"
    remain_daily_connect: str = "100"
    # not in get_port_info: what set_port_info changes
    pin: str = "1234"
    sim_locked: bool = False
    blocked: bool = False
    restarts: int = 0
    forwarding: dict[str, str] = field(default_factory=dict)
    forwarding_checked: bool = False


@dataclass
class Outgoing:
    """One recipient of a send request, from queue to delivery."""

    task_id: int
    user_id: int | None
    number: str
    text: str
    ports: list[int] | None
    report: bool
    encoding: str = "unicode"
    report_code: int | None = None
    state: str = "QUEUED"  # QUEUED, SENDING, SENT_OK, FAILED, DELIVERED
    port: int | None = None
    ref_id: int | None = None
    time: str = field(default_factory=now_text)
    imsi: str = ""

    @property
    def parts(self) -> int:
        """The parts a long SMS is sent in.

        70 UCS-2 units in one, 67 a part when more (160 and 153 GSM characters).
        """
        units = len(self.text.encode("utf-16-le")) // 2
        single, multi = (160, 153) if self.encoding == "gsm7" else (70, 67)
        return 1 if units <= single else -(-units // multi)

    def result(self) -> dict[str, Any]:
        """The `sms_result` element."""
        result: dict[str, Any] = {
            "port": self.port,
            "number": self.number,
            "time": self.time,
            "status": self.state,
            "count": self.parts,
            "succ_count": 0 if self.state in ("FAILED", "SENDING") else self.parts,
            "ref_id": self.ref_id,
            "imsi": self.imsi,
        }
        if self.user_id is not None:
            result["user_id"] = self.user_id
        return result


def _within(time: str, body: dict[str, Any]) -> bool:
    """Whether `time` is within the request's `time_after` and `time_before`.

    "YYYY-MM-DD HH:MM:SS" sorts as text.
    """
    after, before = body.get("time_after"), body.get("time_before")
    return (after is None or time >= after) and (before is None or time <= before)


def _with_params(text: str, values: Any) -> str:
    """`text` with each `#param#` replaced by the next of `values`.

    The document's text_param; a `#param#` without a value stays as it is.
    """
    if not isinstance(values, list):
        return text
    parts = text.split("#param#")
    filled = [parts[0]]
    for index, part in enumerate(parts[1:]):
        filled.append(str(values[index]) if index < len(values) else "#param#")
        filled.append(part)
    return "".join(filled)


class DinstarSimulator(Simulator):
    """A DWG gateway: ports, queues that drain, results, reports, incoming SMS."""

    vendor = "dinstar"

    def __init__(
        self,
        username: str = "admin",
        password: str = "admin",
        ports: int = 4,
        sn: str = SN,
    ) -> None:
        """`ports` registered ports with SIMs, numbered from 0; serial `sn`."""
        super().__init__(username, password)
        self.sn = sn
        self.auth = DigestServer(lambda: (self.username, self.password))
        self.ports: dict[int, Port] = {}
        for number in range(ports):
            self.set_port(
                number,
                imei=f"8630700170051{number:02d}",
                imsi=f"4600046421480{number:02d}",
                iccid=f"898601148404004281{number:02d}",
            )
        self.outgoing: list[Outgoing] = []
        self.incoming: list[dict[str, Any]] = []
        self.read_ids: set[int] = set()
        self.push_url: str | None = None
        self.push_kinds = set(PUSH_KINDS)
        # Older firmware spells its result lists' key "result:" (Dinstar's own
        # PHP demo recorded it from a real gateway's send_ussd answer).
        self.result_key = "result"
        self.fail_numbers: set[str] = set()
        # number -> status_code of its status report (default 0, delivered)
        self.report_codes: dict[str, int] = {}
        # USSD: code -> reply; replies due at the next advance; replies given
        self.ussd_replies: dict[str, str] = {}
        self.ussd_pending: dict[int, str] = {}
        self.ussd_ready: dict[int, str] = {}
        self.performance = {
            "cpu_used": "39",
            "flash_total": "27648",
            "flash_used": "17428",
            "memory_total": "109448",
            "memory_cached": "34192",
            "memory_buffers": "0",
            "memory_free": "58928",
            "memory_used": "50520",
        }
        self.cdr: list[dict[str, Any]] = []
        # STK: each port's path down the menu, and the frame shown
        self.stk_paths: dict[int, list[dict[str, Any]]] = {}
        self.stk_frame = 750
        # a SIM that needs a moment: STKGo takes effect at the next advance
        self.stk_slow = False
        self.stk_due: list[tuple[int, dict[str, Any]]] = []
        self._register_sequence = itertools.count(1)
        self._task_ids = itertools.count(1)
        self._incoming_ids = itertools.count(1)
        self._ref_ids = itertools.count(0)
        routes: dict[str, Callable[[web.Request], Awaitable[web.Response]]] = {
            "/api/send_sms": self._send_sms,
            "/api/query_sms_result": self._query_sms_result,
            "/api/query_sms_deliver_status": self._query_deliver_status,
            "/api/query_sms_in_queue": self._query_in_queue,
            "/api/query_incoming_sms": self._query_incoming,
            "/api/stop_sms": self._stop_sms,
            "/api/get_port_info": self._get_port_info,
            "/api/send_ussd": self._send_ussd,
            "/api/query_ussd_reply": self._query_ussd_reply,
            "/api/get_status": self._get_status,
            "/api/set_port_info": self._set_port_info,
            "/api/get_cdr": self._get_cdr,
            "/GetSTKView": self._stk_view,
            "/GetSTKCurrFrameIndex": self._stk_frame_index,
            "/STKGo": self._stk_go,
        }
        for path, handler in routes.items():
            self.app.router.add_route("*", path, self._authenticated(handler))

    # --- state changes, for tests (direct) and the control API ----------------

    def restart(self) -> None:
        """Every nonce is forgotten."""
        super().restart()
        self.auth.restart()

    def set_port(self, index: int, /, **changes: Any) -> Port:
        """Create or change a port."""
        port = self.ports.setdefault(index, Port(index))
        for key, value in changes.items():
            if key not in Port.__dataclass_fields__ or key == "port":
                raise ValueError(f"unknown port field {key}")
            setattr(port, key, type(getattr(port, key))(value))
        return port

    async def inject_incoming(
        self, port: int, number: str, text: str, timestamp: str | None = NOW
    ) -> dict[str, Any]:
        """A port receives an SMS: stored unread, and pushed."""
        sms = {
            "incoming_sms_id": next(self._incoming_ids),
            "port": port,
            "number": number,
            "smsc": "+8613800757511",
            "timestamp": gateway_time(timestamp),
            "text": text,
        }
        if timestamp is None:
            del sms["timestamp"]
        self.incoming.append(sms)
        await self._push("sms", [sms])
        return sms

    async def register(self, index: int, up: bool) -> None:
        """A port's SIM registers (or drops off); the gateway pushes it."""
        port = self.set_port(index, reg="REGISTER_OK" if up else "UNREGISTER")
        event = {
            "port": index,
            "iccid": port.iccid if up else "<NULL>",
            "imsi": port.imsi if up else "<NULL>",
            "number": port.number,
            "status": "up" if up else "down",
            "sequence": next(self._register_sequence),
            "slot": port.slot,
        }
        await self._push("register", [event])

    async def power(self, on: bool) -> None:
        """The gateway boots (or shuts down) and says so."""
        device = {
            "port_number": len(self.ports),
            "IP": "127.0.0.1",
            "MAC": "F8-A0-3D-48-E5-19",
            "status": "power_on" if on else "power_off",
        }
        await self._push("device", device)

    async def exception(self, index: int, kind: str, action: str) -> None:
        """The gateway handled a fault on a port."""
        await self._push(
            "exception_info", {"port": index, "type": kind, "action": action}
        )

    async def call(
        self, index: int, source: str, destination: str, duration: int
    ) -> dict[str, Any]:
        """A connected call on a port ended: recorded, and pushed."""
        record = {
            "port": index,
            "start_date": now_text(),
            "answer_date": now_text(),
            "duration": duration,
            "source_number": source,
            "destination_number": destination,
            "direction": "ip->gsm",
            "ip": "127.0.0.1",
            "codec": "G.711U",
            "hangup": "called",
            "gsm_code": 16,
            "bcch": "",
        }
        self.cdr.append(record)
        await self._push("cdr", [record])
        return record

    def point_pushes(self, url: str) -> None:
        """Every push kind to `url`."""
        self.push_url = url

    async def receive(
        self, index: int, sender: str, text: str, when: str | None = NOW
    ) -> bool:
        """On port `index`."""
        await self.inject_incoming(index, sender, text, when)
        return True

    async def inject_sample_incoming(self, sender: str, text: str) -> None:
        """Receive on a random registered port."""
        ports = [p.port for p in self.ports.values() if p.reg == "REGISTER_OK"]
        if ports:
            await self.inject_incoming(random.choice(ports), sender, text)

    async def advance(self) -> int:
        """One step of every port's queue; results and reports are pushed.

        QUEUED -> SENDING (the port takes it) -> SENT_OK or FAILED -> DELIVERED
        (after a status report, when one was asked for).
        """
        pushes = 0
        for index, command in self.stk_due:
            self._stk_apply(index, command)
        self.stk_due.clear()
        for number, text in list(self.ussd_pending.items()):
            del self.ussd_pending[number]
            self.ussd_ready[number] = text
            pushes += await self._push("ussd", [{"port": number, "text": text}])
        busy: set[int] = set()
        for sms in self.outgoing:
            if sms.state == "QUEUED":
                port = self._free_port(sms, busy)
                if port is not None:
                    busy.add(port.port)
                    sms.state, sms.port, sms.imsi = "SENDING", port.port, port.imsi
                    sms.ref_id = next(self._ref_ids) % 256
                continue
            if sms.state == "SENDING":
                busy.add(sms.port or 0)
                sms.state = "FAILED" if sms.number in self.fail_numbers else "SENT_OK"
                pushes += await self._push("sms_result", [sms.result()])
            elif sms.state == "SENT_OK" and sms.report:
                code = self.report_codes.get(sms.number, 0)
                sms.report_code = code
                report = {
                    "port": sms.port,
                    "number": sms.number,
                    "time": now_text(),
                    "ref_id": sms.ref_id,
                    "status_code": code,
                    "imsi": sms.imsi,
                }
                pushes += await self._push("sms_deliver_status", [report])
                if code < 32:
                    sms.state = "DELIVERED"
                    pushes += await self._push("sms_result", [sms.result()])
                else:
                    sms.report = False
        return pushes

    def state(self) -> dict[str, Any]:
        """Ports, queue and push settings."""
        return {
            **super().state(),
            "sn": self.sn,
            "ports": [asdict(port) for port in self.ports.values()],
            "outgoing": [asdict(sms) for sms in self.outgoing],
            "incoming": self.incoming,
            "push_url": self.push_url,
            "challenges": self.auth.challenges,
        }

    def _free_port(self, sms: Outgoing, busy: set[int]) -> Port | None:
        for port in self.ports.values():
            if port.reg != "REGISTER_OK" or port.port in busy:
                continue
            if sms.ports is None or port.port in sms.ports:
                return port
        return None

    async def _push(self, kind: str, items: Any) -> int:
        if kind not in self.push_kinds or not self.push_url:
            return 0
        await self.push(self.push_url, {"sn": self.sn, kind: items})
        return 1

    # --- the vendor API --------------------------------------------------------

    def _authenticated(
        self, handler: Callable[[web.Request], Awaitable[web.Response]]
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def check(request: web.Request) -> web.Response:
            # A Response is a mapping, falsy when empty: compare with None.
            refusal = self.auth.check(request)
            return refusal if refusal is not None else await handler(request)

        return check

    @staticmethod
    async def _body(request: web.Request) -> Any:
        try:
            return json.loads(await request.text() or "{}")
        except ValueError:
            return None

    @staticmethod
    def _ports_param(request: web.Request) -> list[int] | None:
        raw = request.query.get("port")
        return [int(p) for p in raw.split(",") if p.strip()] if raw else None

    def _answer(self, code: int, **fields: Any) -> web.Response:
        return json_response({"error_code": code, "sn": self.sn, **fields})

    async def _send_sms(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("text"), str)
            or not isinstance(body.get("param"), list)
            or not body["param"]
        ):
            return self._answer(400)
        if len(body["param"]) > 128 or len(body["text"].encode()) > 1500:
            return self._answer(413)
        ports = body.get("port")
        if ports is not None and (
            not isinstance(ports, list) or any(p not in self.ports for p in ports)
        ):
            return self._answer(400)
        if not any(
            p.reg == "REGISTER_OK" and (ports is None or p.port in ports)
            for p in self.ports.values()
        ):
            return self._answer(550)
        task_id = next(self._task_ids)
        for param in body["param"]:
            self.outgoing.append(
                Outgoing(
                    task_id,
                    param.get("user_id"),
                    str(param["number"]),
                    _with_params(body["text"], param.get("text_param")),
                    ports,
                    bool(body.get("request_status_report", True)),
                    str(body.get("encoding", "unicode")),
                )
            )
        return self._answer(202, sms_in_queue=self._queued(), task_id=task_id)

    def _queued(self) -> int:
        return sum(sms.state == "QUEUED" for sms in self.outgoing)

    async def _set_port_info(self, request: web.Request) -> web.Response:
        query = request.query
        port = self.ports.get(int(query.get("port", -1)))
        action, param = query.get("action"), query.get("param")
        if port is None:
            return self._answer(400)
        if action in ("lock", "unlock") and param is not None:
            if param != port.pin:
                return self._answer(500)
            port.sim_locked = action == "lock"
        elif action == "CallForward" and param:
            if param == "CancelAll":
                port.forwarding.clear()
            else:
                port.forwarding[param] = query.get("number", "")
        elif not self._set_port(port, action, param):
            return self._answer(400)
        return self._answer(200)

    @staticmethod
    def _set_port(port: Port, action: str | None, param: str | None) -> bool:
        """The actions of `set_port_info` that always succeed; False: none."""
        if action == "reset":
            port.restarts += 1
            port.callstate = "Idle"
        elif action == "power" and param in ("on", "off"):
            port.reg = "REGISTER_OK" if param == "on" else "POWER_OFF"
        elif action == "slot" and param in ("0", "1", "2", "3") and port.slot != 255:
            port.slot = int(param)
        elif action in ("block", "unblock"):
            port.blocked = action == "block"
        elif action == "number" and param:
            port.number = param
        elif action == "CheckCallForward":
            port.forwarding_checked = True
        else:
            return False
        return True

    async def _get_cdr(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if not isinstance(body, dict):
            return self._answer(400)
        ports, after, before = (
            body.get("port"),
            body.get("time_after"),
            body.get("time_before"),
        )
        cdr = [
            record
            for record in self.cdr
            if (ports is None or record["port"] in ports)
            and (after is None or record["start_date"] >= after)
            and (before is None or record["start_date"] <= before)
        ]
        return self._answer(200, cdr=cdr)

    async def _get_status(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if body != ["performance"]:
            return json_response({})
        return json_response({"performance": self.performance})

    def _stk_path(self, index: int) -> list[dict[str, Any]]:
        return self.stk_paths.setdefault(index, [STK_MENU])

    def _stk_apply(self, index: int, command: dict[str, Any]) -> None:
        path = self._stk_path(index)
        node = path[-1]
        if command.get("action") == "home":
            del path[1:]
        elif command.get("action") in ("cancel", "ok"):
            if len(path) > 1:
                path.pop()
        elif "item" in command and command["item"] in node.get("items", {}):
            path.append(node["items"][command["item"]][1])
        elif "param" in command:
            path.append(
                {"text": f"已提交 {len(str(command['param']))} 位", "input_type": 0}
            )
        else:
            return
        self.stk_frame += 1

    async def _stk_view(self, request: web.Request) -> web.Response:
        index = int(request.query.get("port", -1))
        if index not in self.ports or self.ports[index].reg != "REGISTER_OK":
            return json_response(
                {"title": "", "input_type": "12", "frame_id": self.stk_frame}
            )
        node = self._stk_path(index)[-1]
        view: dict[str, Any] = {
            "title": node.get("title", ""),
            "text": node.get("text", ""),
            "input_type": str(node["input_type"]),
            "frame_id": self.stk_frame,
        }
        if "items" in node:
            view["item"] = [
                {"item_id": item_id, "item_string": label}
                for item_id, (label, _) in node["items"].items()
            ]
        return json_response(view)

    async def _stk_frame_index(self, request: web.Request) -> web.Response:
        return json_response({"frame_id": self.stk_frame})

    async def _stk_go(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if not isinstance(body, dict) or body.get("port") not in self.ports:
            return json_response({"error_code": 400}, status=400)
        if self.stk_slow:
            self.stk_due.append((body["port"], body))
        else:
            self._stk_apply(body["port"], body)
        return json_response({})

    async def _send_ussd(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        command = body.get("command", "send") if isinstance(body, dict) else None
        text = body.get("text", "") if isinstance(body, dict) else ""
        ports = body.get("port") if isinstance(body, dict) else None
        if (
            command not in ("send", "cancel")
            or not isinstance(ports, list)
            or (command == "send" and not text)
            or len(str(text).encode()) > 60
        ):
            return self._answer(400)
        result = []
        for number in ports:
            port = self.ports.get(number)
            if port is None or port.reg != "REGISTER_OK":
                status = 503
            elif command == "cancel":
                self.ussd_pending.pop(number, None)
                self.ussd_ready.pop(number, None)
                status = 200
            elif number in self.ussd_pending or any(
                sms.port == number and sms.state == "SENDING" for sms in self.outgoing
            ):
                status = 486
            else:
                self.ussd_ready.pop(number, None)
                self.ussd_pending[number] = self.ussd_replies.get(
                    text, f"Your balance is 12.50 CNY. ({text})"
                )
                status = 200
            result.append({"port": number, "status": status})
        return self._answer(202, **{self.result_key: result})

    async def _query_ussd_reply(self, request: web.Request) -> web.Response:
        ports = self._ports_param(request)
        if not ports:
            return self._answer(400)
        reply = [{"port": p, "text": self.ussd_ready.get(p, "")} for p in ports]
        return self._answer(200, reply=reply)

    async def _query_sms_result(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if not isinstance(body, dict):
            return self._answer(400)
        if len(body.get("number", [])) > 32:
            return self._answer(413)
        user_ids, numbers = body.get("user_id"), body.get("number")
        ports = body.get("port")
        results = [
            sms.result()
            for sms in self.outgoing
            if sms.state != "QUEUED"
            and (user_ids is None or sms.user_id in user_ids)
            and (numbers is None or sms.number in numbers)
            and (ports is None or sms.port in ports)
            and _within(sms.time, body)
        ]
        return self._answer(200, **{self.result_key: results})

    async def _query_deliver_status(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if not isinstance(body, dict):
            return self._answer(400)
        numbers, ports = body.get("number"), body.get("port")
        if numbers is not None and len(numbers) > 32:
            return self._answer(413)
        results = [
            {
                "port": sms.port,
                "number": sms.number,
                "time": sms.time,
                "ref_id": sms.ref_id,
                "status_code": sms.report_code,
                "imsi": sms.imsi,
            }
            for sms in self.outgoing
            if sms.report_code is not None
            and (numbers is None or sms.number in numbers)
            and (ports is None or sms.port in ports)
            and _within(sms.time, body)
        ]
        return self._answer(200, **{self.result_key: results})

    async def _query_in_queue(self, request: web.Request) -> web.Response:
        return self._answer(200, in_queue=self._queued())

    async def _query_incoming(self, request: web.Request) -> web.Response:
        after = int(request.query.get("incoming_sms_id", 0))
        flag = request.query.get("flag", "unread")
        ports = self._ports_param(request)
        found = [
            sms
            for sms in self.incoming
            if sms["incoming_sms_id"] > after
            and (ports is None or sms["port"] in ports)
            and (
                flag == "all"
                or (flag == "read") == (sms["incoming_sms_id"] in self.read_ids)
            )
        ]
        if flag == "unread":
            self.read_ids.update(sms["incoming_sms_id"] for sms in found)
        read = len(self.read_ids)
        return self._answer(200, sms=found, read=read, unread=len(self.incoming) - read)

    async def _stop_sms(self, request: web.Request) -> web.Response:
        task_id = int(request.query.get("task_id", -1))
        queued = [
            s for s in self.outgoing if s.task_id == task_id and s.state == "QUEUED"
        ]
        if not queued:
            return self._answer(486)
        self.outgoing = [s for s in self.outgoing if s not in queued]
        return self._answer(200)

    async def _get_port_info(self, request: web.Request) -> web.Response:
        wanted = [t for t in request.query.get("info_type", "").split(",") if t]
        if not wanted:
            return self._answer(400)
        ports = self._ports_param(request)
        if wanted == ["CallForward"]:
            info = [
                {"port": port.port, "CallForwarding": port.forwarding}
                for port in self.ports.values()
                if (ports is None or port.port in ports) and port.forwarding_checked
            ]
            return self._answer(200, info=info)
        info = [
            {"port": port.port}
            | {name: getattr(port, name) for name in wanted if name in INFO_TYPES}
            for port in self.ports.values()
            if ports is None or port.port in ports
        ]
        return self._answer(200, info=info)

    # --- control API -----------------------------------------------------------

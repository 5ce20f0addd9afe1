"""A DBL "SMS Server" with GoIP lines, speaking the JSON API of v1.27+."""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass
import itertools
import json
import random
from typing import Any

from aiohttp import web

from .base import NOW, Simulator, gateway_time, json_response as _json

APIS = ("sendsms", "querysms", "querylines")
MAX_NUMBERS = 9999


@dataclass
class Line:
    """One GoIP line as the SMS Server sees it."""

    goip_line: str
    online: int = 1
    reg: str = "LOGIN"
    provider: str = "default"
    remain_sms: int = -1
    day_remain_sms: int = -1

    @property
    def can_send(self) -> bool:
        """Connected, registered, and not out of its SMS allowance."""
        return (
            self.online == 1
            and self.reg == "LOGIN"
            and self.remain_sms != 0
            and self.day_remain_sms != 0
        )

    def as_json(self) -> dict[str, str]:
        """The `querylines` element: every value a string, as the server sends."""
        return {
            "goip_line": self.goip_line,
            "online": str(self.online),
            "reg": self.reg,
            "remain_sms": str(self.remain_sms),
            "day_remain_sms": str(self.day_remain_sms),
        }


@dataclass
class SubTask:
    """One recipient of a send request."""

    task_id: str
    number: str
    line: str | None
    provider: str | None
    send: str = "unsend"
    goip_line: str | None = None
    err_code: str | None = None
    receipt: bool = False
    # Sent to a line that was offline: the SMS Server never sends it, even
    # once the line is back (it accepts it all the same).
    stuck: bool = False

    def as_json(self) -> dict[str, str]:
        """The send-result object of pushes and `querysms`."""
        result = {
            "taskID": f"{self.task_id}.{self.number}",
            "goip_line": self.goip_line or "null",
            "send": self.send,
        }
        if self.err_code:
            result["err_code"] = self.err_code
        if self.receipt:
            result["receipt"] = "1"
        return result


class GoipSimulator(Simulator):
    """The SMS Server: auth in the body, trailing slashes, round-robin lines."""

    vendor = "goip"

    def __init__(
        self, username: str = "admin", password: str = "admin", lines: int = 4
    ) -> None:
        """Start with `lines` online, registered lines G101, G102, ..."""
        super().__init__(username, password)
        self.lines: dict[str, Line] = {}
        self.queue: deque[str] = deque()
        self.tasks: dict[str, list[SubTask]] = {}
        self.result_url: str | None = None
        self.receive_url: str | None = None
        self.fail_numbers: dict[str, str] = {}
        self.receipts = True
        self._task_ids = itertools.count(5689)
        for index in range(lines):
            self.set_line(f"G{101 + index}")
        for api in APIS:
            self.app.router.add_post(f"/goip/{api}/", self._api)

    # --- state changes, for tests (direct) and the control API ----------------

    def set_line(self, goip_line: str, **changes: Any) -> Line:
        """Create or change a line."""
        if goip_line not in self.lines:
            self.lines[goip_line] = Line(goip_line)
            self.queue.append(goip_line)
        line = self.lines[goip_line]
        for key, value in changes.items():
            if key not in Line.__dataclass_fields__ or key == "goip_line":
                raise ValueError(f"unknown line field {key}")
            setattr(line, key, type(getattr(line, key))(value))
        return line

    def remove_line(self, goip_line: str) -> None:
        """Disconnect a line from the server for good."""
        self.lines.pop(goip_line)
        self.queue.remove(goip_line)

    async def inject_incoming(
        self,
        goip_line: str,
        from_number: str,
        content: str,
        recv_time: str | None = NOW,
    ) -> dict[str, str]:
        """A line receives an SMS; the server pushes it to the receive URL."""
        payload = {
            "goip_line": goip_line,
            "from_number": from_number,
            "content": content,
        }
        if (given := gateway_time(recv_time)) is not None:
            payload["recv_time"] = given
        await self.push(self.receive_url, payload)
        return payload

    def continue_ids(self, first: int) -> None:
        """Task ids from `first` on."""
        self._task_ids = itertools.count(first)

    def point_pushes(self, url: str) -> None:
        """Results and received SMS to `url`."""
        self.result_url = self.receive_url = url

    async def receive(
        self, index: int, sender: str, text: str, when: str | None = NOW
    ) -> bool:
        """On the `index`-th line."""
        await self.inject_incoming(list(self.lines)[index], sender, text, when)
        return True

    async def inject_sample_incoming(self, sender: str, text: str) -> None:
        """Receive on a random line."""
        if self.lines:
            await self.inject_incoming(random.choice(list(self.lines)), sender, text)

    async def advance(self) -> int:
        """Move every unfinished recipient one step; push finished results.

        unsend -> sending (a line is taken round-robin) -> succeeded or failed
        (pushed) -> succeeded with receipt (pushed). Returns the pushes made.
        """
        pushed = 0
        # a snapshot: a send may come in while a push waits for its answer
        for sub in list(itertools.chain.from_iterable(self.tasks.values())):
            if sub.send == "unsend":
                if sub.stuck:
                    continue
                sub.goip_line = self._take_line(sub)
                if sub.goip_line:
                    sub.send = "sending"
                continue
            if sub.send == "sending":
                if code := self.fail_numbers.get(sub.number):
                    sub.send, sub.err_code = "failed", code
                else:
                    sub.send = "succeeded"
            elif sub.send == "succeeded" and self.receipts and not sub.receipt:
                sub.receipt = True
            else:
                continue
            await self.push(self.result_url, sub.as_json())
            pushed += 1
        return pushed

    def state(self) -> dict[str, Any]:
        """Lines, tasks and push URLs."""
        return {
            **super().state(),
            "lines": [asdict(line) for line in self.lines.values()],
            "tasks": {
                task_id: [sub.as_json() for sub in subs]
                for task_id, subs in self.tasks.items()
            },
            "result_url": self.result_url,
            "receive_url": self.receive_url,
        }

    # --- the vendor API --------------------------------------------------------

    @property
    def _providers(self) -> set[str]:
        return {line.provider for line in self.lines.values()}

    def _take_line(self, sub: SubTask) -> str | None:
        """The first line in the queue that may send this SMS; it goes to the back."""
        for goip_line in self.queue:
            line = self.lines[goip_line]
            if not line.can_send:
                continue
            if sub.line and goip_line != sub.line:
                continue
            if not sub.line and sub.provider and line.provider != sub.provider:
                continue
            self.queue.remove(goip_line)
            self.queue.append(goip_line)
            for counter in ("remain_sms", "day_remain_sms"):
                if getattr(line, counter) > 0:
                    setattr(line, counter, getattr(line, counter) - 1)
            return goip_line
        return None

    async def _api(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.text())
        except ValueError:
            return web.Response(status=400, text="Bad Request")
        auth = body.get("auth") if isinstance(body, dict) else None
        if not isinstance(auth, dict) or (
            auth.get("username"),
            auth.get("password"),
        ) != (self.username, self.password):
            return web.Response(status=401, text="Unauthorized")
        api = request.path.split("/")[2]
        if api == "querylines":
            return _json([line.as_json() for line in self.lines.values()])
        if api == "querysms":
            return _json(self._querysms(str(body.get("taskID", ""))))
        return _json(self._sendsms(body))

    def _sendsms(self, body: dict[str, Any]) -> dict[str, str]:
        goip_line, provider = body.get("goip_line"), body.get("provider")
        numbers = [
            n.strip() for n in str(body.get("number", "")).split(",") if n.strip()
        ]
        if not numbers or len(numbers) > MAX_NUMBERS or "content" not in body:
            return {"result": "REJECT", "reason": "unknown"}
        if goip_line:
            if goip_line not in self.lines:
                return {"result": "REJECT", "reason": "none_line"}
            provider = None
        elif provider and provider not in self._providers:
            return {"result": "REJECT", "reason": "none_provider"}
        elif not any(
            line.can_send and provider in (None, line.provider)
            for line in self.lines.values()
        ):
            return {"result": "REJECT", "reason": "none_line"}
        task_id = str(next(self._task_ids))
        offline = goip_line is not None and not self.lines[goip_line].can_send
        self.tasks[task_id] = [
            SubTask(task_id, number, goip_line, provider, stuck=offline)
            for number in dict.fromkeys(numbers)
        ]
        return {"result": "ACCEPT", "taskID": task_id}

    def _querysms(self, task_id: str) -> list[dict[str, str]]:
        task, _, number = task_id.partition(".")
        return [
            sub.as_json()
            for sub in self.tasks.get(task, [])
            if not number or sub.number == number
        ]

    # --- control API -----------------------------------------------------------

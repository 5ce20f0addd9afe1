"""An "api/v1" cloud SMS platform: send, report, mo, queryBalance, callbacks."""

from __future__ import annotations

import hashlib
from typing import Any

from aiohttp import web

from .base import NOW, Simulator, gateway_time, json_response, now_text

PRICE = 0.05


def _mask(number: str) -> str:
    return f"{number[:3]}****{number[-4:]}" if len(number) >= 8 else number


class CloudApiV1Simulator(Simulator):
    """One account; reports and MO messages queued, and called back as JSON."""

    vendor = "cloud_apiv1"

    def __init__(self, username: str = "demo", password: str = "admin") -> None:
        """The account `username` with the interface password `password`."""
        super().__init__(username, password)
        self.balance = 200000.0
        self.payment = 0
        self.report_url: str | None = None
        self.mo_url: str | None = None
        self.failures: dict[str, str] = {}  # number -> a status other than DELIVRD
        self.due: list[tuple[str, str]] = []  # (taskId, number) awaiting a report
        self.reports: list[dict[str, Any]] = []  # handed out once by /report
        self.mo: list[dict[str, Any]] = []  # handed out once by /mo
        self.mask_numbers = True
        for api, handler in (
            ("send", self._send),
            ("report", self._report),
            ("mo", self._mo),
            ("queryBalance", self._balance),
        ):
            self.app.router.add_post(f"/api/v1/{api}", self._checked(handler))

    def _answer(
        self, data: Any, code: str = "00", message: str = "成功"
    ) -> web.Response:
        return json_response({"code": code, "data": data, "message": message})

    def _checked(self, handler: Any) -> Any:
        async def check(request: web.Request) -> web.Response:
            form = await request.post()
            expected = hashlib.md5(self.password.encode()).hexdigest()
            if form.get("account") != self.username or form.get("pwd") != expected:
                return self._answer(None, "01", "账号或密码错误")
            return await handler(form)  # type: ignore[no-any-return]

        return check

    async def inject_incoming(
        self, number: str, text: str, ext_no: str = "", times: str | None = NOW
    ) -> dict[str, Any]:
        """A reply reaches the platform: queued for /mo, and called back."""
        message = {"mobile": number, "content": text, "extNo": ext_no}
        if (given := gateway_time(times)) is not None:
            message["times"] = given
        # The document's /mo example masks the number; its callback's does not.
        shown = _mask(number) if self.mask_numbers else number
        self.mo.append({**message, "mobile": shown})
        await self._callback(self.mo_url, message)
        return message

    def point_pushes(self, url: str) -> None:
        """Reports and replies to `url`."""
        self.report_url = self.mo_url = url

    async def receive(
        self, index: int, sender: str, text: str, when: str | None = NOW
    ) -> bool:
        """A reply without extension."""
        await self.inject_incoming(sender, text, times=when)
        return True

    async def inject_sample_incoming(self, sender: str, text: str) -> None:
        """A reply without extension."""
        await self.inject_incoming(sender, text)

    async def advance(self) -> int:
        """Every sent message gets its status: queued for /report, and called back."""
        pushes = 0
        for task_id, number in self.due:
            status = self.failures.get(number, "DELIVRD")
            shown = _mask(number) if self.mask_numbers else number
            self.reports.append(
                {
                    "sendId": task_id,
                    "status": "DELIVER" if status == "DELIVRD" else status,
                    "times": now_text(),
                    "mobile": shown,
                    "extNo": "",
                }
            )
            callback = {
                "sendId": task_id,
                "mobile": shown,
                "times": now_text(),
                "status": status,
            }
            pushes += await self._callback(self.report_url, callback)
        self.due.clear()
        return pushes

    async def _callback(self, url: str | None, payload: dict[str, Any]) -> int:
        if not url:
            return 0
        await self.push(url, payload)
        return 1

    async def _send(self, form: Any) -> web.Response:
        numbers = [n for n in str(form.get("mobiles", "")).split(",") if n]
        if not numbers or len(numbers) > 3000 or not form.get("content"):
            return self._answer(None, "02", "参数错误")
        cost = PRICE * len(numbers)
        if self.payment == 0 and cost > self.balance:
            return self._answer(None, "03", "余额不足")
        self.balance -= cost
        task_id = str(form.get("taskId") or f"task-{len(self.due)}")
        self.due.extend((task_id, number) for number in numbers)
        return self._answer({"taskId": task_id})

    async def _report(self, form: Any) -> web.Response:
        reports, self.reports = self.reports, []
        return self._answer(reports)

    async def _mo(self, form: Any) -> web.Response:
        messages, self.mo = self.mo, []
        return self._answer(messages)

    async def _balance(self, form: Any) -> web.Response:
        name = "预付" if self.payment == 0 else "后付"
        return self._answer(
            {"balance": self.balance, "payment": self.payment, "paymentName": name}
        )

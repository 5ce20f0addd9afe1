"""The 467890 cloud SMS platform: accounts, balance, sends, status reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
import itertools
import json
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from .base import NOW, Simulator, json_response

PRICE = 0.05  # per SMS and number


@dataclass
class Account:
    """One customer of the platform."""

    password: str
    balance: float = 100.0
    frozen: bool = False
    sent: set[tuple[str, str]] = field(default_factory=set)  # (number, content)


class Cloud467890Simulator(Simulator):
    """Message/send and Message/balance; reports POSTed as `Report=...`."""

    vendor = "cloud_467890"

    def __init__(self, username: str = "10001", password: str = "admin") -> None:
        """One account: uid `username`."""
        super().__init__(username, password)
        self.accounts = {username: Account(password)}
        self.report_url: str | None = None
        self.undelivered: set[str] = set()  # numbers whose report is UNKNOWN
        # The platform's upstream channel fails: sends answer respCode 7.
        self.channel_down = False
        self.due: list[tuple[str, str]] = []  # (msgid, number) awaiting a report
        self.json_answers = True  # False: answer as a form, keys in lower case
        # The spelling of the request's keys the platform reads, case-sensitively
        # as PHP does: its public client posts `uid`; its document's table says
        # `Uid` ("capitalized").
        self.key_spelling = "lower"
        self._msgids = itertools.count(800000)
        self.app.router.add_post("/Admin/index.php/Message/send", self._send)
        self.app.router.add_post("/Admin/index.php/Message/balance", self._balance)

    def continue_ids(self, first: int) -> None:
        """Message ids from `first` on."""
        self._msgids = itertools.count(first)

    def revoke(self) -> None:
        """The account's password changes."""
        super().revoke()
        self.accounts[self.username].password = self.password

    def point_pushes(self, url: str) -> None:
        """Status reports to `url`."""
        self.report_url = url

    async def receive(
        self, index: int, sender: str, text: str, when: str | None = NOW
    ) -> bool:
        """The platform has no incoming SMS."""
        return False

    async def inject_sample_incoming(self, sender: str, text: str) -> None:
        """The platform has no incoming SMS."""

    async def advance(self) -> int:
        """Every message still due gets its status report."""
        pushes = 0
        for msgid, number in self.due:
            state = "UNKNOWN" if number in self.undelivered else "DELIVRD"
            body = f"Report={msgid},{number},{state},{datetime.now():%Y-%m-%d %H:%M:%S}"
            if self.report_url:
                await self.deliver("POST", self.report_url, body, data=body)
                pushes += 1
        self.due.clear()
        return pushes

    def state(self) -> dict[str, Any]:
        """Accounts and reports due."""
        return {
            **super().state(),
            "accounts": {
                uid: {"balance": a.balance, "frozen": a.frozen}
                for uid, a in self.accounts.items()
            },
            "due": self.due,
        }

    def _answer(
        self, status: str, code: str, message: str, msgid: str = ""
    ) -> web.Response:
        fields = {
            "status": status,
            "respCode": code,
            "respMsg": message,
            "msgid": msgid,
        }
        if self.json_answers:
            return json_response(fields)
        return web.Response(
            text="&".join(f"{k.lower()}={v}" for k, v in fields.items())
        )

    async def _fields(self, request: web.Request) -> dict[str, str]:
        """The body's fields spelled as the platform reads them, by name.

        JSON or a form; fields under the other spelling are not seen.
        """
        text = await request.text()
        try:
            data = json.loads(text)
            pairs = data.items() if isinstance(data, dict) else []
        except ValueError:
            pairs = parse_qsl(text)
        spelled = str.lower if self.key_spelling == "lower" else str.capitalize
        return {str(k).lower(): str(v) for k, v in pairs if spelled(str(k)) == k}

    def _account(self, fields: dict[str, str]) -> Account | None:
        account = self.accounts.get(fields.get("uid", ""))
        return account if account and account.password == fields.get("pwd") else None

    async def _balance(self, request: web.Request) -> web.Response:
        account = self._account(await self._fields(request))
        if account is None:
            return self._answer("error", "1", "uid or pwd is wrong")
        if account.frozen:
            return self._answer("error", "2", "account frozen")
        return self._answer("success", "0", f"{account.balance:.2f}")

    async def _send(self, request: web.Request) -> web.Response:
        fields = await self._fields(request)
        account = self._account(fields)
        numbers = [n.strip() for n in fields.get("mobile", "").split(",") if n.strip()]
        content = fields.get("content", "")
        refusal = (
            ("1", "uid or pwd is wrong")
            if account is None
            else ("8", "account frozen")
            if account.frozen
            else ("2", "mobile is empty or wrong")
            if not numbers or not all(n.lstrip("+").isdigit() for n in numbers)
            else ("3", "content is empty")
            if not content
            else ("4", "content too long")
            if len(content) > 268
            else ("6", "more than 5000 numbers")
            if len(numbers) > 5000
            else ("7", "send failed")
            if self.channel_down
            else None
        )
        if refusal is not None:
            return self._answer("error", *refusal)
        assert account is not None
        fresh = [n for n in dict.fromkeys(numbers) if (n, content) not in account.sent]
        cost = round(PRICE * len(fresh), 2)
        if cost > account.balance:
            return self._answer("error", "5", "insufficient balance")
        account.balance = round(account.balance - cost, 2)
        msgid = str(next(self._msgids))
        for number in fresh:
            account.sent.add((number, content))
            self.due.append((msgid, number))
        return self._answer("success", "0", "send success", msgid)

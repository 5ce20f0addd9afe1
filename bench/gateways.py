"""The gateways' process of the benchmarks: simulators, driven by JSON lines.

Each line on standard input is `{"op": ..., ...}`; each answer is one line of
JSON on standard output. Started and spoken to by `harness.Gateways`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientSession, TCPConnector
from harness import PASSWORD, USERNAME, blast
from yarl import URL

from simulator import SIMULATORS, Simulator

SENDER = "+8613800138000"


def twilio_form(text: str, index: int) -> dict[str, str]:
    """An incoming SMS as Twilio posts it to a messaging webhook."""
    sid = f"SM{index:032x}"
    return {
        "ToCountry": "US",
        "ToState": "CA",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": text,
        "FromCountry": "CN",
        "To": "+15005550006",
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": SENDER,
        "ApiVersion": "2010-04-01",
    }


def with_query_of(url: str, push_url: str) -> str:
    """`url`, with the query string `push_url` has, as it is written."""
    query = URL(push_url).raw_query_string
    return f"{url}?{query}" if query else url


def prepare(
    method: str, url: str, arguments: dict[str, Any]
) -> tuple[str, URL, dict[str, Any]]:
    """A request as aiohttp would send it, with its URL and body encoded."""
    if "json" in arguments:
        body, kind = json.dumps(arguments["json"]).encode(), "application/json"
    elif isinstance(arguments.get("data"), dict):
        body = urlencode(arguments["data"]).encode()
        kind = "application/x-www-form-urlencoded"
    elif "data" in arguments:
        body, kind = str(arguments["data"]).encode(), "text/plain; charset=utf-8"
    else:
        return method, URL(url), {}
    return method, URL(url), {"data": body, "headers": {"Content-Type": kind}}


class Process:
    """The simulators of one benchmark run."""

    def __init__(self) -> None:
        """None yet."""
        self.simulators: list[Simulator] = []
        self.session = ClientSession(connector=TCPConnector(limit=0))

    async def start(self, vendor: str, options: dict[str, Any]) -> dict[str, Any]:
        fault = options.pop("fault", None)
        username = options.pop("username", USERNAME)
        simulator = SIMULATORS[vendor](username=username, password=PASSWORD, **options)
        port = await simulator.start()
        simulator.fault = fault
        self.simulators.append(simulator)
        return {"id": len(self.simulators) - 1, "port": port}

    async def fund(self, id: int) -> dict[str, Any]:
        """A platform account that sends without end: a large balance, and
        nothing sent before (repeated texts are dropped)."""
        simulator: Any = self.simulators[id]
        for account in getattr(simulator, "accounts", {}).values():
            account.balance = 1e12
            account.sent.clear()
        if hasattr(simulator, "balance"):
            simulator.balance = 1e12
        return {}

    async def fault(self, id: int, mode: str | None) -> dict[str, Any]:
        self.simulators[id].fault = mode
        return {}

    async def ports(self) -> dict[str, Any]:
        return {"ports": [sim.port for sim in self.simulators]}

    async def requests(self) -> dict[str, Any]:
        return {"requests": [len(sim.requests) for sim in self.simulators]}

    async def record(self, id: int) -> dict[str, Any]:
        """Keep every request `id` is sent from now on."""
        self.simulators[id].recording = []
        return {}

    async def recorded(self, id: int) -> dict[str, Any]:
        """The requests kept since `record`, which stops."""
        kept = self.simulators[id].recording or []
        self.simulators[id].recording = None
        return {
            "requests": [
                (method, path, headers, base64.b64encode(body).decode())
                for method, path, headers, body in kept
            ]
        }

    async def push(
        self, id: int, url: str, first: int, count: int, concurrency: int
    ) -> dict[str, Any]:
        """`count` incoming SMS, texts "ingest <first>" on, pushed as the
        gateway pushes them; the time each push was started."""
        made = await self._pushes(id, url, first, count)
        return await self._blast(made, concurrency)

    async def twilio(
        self,
        url: str,
        first: int,
        count: int,
        concurrency: int,
        like: int | None = None,
    ) -> dict[str, Any]:
        """The same for Twilio's webhook; with `like`, each with the query
        string that simulator's push of the same SMS has (Home Assistant's
        security filter reads a query string: a cost of the push's shape)."""
        made = [
            ("POST", url, {"data": twilio_form(f"ingest {first + i}", first + i)})
            for i in range(count)
        ]
        if like is not None:
            pushes = await self._pushes(like, url, first, count)
            made = [
                (method, with_query_of(target, push[1]), body)
                for (method, target, body), push in zip(made, pushes, strict=True)
            ]
        return await self._blast(made, concurrency)

    async def query(self, id: int) -> dict[str, Any]:
        """The query string of a push the simulator `id` makes ("" for none)."""
        made = await self._pushes(id, "http://127.0.0.1:80/", 0, 1)
        return {"query": URL(made[0][1]).raw_query_string}

    async def _pushes(
        self, id: int, url: str, first: int, count: int
    ) -> list[tuple[str, str, dict[str, Any]]]:
        """The requests the simulator `id` makes to push `count` SMS to `url`."""
        simulator = self.simulators[id]
        made: list[tuple[str, str, dict[str, Any]]] = []

        async def capture(
            method: str, url: str, record: Any, **body: Any
        ) -> int | None:
            made.append((method, url, body))
            return 200

        simulator.deliver = capture  # type: ignore[method-assign]
        simulator.point_pushes(url)
        for index in range(count):
            await simulator.receive(index % 4, SENDER, f"ingest {first + index}")
        return made

    async def _blast(
        self, made: list[tuple[str, str, dict[str, Any]]], concurrency: int
    ) -> dict[str, Any]:
        """Make the requests; each is encoded before the clock starts, so the
        client's work is the same whatever the vendor's format."""
        ready = [prepare(*request) for request in made]
        started, statuses = await blast(self.session, ready, concurrency)
        return {"started": started, "statuses": sorted(set(statuses))}

    async def close(self) -> None:
        for simulator in self.simulators:
            await simulator.stop()
        await self.session.close()


async def main() -> None:
    process = Process()
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        command = json.loads(line)
        answer = await getattr(process, command.pop("op"))(**command)
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    await process.close()


if __name__ == "__main__":
    asyncio.run(main())

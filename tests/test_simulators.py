"""The simulators behave as the documents say, and their control APIs work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from simulator.goip import GoipSimulator

from .conftest import PASSWORD

AUTH = {"username": "admin", "password": PASSWORD}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession, sim: GoipSimulator, path: str, body: Any = None
) -> tuple[int, Any]:
    async with http.post(f"{sim.url}{path}", json=body) as response:
        text = await response.text()
        try:
            return response.status, await response.json(content_type=None)
        except ValueError:
            return response.status, text


@pytest.fixture
async def receiver(
    socket_enabled: None,
) -> AsyncIterator[tuple[str, list[Any]]]:
    """A URL that records what is pushed to it."""
    received: list[Any] = []

    async def handle(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/push", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/push", received
    await runner.cleanup()


async def test_auth_is_required(
    http: aiohttp.ClientSession, goip_sim: GoipSimulator
) -> None:
    assert (await call(http, goip_sim, "/goip/querylines/", {}))[0] == 401
    assert (await call(http, goip_sim, "/goip/querylines/", {"auth": "x"}))[0] == 401
    wrong = {"auth": {**AUTH, "password": "x"}}
    assert (await call(http, goip_sim, "/goip/querylines/", wrong))[0] == 401
    async with http.post(f"{goip_sim.url}/goip/querylines/", data=b"{") as response:
        assert response.status == 400


async def test_the_trailing_slash_is_mandatory(
    http: aiohttp.ClientSession, goip_sim: GoipSimulator
) -> None:
    assert (await call(http, goip_sim, "/goip/querylines", {"auth": AUTH}))[0] == 404
    assert (await call(http, goip_sim, "/goip/querylines/", {"auth": AUTH}))[0] == 200


async def test_round_robin_over_online_lines(
    http: aiohttp.ClientSession, goip_sim: GoipSimulator
) -> None:
    """A line that sent goes to the back of the queue; offline lines are skipped."""
    goip_sim.set_line("G102", online=0)
    numbers = ",".join(f"1360000000{index}" for index in range(5))
    status, answer = await call(
        http,
        goip_sim,
        "/goip/sendsms/",
        {"auth": AUTH, "number": numbers, "content": "x"},
    )
    assert (status, answer) == (200, {"result": "ACCEPT", "taskID": "5689"})
    await goip_sim.advance()
    assert [sub.goip_line for sub in goip_sim.tasks["5689"]] == [
        "G101",
        "G103",
        "G104",
        "G101",
        "G103",
    ]


async def test_remaining_counters_count_down_and_stop_a_line(
    goip_sim: GoipSimulator,
) -> None:
    for line in ("G102", "G103", "G104"):
        goip_sim.remove_line(line)
    goip_sim.set_line("G101", remain_sms=1, day_remain_sms=5)
    goip_sim._sendsms({"number": "13600000000,13611111111", "content": "x"})
    await goip_sim.advance()
    assert [sub.send for sub in goip_sim.tasks["5689"]] == ["sending", "unsend"]
    assert (
        goip_sim.lines["G101"].remain_sms,
        goip_sim.lines["G101"].day_remain_sms,
    ) == (0, 4)


async def test_sends_progress_and_push_results(
    http: aiohttp.ClientSession,
    goip_sim: GoipSimulator,
    receiver: tuple[str, list[Any]],
) -> None:
    url, received = receiver
    await call(
        http,
        goip_sim,
        "/_control/config",
        {"result_url": url, "fail_numbers": {"13611111111": "42"}},
    )
    await call(
        http,
        goip_sim,
        "/goip/sendsms/",
        {"auth": AUTH, "number": "13600000000,13611111111", "content": "x"},
    )
    _, states = await call(
        http, goip_sim, "/goip/querysms/", {"auth": AUTH, "taskID": "5689"}
    )
    assert [state["send"] for state in states] == ["unsend", "unsend"]
    assert (await call(http, goip_sim, "/_control/advance"))[1] == {"pushes": 0}
    _, states = await call(
        http, goip_sim, "/goip/querysms/", {"auth": AUTH, "taskID": "5689.13600000000"}
    )
    assert states == [
        {"taskID": "5689.13600000000", "goip_line": "G101", "send": "sending"}
    ]
    assert (await call(http, goip_sim, "/_control/advance"))[1] == {"pushes": 2}
    assert (await call(http, goip_sim, "/_control/advance"))[1] == {"pushes": 1}
    assert (await call(http, goip_sim, "/_control/advance"))[1] == {"pushes": 0}
    assert received == [
        {"taskID": "5689.13600000000", "goip_line": "G101", "send": "succeeded"},
        {
            "taskID": "5689.13611111111",
            "goip_line": "G102",
            "send": "failed",
            "err_code": "42",
        },
        {
            "taskID": "5689.13600000000",
            "goip_line": "G101",
            "send": "succeeded",
            "receipt": "1",
        },
    ]
    assert (
        await call(http, goip_sim, "/goip/querysms/", {"auth": AUTH, "taskID": "1"})
    )[1] == []


async def test_rejections(http: aiohttp.ClientSession, goip_sim: GoipSimulator) -> None:
    async def send(**fields: str) -> Any:
        return (await call(http, goip_sim, "/goip/sendsms/", {"auth": AUTH, **fields}))[
            1
        ]

    assert await send(number="1", content="x", goip_line="G9") == {
        "result": "REJECT",
        "reason": "none_line",
    }
    assert (await send(number="1", content="x", provider="p"))[
        "reason"
    ] == "none_provider"
    assert (await send(content="x"))["reason"] == "unknown"
    assert (await send(number="1"))["reason"] == "unknown"
    # A named line is taken even while it is offline: it sends when it is back.
    goip_sim.set_line("G101", online=0)
    assert (await send(number="1", content="x", goip_line="G101"))["result"] == "ACCEPT"


async def test_control_lines(
    http: aiohttp.ClientSession, goip_sim: GoipSimulator
) -> None:
    status, line = await call(
        http, goip_sim, "/_control/line", {"goip_line": "G200", "reg": "LOGOUT"}
    )
    assert (status, line["reg"], line["online"]) == (200, "LOGOUT", 1)
    assert (
        await call(http, goip_sim, "/_control/line", {"goip_line": "G200", "x": 1})
    )[0] == 400
    assert (await call(http, goip_sim, "/_control/line", {}))[0] == 400
    async with http.delete(f"{goip_sim.url}/_control/line/G200") as response:
        assert response.status == 200
    async with http.delete(f"{goip_sim.url}/_control/line/G200") as response:
        assert response.status == 404
    assert "G200" not in goip_sim.lines


async def test_control_incoming_pushes(
    http: aiohttp.ClientSession,
    goip_sim: GoipSimulator,
    receiver: tuple[str, list[Any]],
) -> None:
    url, received = receiver
    await call(http, goip_sim, "/_control/config", {"receive_url": url})
    sms = {
        "goip_line": "G101",
        "from_number": "10086",
        "content": "hi",
        "recv_time": "2019-09-26 15:26:05",
    }
    assert (await call(http, goip_sim, "/_control/incoming", sms))[1] == sms
    assert received == [sms]
    assert (await call(http, goip_sim, "/_control/incoming", {"goip_line": "G1"}))[
        0
    ] == 400
    _, state = await call(
        http, goip_sim, "/_control/incoming", {**sms, "recv_time": None}
    )
    assert state["recv_time"]


async def test_control_faults_canned_answers_and_state(
    http: aiohttp.ClientSession, goip_sim: GoipSimulator
) -> None:
    assert (await call(http, goip_sim, "/_control/fault", {"mode": "bogus"}))[0] == 400
    await call(http, goip_sim, "/_control/fault", {"mode": "http500"})
    assert (await call(http, goip_sim, "/goip/querylines/", {"auth": AUTH}))[0] == 500
    await call(http, goip_sim, "/_control/fault", {"mode": "malformed"})
    assert (await call(http, goip_sim, "/goip/querylines/", {"auth": AUTH}))[
        1
    ].startswith("{")
    await call(http, goip_sim, "/_control/fault", {"mode": None})
    await call(
        http, goip_sim, "/_control/canned", {"path": "/goip/querylines/", "body": "[]"}
    )
    assert (await call(http, goip_sim, "/goip/querylines/", {"auth": AUTH}))[1] == []
    assert (
        len((await call(http, goip_sim, "/goip/querylines/", {"auth": AUTH}))[1]) == 4
    )
    async with http.get(f"{goip_sim.url}/_control/state") as response:
        state = await response.json()
    assert state["fault"] is None
    assert [line["goip_line"] for line in state["lines"]] == [
        "G101",
        "G102",
        "G103",
        "G104",
    ]


async def test_a_failed_push_is_recorded(goip_sim: GoipSimulator) -> None:
    goip_sim.receive_url = "http://127.0.0.1:1/nowhere"
    await goip_sim.inject_incoming("G101", "1", "x")
    assert goip_sim.pushes[-1][2] is None


def test_unknown_line_fields_are_refused() -> None:
    with pytest.raises(ValueError):
        GoipSimulator().set_line("G101", colour="red")


async def test_dinstar_control_api(
    http: aiohttp.ClientSession,
    dinstar_sim: Any,
    receiver: tuple[str, list[Any]],
) -> None:
    """What tests and scripts/develop drive the Dinstar simulator with."""
    url, received = receiver
    base = dinstar_sim.url

    async def control(path: str, body: Any = None) -> tuple[int, Any]:
        async with http.post(f"{base}/_control/{path}", json=body or {}) as response:
            return response.status, await response.json()

    assert (
        await control(
            "config",
            {
                "push_url": url,
                "push_kinds": ["sms", "register", "device", "exception_info", "cdr"],
                "fail_numbers": ["1"],
                "report_codes": {"2": 70},
                "ussd_replies": {"*1#": "ok"},
                "password": dinstar_sim.password,
            },
        )
    )[0] == 200
    assert (await control("port", {"port": 5, "reg": "NO_SIM"}))[1]["reg"] == "NO_SIM"
    assert (await control("port", {"port": 5, "colour": "red"}))[0] == 400
    async with http.delete(f"{base}/_control/port/5") as response:
        assert response.status == 200
    async with http.delete(f"{base}/_control/port/5") as response:
        assert response.status == 404
    assert (await control("incoming", {"port": 1, "number": "10086", "text": "hi"}))[1][
        "incoming_sms_id"
    ] == 1
    assert (await control("incoming", {"port": 1}))[0] == 400
    await control("register", {"port": 1, "up": False})
    await control("power", {"on": True})
    await control("exception", {"port": 0, "type": "call_fail", "action": "reset"})
    assert (
        await control(
            "call", {"port": 2, "source": "1", "destination": "2", "duration": 5}
        )
    )[1]["duration"] == 5
    assert (await control("advance"))[1] == {"pushes": 0}
    assert (await control("restart"))[1] == {"restarted": True}
    assert [next(k for k in push if k != "sn") for push in received] == [
        "sms",
        "register",
        "device",
        "exception_info",
        "cdr",
    ]
    async with http.get(f"{base}/_control/state") as response:
        state = await response.json()
    assert (state["sn"], state["push_url"], len(state["incoming"])) == (
        "DA00-0030-1901-2817",
        url,
        1,
    )


async def test_openvox_control_api(
    http: aiohttp.ClientSession, openvox_sim: Any
) -> None:
    base = openvox_sim.url

    async def control(path: str, body: Any) -> tuple[int, Any]:
        async with http.post(f"{base}/_control/{path}", json=body) as response:
            return response.status, await response.json()

    assert (await control("incoming", {"port": 1, "number": "10086", "text": "hi"}))[1][
        "id"
    ] == 1
    assert (await control("incoming", {"port": 1}))[0] == 400
    assert (await control("span", {"port": 2, "registered": False}))[1][
        "registered"
    ] is False
    assert (await control("span", {"port": 9}))[0] == 400
    assert (await control("clock", {"seconds": 601}))[1] == {"offset": 601.0}
    assert (await control("advance", {}))[1] == {"pushes": 0}
    async with http.get(f"{base}/_control/state") as response:
        state = await response.json()
    assert (len(state["inbox"]), state["spans"][1]["registered"]) == (1, False)


@pytest.mark.parametrize("vendor_sim", ["dinstar", "openvox"], indirect=True)
async def test_control_incoming_of_numbered_ports(
    http: aiohttp.ClientSession, vendor_sim: Any
) -> None:
    """Dinstar's and OpenVox's `/_control/incoming` (one handler): the SMS
    goes into the port's inbox; a body without its text is a 400."""
    sms = {"port": 1, "number": "10086", "text": "hi"}
    status, stored = await call(http, vendor_sim, "/_control/incoming", sms)
    assert status == 200
    assert "hi" in str(stored)
    missing = {"port": 1, "number": "10086"}
    status, answer = await call(http, vendor_sim, "/_control/incoming", missing)
    assert (status, answer) == (400, {"error": "missing 'text'"})

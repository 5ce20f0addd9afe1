"""The GoIP client against the simulated SMS Server over real HTTP."""

from __future__ import annotations

from datetime import datetime
import json
import socket

import aiohttp
import pytest

from custom_components.sms_gateway.gateways.errors import (
    GatewayAuthError,
    GatewayConnectionError,
    GatewayPayloadError,
    GatewayRejectedError,
)
from custom_components.sms_gateway.gateways.goip import GoipGateway
from custom_components.sms_gateway.gateways.models import (
    DeliveryReport,
    DeliveryStatus,
    IncomingSms,
    PortStatus,
    Registration,
    SendRequest,
)
from simulator.goip import GoipSimulator

from .conftest import PASSWORD, load_fixture


def client(
    session: aiohttp.ClientSession, sim: GoipSimulator, **changes: object
) -> GoipGateway:
    config = {
        "host": "127.0.0.1",
        "port": sim.port,
        "username": "admin",
        "password": PASSWORD,
        "ssl": False,
        **changes,
    }
    return GoipGateway(session, config, timeout=0.5)


def push(name: str) -> list[object]:
    body = load_fixture("goip", name).encode()
    return list(GoipGateway.parse_push("POST", {}, {}, body))


async def test_status_of_the_documents_querylines_example(
    session: aiohttp.ClientSession, goip_sim: GoipSimulator
) -> None:
    """The document's example, trailing comma included, is understood."""
    goip_sim.canned["/goip/querylines/"] = (
        200,
        load_fixture("goip", "querylines.json"),
    )
    status = await client(session, goip_sim).async_get_status()
    assert status.ports == {
        "G101": PortStatus("G101", "G101", True, Registration.NOT_REGISTERED),
        "G102": PortStatus(
            "G102", "G102", True, Registration.REGISTERED, None, 856, 56
        ),
        # An empty `reg` is LOGOUT; -1 (unlimited) is no number.
        "G103": PortStatus("G103", "G103", True, Registration.NOT_REGISTERED),
        "G104": PortStatus("G104", "G104", False, Registration.NOT_REGISTERED),
    }


async def test_status_tolerates_numbers_and_skips_junk(
    session: aiohttp.ClientSession, goip_sim: GoipSimulator
) -> None:
    goip_sim.canned["/goip/querylines/"] = (
        200,
        json.dumps(
            [
                {"goip_line": "G1", "online": 1, "reg": "LOGIN", "remain_sms": 5},
                {"goip_line": ""},
                "junk",
            ]
        ),
    )
    status = await client(session, goip_sim).async_get_status()
    assert list(status.ports) == ["G1"]
    assert status.ports["G1"].remaining_sms == 5
    assert status.ports["G1"].online is True


async def test_info(session: aiohttp.ClientSession, goip_sim: GoipSimulator) -> None:
    gateway = client(session, goip_sim)
    info = await gateway.async_get_info()
    assert (info.manufacturer, info.model, info.serial, info.port_count) == (
        "DBLTek",
        "GoIP SMS Server",
        None,
        4,
    )
    assert gateway.location == f"127.0.0.1:{goip_sim.port}"
    await gateway.async_close()


async def test_every_call_goes_to_the_trailing_slash_url(
    session: aiohttp.ClientSession, goip_sim: GoipSimulator
) -> None:
    gateway = client(session, goip_sim)
    result = await gateway.async_send(SendRequest(("13600000000",), "hi"))
    await gateway.async_get_status()
    await gateway.async_query_reports([result.results[0].message_id or ""])
    assert goip_sim.requests == [
        "/goip/sendsms/",
        "/goip/querylines/",
        "/goip/querysms/",
    ]


async def test_wrong_password_is_an_auth_error(
    session: aiohttp.ClientSession, goip_sim: GoipSimulator
) -> None:
    with pytest.raises(GatewayAuthError):
        await client(session, goip_sim, password="wrong").async_get_status()


async def test_unreachable_server_is_a_connection_error(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free_port = sock.getsockname()[1]
    gateway = GoipGateway(
        session,
        {"host": "127.0.0.1", "port": free_port, "username": "a", "password": "b"},
    )
    with pytest.raises(GatewayConnectionError):
        await gateway.async_get_status()


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("http500", GatewayConnectionError),
        ("timeout", GatewayConnectionError),
        ("reset", GatewayConnectionError),
        ("malformed", GatewayPayloadError),
    ],
)
async def test_faults(
    session: aiohttp.ClientSession,
    goip_sim: GoipSimulator,
    fault: str,
    error: type[Exception],
) -> None:
    goip_sim.fault = fault
    with pytest.raises(error):
        await client(session, goip_sim).async_get_status()


@pytest.mark.parametrize(
    ("api", "body"),
    [
        ("querylines", "{}"),
        ("sendsms", "[]"),
        ("sendsms", '{"result": "ACCEPT"}'),
        ("querysms", "{}"),
    ],
)
async def test_unexpected_answers(
    session: aiohttp.ClientSession, goip_sim: GoipSimulator, api: str, body: str
) -> None:
    goip_sim.canned[f"/goip/{api}/"] = (200, body)
    gateway = client(session, goip_sim)
    with pytest.raises(GatewayPayloadError):
        if api == "querylines":
            await gateway.async_get_status()
        elif api == "sendsms":
            await gateway.async_send(SendRequest(("13600000000",), "hi"))
        else:
            await gateway.async_query_reports(["1.13600000000"])


async def test_send_assigns_sub_task_ids_and_merges_duplicates(
    session: aiohttp.ClientSession, goip_sim: GoipSimulator
) -> None:
    result = await client(session, goip_sim).async_send(
        SendRequest(("136 0000 0000", "13611111111", "13600000000"), "测试")
    )
    assert [(r.recipient, r.message_id, r.accepted) for r in result.results] == [
        ("13600000000", "5689.13600000000", True),
        ("13611111111", "5689.13611111111", True),
    ]
    assert result.merged == ("13600000000",)
    assert [sub.number for sub in goip_sim.tasks["5689"]] == [
        "13600000000",
        "13611111111",
    ]


async def test_send_splits_into_requests_of_9999(
    session: aiohttp.ClientSession, goip_sim: GoipSimulator
) -> None:
    numbers = tuple(f"1360000{index:04d}" for index in range(10_001))
    result = await client(session, goip_sim).async_send(SendRequest(numbers, "hi"))
    assert goip_sim.requests.count("/goip/sendsms/") == 2
    assert sorted(len(subs) for subs in goip_sim.tasks.values()) == [2, 9999]
    assert len({r.message_id for r in result.results}) == 10_001


async def test_routing_by_line_wins_over_provider(
    session: aiohttp.ClientSession, goip_sim: GoipSimulator
) -> None:
    gateway = client(session, goip_sim)
    await gateway.async_send(
        SendRequest(("13600000000",), "hi", port="G103", provider="nope")
    )
    await goip_sim.advance()
    assert goip_sim.tasks["5689"][0].goip_line == "G103"


async def test_routing_by_provider(
    session: aiohttp.ClientSession, goip_sim: GoipSimulator
) -> None:
    goip_sim.set_line("G104", provider="移动")
    gateway = client(session, goip_sim)
    await gateway.async_send(
        SendRequest(("13600000000", "13611111111"), "hi", provider="移动")
    )
    await goip_sim.advance()
    assert {sub.goip_line for sub in goip_sim.tasks["5689"]} == {"G104"}


@pytest.mark.parametrize(
    ("request_changes", "reason"),
    [
        ({"port": "G999"}, "none_line"),
        ({"provider": "nope"}, "none_provider"),
        ({"message": ""}, "unknown"),
    ],
)
async def test_rejections(
    session: aiohttp.ClientSession,
    goip_sim: GoipSimulator,
    request_changes: dict[str, str],
    reason: str,
) -> None:
    fields = {"recipients": ("13600000000",), "message": "hi", **request_changes}
    if not fields["message"]:
        goip_sim.canned["/goip/sendsms/"] = (200, '{"result":"REJECT"}')
    with pytest.raises(GatewayRejectedError) as err:
        await client(session, goip_sim).async_send(SendRequest(**fields))  # type: ignore[arg-type]
    assert err.value.code == reason


async def test_no_line_online_is_none_line(
    session: aiohttp.ClientSession, goip_sim: GoipSimulator
) -> None:
    for line in list(goip_sim.lines):
        goip_sim.set_line(line, online=0)
    with pytest.raises(GatewayRejectedError, match="none_line"):
        await client(session, goip_sim).async_send(SendRequest(("13600000000",), "x"))


async def test_a_rejected_chunk_rejects_only_its_recipients(
    session: aiohttp.ClientSession, goip_sim: GoipSimulator
) -> None:
    numbers = tuple(f"1360000{index:04d}" for index in range(10_000))
    original = goip_sim._sendsms
    calls = 0

    def second_rejected(body: dict[str, object]) -> dict[str, str]:
        nonlocal calls
        calls += 1
        if calls == 2:
            return {"result": "REJECT", "reason": "unknown"}
        return original(body)

    goip_sim._sendsms = second_rejected  # type: ignore[method-assign]
    result = await client(session, goip_sim).async_send(SendRequest(numbers, "hi"))
    rejected = [r for r in result.results if not r.accepted]
    assert [(r.recipient, r.reason, r.message_id) for r in rejected] == [
        ("13600009999", "unknown", None)
    ]


async def test_query_reports_by_task_and_sub_task(
    session: aiohttp.ClientSession, goip_sim: GoipSimulator
) -> None:
    gateway = client(session, goip_sim)
    goip_sim.fail_numbers["13611111111"] = "42"
    result = await gateway.async_send(SendRequest(("13600000000", "13611111111"), "hi"))
    ids = [r.message_id or "" for r in result.results]
    reports = await gateway.async_query_reports(ids)
    assert [(r.message_id, r.status) for r in reports] == [  # type: ignore[union-attr]
        (ids[0], DeliveryStatus.PENDING),
        (ids[1], DeliveryStatus.PENDING),
    ]
    await goip_sim.advance()
    await goip_sim.advance()
    reports = await gateway.async_query_reports(ids[1:])
    assert reports == [
        DeliveryReport(
            message_id=ids[1],
            status=DeliveryStatus.FAILED,
            recipient="13611111111",
            port="G102",
            error_code="42",
            error_text="Congestion",
        )
    ]
    assert await gateway.async_query_reports(["999.1"]) == []


def test_parse_push_of_the_documents_examples() -> None:
    assert push("push_failed.json") == [
        DeliveryReport(
            message_id="5689.13600000000",
            status=DeliveryStatus.FAILED,
            recipient="13600000000",
            port="G101",
            error_code="350",
            error_text=None,
        )
    ]
    assert push("push_succeeded.json")[0].status is DeliveryStatus.SENT  # type: ignore[attr-defined]
    assert push("push_receipt.json")[0].status is DeliveryStatus.DELIVERED  # type: ignore[attr-defined]
    assert push("push_received.json") == [
        IncomingSms(
            sender="10086",
            text="尊敬的客户，本次活动已结束，感谢您的支持！【中国移动】",
            port="G101",
            timestamp=datetime(2019, 9, 26, 15, 26, 5),
        )
    ]


def test_parse_push_of_the_querysms_example() -> None:
    """A list is understood too; sending/unsend are pending; "null" is no line."""
    reports = push("querysms.json")
    assert [(r.status, r.port) for r in reports] == [  # type: ignore[attr-defined]
        (DeliveryStatus.FAILED, "G101"),
        (DeliveryStatus.SENT, "G102"),
        (DeliveryStatus.PENDING, None),
        (DeliveryStatus.PENDING, None),
    ]


def test_parse_push_tolerates_an_odd_time() -> None:
    body = (
        b'{"goip_line": "G1", "from_number": "1", "content": "x", "recv_time": "soon"}'
    )
    assert GoipGateway.parse_push("POST", {}, {}, body)[0].timestamp is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("GET", b'{"taskID": "1.2", "send": "failed"}'),
        ("POST", b""),
        ("POST", b"[]"),
        ("POST", b'"text"'),
        ("POST", b"[1]"),
        ("POST", b'{"taskID": "1.2"}'),
        ("POST", b'{"taskID": "1.2", "send": "lost"}'),
        ("POST", b'{"send": "failed"}'),
        ("POST", b'{"from_number": "1"}'),
        ("POST", b'{"from_number": "", "content": "x"}'),
        ("POST", b'{"from_number": "1", "content": 5}'),
        ("POST", b"\xff\xfe\x00"),
    ],
)
def test_parse_push_refuses_what_it_cannot_read(method: str, body: bytes) -> None:
    with pytest.raises(GatewayPayloadError):
        GoipGateway.parse_push(method, {}, {}, body)

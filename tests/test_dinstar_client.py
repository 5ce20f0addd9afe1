"""The Dinstar client against the simulated gateway over real HTTP(S)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
from datetime import datetime
import json
import threading
from typing import Any

import aiohttp
import pytest

from custom_components.sms_gateway.gateways import parse
from custom_components.sms_gateway.gateways.dinstar import (
    DinstarGateway,
    client as dinstar_client,
)
from custom_components.sms_gateway.gateways.errors import (
    GatewayAuthError,
    GatewayPayloadError,
    GatewayRejectedError,
    GatewayTlsError,
)
from custom_components.sms_gateway.gateways.models import (
    CallState,
    DeliveryReport,
    DeliveryStatus,
    IncomingSms,
    Registration,
    SendRequest,
)
from custom_components.sms_gateway.gateways.text import Encoding
from simulator.dinstar import SN, DinstarSimulator

from .conftest import PASSWORD, load_fixture


@contextlib.asynccontextmanager
async def refused_handshakes() -> AsyncIterator[None]:
    """Let the server side of a refused TLS handshake pass quietly.

    asyncio reports it to the loop's exception handler only in debug mode,
    which Home Assistant's test loop runs in and turns into a test error.
    """
    loop = asyncio.get_running_loop()
    debug = loop.get_debug()
    loop.set_debug(False)
    try:
        yield
    finally:
        loop.set_debug(debug)


def client(
    session: aiohttp.ClientSession, sim: DinstarSimulator, **changes: Any
) -> DinstarGateway:
    config = {
        "host": "127.0.0.1",
        "port": sim.port,
        "username": "admin",
        "password": PASSWORD,
        "ssl": False,
        **changes,
    }
    return DinstarGateway(session, config, timeout=2)


def push(name: str) -> list[Any]:
    body = load_fixture("dinstar", name).encode()
    return DinstarGateway.parse_push("POST", {}, {}, body)


async def test_one_challenge_serves_many_calls(
    session: aiohttp.ClientSession, dinstar_sim: DinstarSimulator
) -> None:
    """The nonce is reused: one 401 round trip, not one per call."""
    gateway = client(session, dinstar_sim)
    for _ in range(5):
        await gateway.async_get_status()
    assert dinstar_sim.auth.challenges == 1
    assert (
        dinstar_sim.requests.count("/api/get_port_info") == 6
    )  # 5 + the challenged one


async def test_a_restarted_gateway_gets_one_new_challenge(
    session: aiohttp.ClientSession, dinstar_sim: DinstarSimulator
) -> None:
    gateway = client(session, dinstar_sim)
    await gateway.async_get_status()
    dinstar_sim.auth.restart()
    status = await gateway.async_get_status()
    assert len(status.ports) == 4
    assert dinstar_sim.auth.challenges == 3  # first, then a stale nonce per request


async def test_wrong_password(
    session: aiohttp.ClientSession, dinstar_sim: DinstarSimulator
) -> None:
    with pytest.raises(GatewayAuthError):
        await client(session, dinstar_sim, password="wrong").async_get_status()


async def test_a_challenge_the_client_cannot_answer(
    session: aiohttp.ClientSession, dinstar_sim: DinstarSimulator
) -> None:
    dinstar_sim.canned["/api/query_sms_in_queue"] = (401, "no")
    with pytest.raises(GatewayAuthError):
        await client(session, dinstar_sim).async_get_info()


async def test_https_with_a_self_signed_certificate(
    dinstar_sim: DinstarSimulator,
) -> None:
    changes = {"ssl": True, "port": dinstar_sim.https_port}
    async with refused_handshakes():
        async with aiohttp.ClientSession() as verifying:
            with pytest.raises(GatewayTlsError):
                await client(verifying, dinstar_sim, **changes).async_get_info()
        connector = aiohttp.TCPConnector(ssl=False)
        async with aiohttp.ClientSession(connector=connector) as trusting:
            info = await client(trusting, dinstar_sim, **changes).async_get_info()
    assert (info.serial, info.manufacturer, info.port_count) == (SN, "Dinstar", 4)


async def test_status(
    session: aiohttp.ClientSession, dinstar_sim: DinstarSimulator
) -> None:
    dinstar_sim.set_port(1, reg="NO_SIM", signal=0, callstate="Call Waiting", slot=2)
    dinstar_sim.set_port(2, signal=99, callstate="Unknow", number="13714637674")
    dinstar_sim.outgoing.clear()
    status = await client(session, dinstar_sim).async_get_status()
    assert status.queue_depth == 0
    port0, port1, port2 = (status.ports[str(n)] for n in range(3))
    assert (port0.name, port0.registration, port0.signal) == (
        "Port 0",
        Registration.REGISTERED,
        20,
    )
    assert (port0.imei, port0.slot, port0.remaining_credit) == (
        "863070017005100",
        None,
        1000.0,
    )
    assert (port1.registration, port1.signal, port1.call_state, port1.slot) == (
        Registration.NO_SIM,
        0,
        CallState.CALL_WAITING,
        2,
    )
    # 99 is "not known" in GSM; the document's "Unknow" is unknown.
    assert (port2.signal, port2.call_state, port2.number) == (
        None,
        CallState.UNKNOWN,
        "13714637674",
    )


async def test_status_of_the_documents_example(
    session: aiohttp.ClientSession, dinstar_sim: DinstarSimulator
) -> None:
    """The document's example, whose last brace the document lost."""
    dinstar_sim.canned["/api/get_port_info"] = (
        200,
        load_fixture("dinstar", "get_port_info.json"),
    )
    status = await client(session, dinstar_sim).async_get_status()
    assert {p: s.registration for p, s in status.ports.items()} == {
        "1": Registration.NO_SIM,
        "2": Registration.REGISTERED,
        "3": Registration.NO_SIM,
    }
    assert status.ports["1"].network_type == "WCDMA"
    assert status.ports["1"].imsi is None
    assert status.ports["2"].iccid == "89860114840400428150"
    # The example answers remain_daily_call_time where the request says calltime.
    port = status.ports["2"]
    assert (
        port.remaining_daily_calls,
        port.remaining_hourly_calls,
        port.remaining_daily_connects,
        port.data_attached,
    ) == (100, 10, 100, False)


async def test_a_truncated_answer_is_refused_not_guessed(
    session: aiohttp.ClientSession, dinstar_sim: DinstarSimulator
) -> None:
    """As printed in the document (no closing brace): an error, never half a status."""
    truncated = load_fixture("dinstar", "get_port_info.json").rstrip().removesuffix("}")
    dinstar_sim.canned["/api/get_port_info"] = (200, truncated)
    with pytest.raises(GatewayPayloadError):
        await client(session, dinstar_sim).async_get_status()


@pytest.mark.parametrize(
    ("reg", "expected"),
    [
        ("POWER_OFF", Registration.POWER_OFF),
        ("NO_SIM", Registration.NO_SIM),
        ("PIN_REQUIRE", Registration.PIN_REQUIRED),
        ("PUK_REQUIRE", Registration.PUK_REQUIRED),
        ("UNREGISTER", Registration.NOT_REGISTERED),
        ("SEARCHING_NETWORK", Registration.SEARCHING),
        ("REGISTER_OK", Registration.REGISTERED),
        ("UNKNOWN", Registration.UNKNOWN),
        ("SOMETHING_NEW", Registration.UNKNOWN),
    ],
)
async def test_registration_states(
    session: aiohttp.ClientSession,
    dinstar_sim: DinstarSimulator,
    reg: str,
    expected: Registration,
) -> None:
    dinstar_sim.set_port(0, reg=reg)
    status = await client(session, dinstar_sim).async_get_status()
    assert status.ports["0"].registration is expected
    assert expected in DinstarGateway.registration_states


async def test_error_code_of_the_body_decides(
    session: aiohttp.ClientSession, dinstar_sim: DinstarSimulator
) -> None:
    """HTTP 200 with error_code 500 is a failure; the HTTP status says nothing."""
    dinstar_sim.canned["/api/query_sms_in_queue"] = (
        200,
        '{"error_code": 500, "sn": "x"}',
    )
    with pytest.raises(GatewayRejectedError) as err:
        await client(session, dinstar_sim).async_get_status()
    assert (err.value.code, err.value.reason) == ("500", "the gateway failed")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("[]", GatewayPayloadError),
        ('{"error_code": 200, "info": {}}', GatewayPayloadError),
        ('{"error_code": 200}', GatewayPayloadError),
    ],
)
async def test_unexpected_answers(
    session: aiohttp.ClientSession,
    dinstar_sim: DinstarSimulator,
    body: str,
    error: type[Exception],
) -> None:
    dinstar_sim.canned["/api/get_port_info"] = (200, body)
    dinstar_sim.canned["/api/query_sms_in_queue"] = (200, body)
    with pytest.raises(error):
        await client(session, dinstar_sim).async_get_info()


async def test_send_in_requests_of_128_with_a_user_id_each(
    session: aiohttp.ClientSession, dinstar_sim: DinstarSimulator
) -> None:
    numbers = tuple(f"1360000{index:04d}" for index in range(300))
    result = await client(session, dinstar_sim).async_send(
        SendRequest(numbers + numbers[:1], "hi")
    )
    assert dinstar_sim.auth.challenges == 1
    assert dinstar_sim.requests.count("/api/send_sms") == 4  # 3 + the challenged one
    assert sorted({sms.task_id for sms in dinstar_sim.outgoing}) == [1, 2, 3]
    ids = [r.message_id for r in result.results]
    assert len(set(ids)) == 300
    assert [str(sms.user_id) for sms in dinstar_sim.outgoing] == ids
    assert result.merged == ("13600000000",)
    assert {r.task_id for r in result.results} == {"1", "2", "3"}


@pytest.mark.parametrize(
    ("text", "encoding", "wire"),
    [
        ("plain text", None, "gsm-7bit"),
        ("中文", None, "unicode"),
        ("plain text", Encoding.UCS2, "unicode"),
    ],
)
async def test_send_options(
    session: aiohttp.ClientSession,
    dinstar_sim: DinstarSimulator,
    text: str,
    encoding: Encoding | None,
    wire: str,
) -> None:
    gateway = client(session, dinstar_sim)
    await gateway.async_send(
        SendRequest(
            ("10086",), text, port="2", encoding=encoding, delivery_report=False
        )
    )
    sms = dinstar_sim.outgoing[-1]
    assert (sms.ports, sms.report, sms.encoding) == ([2], False, wire)


async def test_send_refusals(
    session: aiohttp.ClientSession, dinstar_sim: DinstarSimulator
) -> None:
    gateway = client(session, dinstar_sim)
    with pytest.raises(GatewayRejectedError) as err:
        await gateway.async_send(SendRequest(("10086",), "汉" * 501))  # 1503 bytes
    assert err.value.code == "413"
    assert "/api/send_sms" not in dinstar_sim.requests
    with pytest.raises(GatewayRejectedError) as err:
        await gateway.async_send(SendRequest(("10086",), "x", port="40"))
    assert err.value.code == "400"
    for number in list(dinstar_sim.ports):
        dinstar_sim.set_port(number, reg="NO_SIM")
    with pytest.raises(GatewayRejectedError) as err:
        await gateway.async_send(SendRequest(("10086",), "x"))
    assert (err.value.code, err.value.reason) == ("550", "no port is free to send")


async def test_results_and_reports_by_polling(
    session: aiohttp.ClientSession, dinstar_sim: DinstarSimulator
) -> None:
    gateway = client(session, dinstar_sim)
    dinstar_sim.fail_numbers.add("13611111111")
    result = await gateway.async_send(SendRequest(("13600000000", "13611111111"), "hi"))
    ids = [r.message_id or "" for r in result.results]
    assert await gateway.async_query_reports(ids) == []
    await dinstar_sim.advance()  # both start sending, on two ports
    reports = await gateway.async_query_reports(ids)
    assert [(r.message_id, r.status) for r in reports] == [
        (ids[0], DeliveryStatus.PENDING),
        (ids[1], DeliveryStatus.PENDING),
    ]
    await dinstar_sim.advance()
    await dinstar_sim.advance()
    reports = await gateway.async_query_reports([*ids, "not-a-number"])
    assert [(r.message_id, r.status, r.recipient) for r in reports] == [
        (ids[0], DeliveryStatus.DELIVERED, "13600000000"),
        (ids[1], DeliveryStatus.FAILED, "13611111111"),
    ]
    assert reports[1].error_text == "0 of 1 parts sent"
    assert reports[0].reference == "0:0:13600000000"


async def test_older_firmware_spells_the_result_key_with_a_colon(
    session: aiohttp.ClientSession, dinstar_sim: DinstarSimulator
) -> None:
    """`{"error_code": 202, "result:": [...]}`, as Dinstar's PHP demo recorded
    it from a real gateway's send_ussd: every result list is read so."""
    dinstar_sim.result_key = "result:"
    gateway = client(session, dinstar_sim)
    await gateway.async_send_ussd("1", "*125#")  # accepted, not "said nothing"
    with pytest.raises(GatewayRejectedError) as err:
        await gateway.async_send_ussd("1", "*125#")  # its port's own status
    assert err.value.code == "486"
    result = await gateway.async_send(SendRequest(("13600000000",), "hi"))
    ids = [r.message_id or "" for r in result.results]
    for _ in range(3):
        await dinstar_sim.advance()
    reports = await gateway.async_query_reports(ids)
    assert [(r.message_id, r.status) for r in reports] == [
        (ids[0], DeliveryStatus.DELIVERED)
    ]


async def test_cancel(
    session: aiohttp.ClientSession, dinstar_sim: DinstarSimulator
) -> None:
    gateway = client(session, dinstar_sim)
    result = await gateway.async_send(SendRequest(("13600000000",), "hi"))
    await gateway.async_cancel_task(result.results[0].task_id or "")
    assert dinstar_sim.outgoing == []
    with pytest.raises(GatewayRejectedError) as err:
        await gateway.async_cancel_task("99")
    assert err.value.code == "486"


def test_pushes_of_the_documents_examples() -> None:
    assert push("push_sms.json") == [
        IncomingSms(
            sender="6717",
            text="test",
            port="1",
            timestamp=datetime(2016, 7, 12, 15, 46, 18),
            message_id="1",
            smsc="+8613800757511",
        )
    ]
    assert push("push_sms_result.json") == [
        DeliveryReport(
            message_id=None,
            status=DeliveryStatus.DELIVERED,
            recipient="10086",
            port="1",
            timestamp=datetime(2016, 7, 12, 1, 46, 2),
            reference="1:215:10086",
            parts=1,
            parts_sent=1,
        )
    ]
    assert push("push_sms_deliver_status.json") == [
        DeliveryReport(
            message_id=None,
            status=DeliveryStatus.DELIVERED,
            recipient="10086",
            port="1",
            timestamp=datetime(2016, 7, 12, 15, 46, 53),
            reference="1:215:10086",
        )
    ]


@pytest.mark.parametrize(
    ("code", "status", "error_code"),
    [
        (0, DeliveryStatus.DELIVERED, None),
        (2, DeliveryStatus.DELIVERED, None),
        (32, DeliveryStatus.UNKNOWN, "32"),
        (63, DeliveryStatus.UNKNOWN, "63"),
        (64, DeliveryStatus.FAILED, "64"),
        (255, DeliveryStatus.FAILED, "255"),
    ],
)
def test_status_report_codes(
    code: int, status: DeliveryStatus, error_code: str | None
) -> None:
    body = json.dumps(
        {
            "sn": "x",
            "sms_deliver_status": [
                {"port": 1, "number": "1", "ref_id": 5, "status_code": code}
            ],
        }
    ).encode()
    [report] = DinstarGateway.parse_push("POST", {}, {}, body)
    assert (report.status, report.error_code) == (status, error_code)


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("GET", b'{"sn": "x", "sms": []}'),
        ("POST", b"[]"),
        ("POST", b'{"sn": "x"}'),
        ("POST", b'{"sn": "x", "sms": {}}'),
        # Every push of the document carries the gateway's sn: one without it
        # is refused, even if the rest is well formed.
        ("POST", b'{"sms_result": []}'),
        ("POST", b'{"sn": "", "register": []}'),
        ("POST", b'{"sn": "x", "exception_info": {}}'),
        ("POST", b'{"sn": "x", "sms": [1]}'),
        ("POST", b'{"sn": "x", "sms": [{"number": "1"}]}'),
        ("POST", b'{"sn": "x", "sms_result": [1]}'),
        ("POST", b'{"sn": "x", "sms_result": [{"status": "SENT_OK"}]}'),
        ("POST", b'{"sn": "x", "sms_result": [{"user_id": 1, "status": "LOST"}]}'),
        ("POST", b'{"sn": "x", "sms_deliver_status": ["x"]}'),
        ("POST", b'{"sn": "x", "sms_deliver_status": [{"port": 1, "status_code": 0}]}'),
        (
            "POST",
            b'{"sn": "x", "sms_deliver_status": [{"port": 1, "number": "1", "ref_id": 1, "status_code": 300}]}',
        ),
    ],
)
def test_pushes_it_cannot_read(method: str, body: bytes) -> None:
    with pytest.raises(GatewayPayloadError):
        DinstarGateway.parse_push(method, {}, {}, body)


async def test_poll_incoming_from_a_cursor(
    session: aiohttp.ClientSession, dinstar_sim: DinstarSimulator
) -> None:
    gateway = client(session, dinstar_sim)
    assert await gateway.async_poll_incoming(None) == ([], None)
    await dinstar_sim.inject_incoming(1, "10086", "one")
    await dinstar_sim.inject_incoming(2, "10010", "two")
    found, cursor = await gateway.async_poll_incoming(None)
    assert ([sms.text for sms in found], cursor) == (["one", "two"], "2")
    # Read by someone else in between: flag=all still returns what is new.
    dinstar_sim.read_ids.add(3)
    await dinstar_sim.inject_incoming(1, "10086", "three")
    found, cursor = await gateway.async_poll_incoming("2")
    assert ([sms.text for sms in found], cursor) == (["three"], "3")
    assert await gateway.async_poll_incoming("3") == ([], "3")


async def test_poll_incoming_of_the_documents_example(
    session: aiohttp.ClientSession, dinstar_sim: DinstarSimulator
) -> None:
    """The example's list ends with a comma, as the document prints it."""
    dinstar_sim.canned["/api/query_incoming_sms"] = (
        200,
        load_fixture("dinstar", "query_incoming_sms.json"),
    )
    found, cursor = await client(session, dinstar_sim).async_poll_incoming(None)
    assert found == [
        IncomingSms(
            sender="123456789",
            text="This is a test",
            port="2",
            timestamp=datetime(2014, 12, 9, 17, 11, 18),
            message_id="1",
            smsc="+8613800123456",
        )
    ]
    assert cursor == "1"


async def test_what_a_vendor_cannot_do_raises(
    session: aiohttp.ClientSession, goip_sim: Any
) -> None:
    from custom_components.sms_gateway.gateways.errors import GatewayError
    from custom_components.sms_gateway.gateways.goip import GoipGateway

    gateway = GoipGateway(session, {"host": "127.0.0.1", "port": 1})
    with pytest.raises(GatewayError):
        await gateway.async_poll_incoming(None)
    with pytest.raises(GatewayError):
        await gateway.async_cancel_task("1")


@pytest.mark.parametrize("large", [False, True])
async def test_a_large_inbox_is_read_outside_the_event_loop(
    session: aiohttp.ClientSession,
    dinstar_sim: DinstarSimulator,
    monkeypatch: pytest.MonkeyPatch,
    large: bool,
) -> None:
    """An answer past LARGE_ANSWER is decoded, and a list past LARGE_LIST turned
    into models, in a thread of the executor: 4 MiB of inbox would hold the
    event loop some 160 ms. Small ones stay in the loop (a thread costs more)."""
    monkeypatch.setattr(parse, "LARGE_ANSWER", 1000 if large else 10**9)
    monkeypatch.setattr(parse, "LARGE_LIST", 5 if large else 10**9)
    threads: set[str] = set()
    for module, name in ((parse, "loads_lenient"), (dinstar_client, "incoming")):
        original = getattr(module, name)

        def recorded(*args: Any, _original: Any = original) -> Any:
            threads.add(threading.current_thread().name)
            return _original(*args)

        monkeypatch.setattr(module, name, recorded)
    for index in range(10):
        await dinstar_sim.inject_incoming(1, "10086", f"sms {index} " + "x" * 100)
    found, cursor = await client(session, dinstar_sim).async_poll_incoming(None)
    assert (len(found), cursor) == (10, "10")
    assert (threads != {threading.main_thread().name}) is large

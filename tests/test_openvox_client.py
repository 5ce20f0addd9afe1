"""The OpenVox client against the simulated gateway over real HTTP."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from custom_components.sms_gateway.gateways.errors import (
    GatewayAuthError,
    GatewayPayloadError,
    GatewayRejectedError,
    RejectKind,
)
from custom_components.sms_gateway.gateways.models import (
    DeliveryStatus,
    IncomingSms,
    Registration,
    SendRequest,
)
from custom_components.sms_gateway.gateways.openvox import (
    PUSH_PARAMS,
    OpenvoxGateway,
    md5_password,
    reference,
)
from simulator.openvox import OpenvoxSimulator

from .conftest import PASSWORD, load_fixture


def client(
    session: aiohttp.ClientSession, sim: OpenvoxSimulator, **changes: Any
) -> OpenvoxGateway:
    config = {
        "host": "127.0.0.1",
        "port": sim.port,
        "username": "admin",
        "password": PASSWORD,
        **changes,
    }
    return OpenvoxGateway(session, config, timeout=2)


def test_the_documents_password_rule() -> None:
    """md5(password-username): the document's example is admin/admin."""
    assert md5_password("admin", "admin") == "32ff9ee7e841b26a966870c144fdcaec"


async def test_one_login_serves_many_calls(
    session: aiohttp.ClientSession, openvox_sim: OpenvoxSimulator
) -> None:
    gateway = client(session, openvox_sim)
    for _ in range(3):
        await gateway.async_get_status()
    assert openvox_sim.logins == 1


async def test_an_aged_token_is_replaced_and_the_call_repeated(
    session: aiohttp.ClientSession, openvox_sim: OpenvoxSimulator
) -> None:
    """A send never fails because a token aged: 10 idle minutes pass."""
    gateway = client(session, openvox_sim)
    await gateway.async_get_status()
    openvox_sim.clock_offset += 601
    result = await gateway.async_send(SendRequest(("10086",), "hi"))
    assert result.results[0].accepted
    assert openvox_sim.logins == 2


async def test_wrong_password(
    session: aiohttp.ClientSession, openvox_sim: OpenvoxSimulator
) -> None:
    with pytest.raises(GatewayAuthError):
        await client(session, openvox_sim, password="wrong").async_get_info()


async def test_a_fresh_token_refused_too(
    session: aiohttp.ClientSession,
    openvox_sim: OpenvoxSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A gateway that refuses even a token it just gave: an auth error, no loop."""
    from simulator import openvox as simulated

    monkeypatch.setattr(simulated, "TOKEN_IDLE", -1)
    with pytest.raises(GatewayAuthError):
        await client(session, openvox_sim).async_get_status()
    assert openvox_sim.logins == 2


async def test_status(
    session: aiohttp.ClientSession, openvox_sim: OpenvoxSimulator
) -> None:
    openvox_sim.spans[2].registered = False
    openvox_sim.spans[2].available = 0
    openvox_sim.spans[2].sim_status = "No SIM"
    gateway = client(session, openvox_sim)
    info = await gateway.async_get_info()
    assert (info.manufacturer, info.serial, info.port_count) == ("OpenVox", None, 4)
    status = await gateway.async_get_status()
    one, two = status.ports["1"], status.ports["2"]
    assert (one.name, one.sms_ready, one.registration, one.imsi) == (
        "gsm-1",
        True,
        Registration.REGISTERED,
        "460004642148001",
    )
    assert (two.sms_ready, two.registration, two.sim_status) == (
        False,
        Registration.NOT_REGISTERED,
        "No SIM",
    )


async def test_status_of_the_documents_examples(
    session: aiohttp.ClientSession, openvox_sim: OpenvoxSimulator
) -> None:
    gateway = client(session, openvox_sim)
    await (
        gateway.async_get_status()
    )  # log in first; canned answers skip the token check
    for path, name in (
        ("/sms/get_valid_spans", "get_valid_spans.json"),
        ("/service/chan_state", "chan_state.json"),
        ("/service/simstatus", "simstatus.json"),
    ):
        openvox_sim.canned[path] = (200, load_fixture("openvox", name))
    status = await gateway.async_get_status()
    port = status.ports["1"]
    assert (
        port.name,
        port.sms_ready,
        port.registration,
        port.sim_status,
        port.imsi,
    ) == (
        "gsm-1",
        False,
        Registration.NOT_REGISTERED,
        "Unknown Network Status",
        None,
    )


async def test_send_one_request_per_recipient(
    session: aiohttp.ClientSession, openvox_sim: OpenvoxSimulator
) -> None:
    gateway = client(session, openvox_sim)
    result = await gateway.async_send(
        SendRequest(
            ("13600000000", "13611111111", "13600000000", "10086"), "测试", port="3"
        )
    )
    assert openvox_sim.requests.count("/sms/send") == 3
    assert [r.message_id for r in result.results] == [
        sms.id for sms in openvox_sim.outbox
    ]
    assert {sms.port_name for sms in openvox_sim.outbox} == {"gsm-3"}
    assert result.results[0].reference == reference("gsm-3", "13600000000", "测试")
    assert result.merged == ("13600000000",)


async def test_send_rejected(
    session: aiohttp.ClientSession, openvox_sim: OpenvoxSimulator
) -> None:
    for span in openvox_sim.spans.values():
        span.available = 0
    with pytest.raises(GatewayRejectedError) as err:
        await client(session, openvox_sim).async_send(SendRequest(("10086",), "hi"))
    assert err.value.kind is RejectKind.NO_PORT


async def test_a_send_names_only_the_ports_free_to_send(
    session: aiohttp.ClientSession, openvox_sim: OpenvoxSimulator
) -> None:
    """The document: pick an available port by `get_valid_spans`. The gateway
    takes `spans[]` literally and refuses a list naming a port not available;
    the ports that are free are named, each send asks afresh."""
    gateway = client(session, openvox_sim)
    await gateway.async_get_status()
    openvox_sim.spans[2].available = 0
    openvox_sim.spans[4].registered = False
    result = await gateway.async_send(SendRequest(("10086", "10010"), "hi"))
    assert [r.accepted for r in result.results] == [True, True]
    assert {sms.port_name for sms in openvox_sim.outbox} <= {"gsm-1", "gsm-3"}
    assert openvox_sim.requests.count("/sms/get_valid_spans") == 2
    openvox_sim.spans[1].available = openvox_sim.spans[3].available = 0
    with pytest.raises(GatewayRejectedError) as err:
        await gateway.async_send(SendRequest(("10086",), "hi"))
    assert (err.value.kind, err.value.reason) == (
        RejectKind.NO_PORT,
        "no port is free to send",
    )


async def test_a_code_other_than_200_is_refused(
    session: aiohttp.ClientSession, openvox_sim: OpenvoxSimulator
) -> None:
    gateway = client(session, openvox_sim)
    await gateway.async_get_status()
    openvox_sim.canned["/sms/get_valid_spans"] = (200, '{"code": 500, "msg": "busy"}')
    with pytest.raises(GatewayRejectedError) as err:
        await gateway.async_get_status()
    assert (err.value.code, err.value.reason) == ("500", "busy")
    openvox_sim.canned["/sms/get_valid_spans"] = (200, "[]")
    with pytest.raises(GatewayPayloadError):
        await gateway.async_get_status()


async def test_reports_from_the_outbox(
    session: aiohttp.ClientSession, openvox_sim: OpenvoxSimulator
) -> None:
    gateway = client(session, openvox_sim)
    openvox_sim.fail_numbers["13611111111"] = "27"
    result = await gateway.async_send(SendRequest(("13600000000", "13611111111"), "hi"))
    ids = [r.message_id or "" for r in result.results]
    refs = {r.message_id or "": r.reference or "" for r in result.results}
    await openvox_sim.advance()
    reports = await gateway.async_query_reports(ids, refs)
    assert sorted((r.message_id, r.status, r.error_code) for r in reports) == sorted(  # type: ignore[union-attr]
        [(ids[0], DeliveryStatus.SENT, None), (ids[1], DeliveryStatus.FAILED, "27")]
    )
    await openvox_sim.advance()
    reports = await gateway.async_query_reports(ids[:1], refs)
    assert [(r.message_id, r.status) for r in reports] == [
        (ids[0], DeliveryStatus.DELIVERED)
    ]  # type: ignore[union-attr]
    assert await gateway.async_query_reports(["unknown"], {}) == []


async def test_outbox_of_the_document(
    session: aiohttp.ClientSession, openvox_sim: OpenvoxSimulator
) -> None:
    """`DELIVERD(0)`, the document's spelling, is delivered; port `lte-16` is
    port 16, as the actions take it."""
    gateway = client(session, openvox_sim)
    await gateway.async_get_status()
    openvox_sim.canned["/smsoutbox/get"] = (200, load_fixture("openvox", "outbox.json"))
    ref = reference("lte-16", "10086", "bj")
    [report] = await gateway.async_query_reports(["x"], {"x": ref})
    assert (report.message_id, report.status, report.port) == (
        "x",
        DeliveryStatus.DELIVERED,
        "16",
    )  # type: ignore[union-attr]


async def test_inbox_from_a_cursor(
    session: aiohttp.ClientSession,
    openvox_sim: OpenvoxSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from custom_components.sms_gateway.gateways.openvox import client as openvox

    monkeypatch.setattr(openvox, "PAGE_SIZE", 2)  # several pages
    gateway = client(session, openvox_sim)
    assert await gateway.async_poll_incoming(None) == ([], None)
    for text in ("one", "two", "three"):
        await openvox_sim.inject_incoming(1, "10086", text)
    found, cursor = await gateway.async_poll_incoming(None)
    assert ([s.text for s in found], cursor) == (
        ["one", "two", "three"],
        "3",
    )  # BOMs gone
    await openvox_sim.inject_incoming(2, "10010", "four")
    found, cursor = await gateway.async_poll_incoming("3")
    assert ([(s.text, s.port) for s in found], cursor) == ([("four", "2")], "4")


async def test_inbox_of_the_document(
    session: aiohttp.ClientSession, openvox_sim: OpenvoxSimulator
) -> None:
    gateway = client(session, openvox_sim)
    await gateway.async_get_status()
    openvox_sim.canned["/smsinbox/get"] = (200, load_fixture("openvox", "inbox.json"))
    found, cursor = await gateway.async_poll_incoming("11")
    assert cursor == "13"
    assert found[0] == IncomingSms(
        sender="1065813919",
        text="[Guangdong Mobile] September fun bill has arrived\r\n rejected please reply R",
        port="16",
        timestamp=datetime(2024, 10, 27, 14, 34, 32),
        message_id="12",
    )


async def test_push_set_up_and_the_pushes_it_makes(
    session: aiohttp.ClientSession, openvox_sim: OpenvoxSimulator
) -> None:
    gateway = client(session, openvox_sim)
    await gateway.async_configure_push("http://192.168.1.2:8123/api/webhook/abc?x=1")
    config = openvox_sim.push_config
    assert (config["enable"], config["reports_enable"], config["results_enable"]) == (
        1,
        1,
        1,
    )
    assert (
        config["url_http"],
        config["url_host"],
        config["url_port"],
        config["url_path"],
    ) == (
        "http",
        "192.168.1.2",
        "8123",
        "api/webhook/abc",
    )
    assert {k: config[k] for k in PUSH_PARAMS} == PUSH_PARAMS
    assert config["url_user_defined"] == "x=1"
    await gateway.async_close()
    assert openvox_sim.tokens == {}
    await gateway.async_close()  # nothing to log out of


def test_parse_pushes() -> None:
    def parse(**query: str) -> list[Any]:
        return OpenvoxGateway.parse_push("GET", query, {}, b"")

    [sms] = parse(
        phonenumber="10086",
        port="2",
        portname="gsm-2",
        message="\ufeffhi",
        time="2024/10/28 16:18:22",
    )
    assert (sms.sender, sms.text, sms.port, sms.timestamp) == (
        "10086",
        "hi",
        "2",
        datetime(2024, 10, 28, 16, 18, 22),
    )
    [report] = parse(
        phonenumber="10086", portname="gsm-2", message="hi", status="FAILED(27)"
    )
    assert (report.status, report.error_code, report.reference) == (
        DeliveryStatus.FAILED,
        "27",
        reference("gsm-2", "10086", "hi"),
    )
    for bad in ({"status": "SENT"}, {"phonenumber": "1"}, {}):
        with pytest.raises(GatewayPayloadError):
            parse(**bad)
    with pytest.raises(GatewayPayloadError):
        OpenvoxGateway.parse_push("PUT", {"phonenumber": "1"}, {}, b"")


@pytest.mark.parametrize(
    "body",
    [
        urlencode({"phonenumber": "10086", "port": "2", "message": "hi"}).encode(),
        b'{"phonenumber": "10086", "port": "2", "message": "hi"}',
    ],
    ids=["form", "json"],
)
def test_a_posted_push_is_read_as_its_get(body: bytes) -> None:
    """The document shows the pushes as GETs, and the webhook takes POSTs too:
    a POST carrying the same fields in its body gives the same SMS, its body's
    fields over the query's."""
    got = OpenvoxGateway.parse_push(
        "GET", {"phonenumber": "10086", "port": "2", "message": "hi"}, {}, b""
    )
    assert OpenvoxGateway.parse_push("POST", {}, {}, body) == got
    assert OpenvoxGateway.parse_push("POST", {"port": "9"}, {}, body) == got


@pytest.mark.parametrize("answer_format", ["json", "string"])
async def test_ussd_in_both_answer_formats(
    session: aiohttp.ClientSession, openvox_sim: OpenvoxSimulator, answer_format: str
) -> None:
    """The document's JSON and plain-text answers of sendussd are both read."""
    openvox_sim.ussd_format = answer_format
    gateway = client(
        session, openvox_sim, ussd_username="ussduser", ussd_password="ussdpwd"
    )
    session_id = await gateway.async_send_ussd("3", "*#301")
    assert openvox_sim.ussd_pending == [(3, "*#301", session_id)]
    assert await gateway.async_poll_ussd("3") is None  # only pushed
    await gateway.async_cancel_ussd("3")  # nothing to tell the gateway
    openvox_sim.spans[4].registered = False
    with pytest.raises(GatewayRejectedError) as err:
        await gateway.async_send_ussd("4", "*#301")
    assert (err.value.code, err.value.kind) == ("not ready", RejectKind.NOT_REGISTERED)


async def test_ussd_needs_the_ussd_pages_account(
    session: aiohttp.ClientSession, openvox_sim: OpenvoxSimulator
) -> None:
    with pytest.raises(GatewayRejectedError) as err:
        await client(session, openvox_sim).async_send_ussd("1", "*#301")
    assert err.value.kind is RejectKind.NOT_CONFIGURED
    wrong = client(session, openvox_sim, ussd_username="ussduser", ussd_password="x")
    with pytest.raises(GatewayRejectedError) as err:
        await wrong.async_send_ussd("1", "*#301")
    assert err.value.kind is RejectKind.NOT_CONFIGURED


def test_the_documents_ussd_answers() -> None:
    from custom_components.sms_gateway.gateways.openvox.parsers import ussd_result

    as_json = {
        "message": "*#301",
        "report": {
            "3": {
                "port": "3",
                "time": "2024-12-05 07:12:58",
                "id": "1",
                "result": "not ready",
            }
        },
    }
    as_text = (
        "message: *#301\n--record 3 start--port: 3\ntime: 2024-12-05 07:12:26\nid: 1\n"
        "result: not ready\n--record 3 end----record 4 start--port: 4\ntime: 2024-12-05 "
        "07:12:26\nid: 1\nresult: sent\n--record 4 end--"
    )
    assert ussd_result(as_json, "3") == "not ready"
    assert (ussd_result(as_text, "3"), ussd_result(as_text, "4")) == (
        "not ready",
        "sent",
    )
    assert ussd_result(as_json, "9") is None
    assert ussd_result(None, "3") is None  # the "null" answer format


def test_ussd_push() -> None:
    [reply] = OpenvoxGateway.parse_push(
        "GET",
        {
            "port": "3",
            "message": "Balance 5",
            "time": "2024-12-05 07:12:58",
            "status": "0",
            "code": "0",
            "id": "7",
        },
        {},
        b"",
    )
    assert (reply.port, reply.text, reply.session_id) == ("3", "Balance 5", "7")
    with pytest.raises(GatewayPayloadError):
        OpenvoxGateway.parse_push("GET", {"port": "3", "id": "7"}, {}, b"")


async def test_a_long_inbox_page_lets_the_loop_run(
    session: aiohttp.ClientSession,
    openvox_sim: OpenvoxSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A page longer than LARGE_LIST entries is read in slices with the loop
    running between them (a gateway may answer more than it was asked for)."""
    from custom_components.sms_gateway.gateways.openvox import client as openvox

    monkeypatch.setattr(openvox, "LARGE_LIST", 2)
    for index in range(5):
        await openvox_sim.inject_incoming(1, "10086", f"sms {index}")
    ran: list[int] = []
    seen_at: list[int] = []  # how often the other task had run, at each entry
    incoming = openvox.incoming

    def recorded(entry: Any, **kwargs: Any) -> Any:
        seen_at.append(len(ran))
        return incoming(entry, **kwargs)

    monkeypatch.setattr(openvox, "incoming", recorded)

    async def beside() -> None:
        while True:
            ran.append(len(ran))
            await asyncio.sleep(0)

    other = asyncio.ensure_future(beside())
    gateway = client(session, openvox_sim)
    found, _ = await gateway.async_poll_incoming(None)
    other.cancel()
    assert len(found) == 5
    # one page of five, read in slices of two: the other task ran in between
    assert seen_at[0] < seen_at[2] < seen_at[4]


async def test_a_send_through_any_of_several_ports(
    session: aiohttp.ClientSession, openvox_sim: OpenvoxSimulator
) -> None:
    """`spans[]` names the ports asked for; the gateway picks one of them."""
    gateway = client(session, openvox_sim)
    openvox_sim.recording = []
    result = await gateway.async_send(SendRequest(("10086",), "hi", ports=("1", "3")))
    assert [r.accepted for r in result.results] == [True]
    [body] = [body for _, path, _, body in openvox_sim.recording if path == "/sms/send"]
    assert b"spans%5B%5D=1&spans%5B%5D=3" in body
    assert openvox_sim.outbox[0].port_name in ("gsm-1", "gsm-3")

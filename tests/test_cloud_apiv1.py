"""The api/v1 platform: client against the simulator, and through Home Assistant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sms_gateway.const import (
    CONF_VENDOR,
    DOMAIN,
    EVENT_DELIVERY_REPORT,
    EVENT_SMS_RECEIVED,
)
from custom_components.sms_gateway.gateways.cloud_apiv1 import CloudApiV1Gateway, mask
from custom_components.sms_gateway.gateways.errors import (
    GatewayAuthError,
    GatewayPayloadError,
    GatewayRejectedError,
)
from custom_components.sms_gateway.gateways.models import DeliveryStatus, SendRequest
from simulator.cloud_apiv1 import CloudApiV1Simulator

from .conftest import WEBHOOK_ID, load_fixture, loaded, next_poll, set_options

ACCOUNT, PWD = "demo", "s3cret"


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[CloudApiV1Simulator]:
    simulator = CloudApiV1Simulator(username=ACCOUNT, password=PWD)
    await simulator.start()
    yield simulator
    await simulator.stop()


def data(sim: CloudApiV1Simulator) -> dict[str, Any]:
    return {
        CONF_VENDOR: "cloud_apiv1",
        "base_url": sim.url,
        "account": ACCOUNT,
        "password": PWD,
        "webhook_id": WEBHOOK_ID,
    }


def client(
    session: aiohttp.ClientSession, sim: CloudApiV1Simulator, **changes: str
) -> CloudApiV1Gateway:
    return CloudApiV1Gateway(session, {**data(sim), **changes}, timeout=2)


@pytest.fixture
async def entry(
    hass: HomeAssistant, sim: CloudApiV1Simulator
) -> AsyncIterator[MockConfigEntry]:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Cloud SMS platform",
        unique_id=f"{ACCOUNT}@127.0.0.1:{sim.port}",
        data=data(sim),
    )
    async with loaded(hass, entry) as loaded_entry:
        yield loaded_entry


async def test_balance_send_and_reports(
    session: aiohttp.ClientSession, sim: CloudApiV1Simulator
) -> None:
    gateway = client(session, sim)
    status = await gateway.async_get_status()
    assert (status.balance, status.payment) == (200000.0, "prepaid")
    sim.failures["13611111111"] = "MBBLACK"
    result = await gateway.async_send(
        SendRequest(("13500009831", "13611111111"), "hi", extension="10")
    )
    task = result.results[0].task_id
    assert [r.reference for r in result.results] == [
        f"{task}|135****9831",
        f"{task}|136****1111",
    ]
    assert sim.due == [(task, "13500009831"), (task, "13611111111")]
    await sim.advance()
    reports = await gateway.async_query_reports([])
    assert [(r.reference, r.status, r.error_code, r.recipient) for r in reports] == [  # type: ignore[union-attr]
        (f"{task}|135****9831", DeliveryStatus.DELIVERED, None, None),
        (f"{task}|136****1111", DeliveryStatus.FAILED, "MBBLACK", None),
    ]
    assert await gateway.async_query_reports([]) == []  # handed out once


async def test_the_numbers_commas_go_unquoted(
    session: aiohttp.ClientSession, sim: CloudApiV1Simulator
) -> None:
    """The document asks for a form; it does not say how commas are written.

    The client leaves the commas between numbers as they are, which any form
    reader takes (quoting them costs a call per character of 3000 numbers);
    the rest is quoted as usual, and the platform reads it all back.
    """
    sim.recording = []
    result = await client(session, sim).async_send(
        SendRequest(("13500009831", "13611111111"), "a, b & c = 1+1", extension="7")
    )
    assert all(item.accepted for item in result.results)
    ((method, _, headers, body),) = sim.recording
    assert (method, headers["Content-Type"]) == (
        "POST",
        "application/x-www-form-urlencoded",
    )
    assert b"mobiles=13500009831,13611111111&" in body
    assert b"content=a,+b+%26+c+%3D+1%2B1&" in body
    form = dict(parse_qsl(body.decode()))
    assert (form["mobiles"], form["content"], form["extNo"]) == (
        "13500009831,13611111111",
        "a, b & c = 1+1",
        "7",
    )
    assert [number for _, number in sim.due] == ["13500009831", "13611111111"]


async def test_wrong_password_and_other_refusals(
    session: aiohttp.ClientSession, sim: CloudApiV1Simulator
) -> None:
    """No codes are documented: a refusal about the account or password is auth."""
    with pytest.raises(GatewayAuthError):
        await client(session, sim, password="x").async_get_info()
    sim.balance = 0
    with pytest.raises(GatewayRejectedError) as err:
        await client(session, sim).async_send(SendRequest(("13500009831",), "hi"))
    assert (err.value.code, err.value.reason) == ("03", "余额不足")


async def test_the_documents_answers(
    session: aiohttp.ClientSession, sim: CloudApiV1Simulator
) -> None:
    """`"data": { [ ... ] }` is no JSON: a list, or an object holding one, is read."""
    gateway = client(session, sim)
    sim.canned["/api/v1/report"] = (200, load_fixture("cloud_apiv1", "report.json"))
    assert [r.status for r in await gateway.async_query_reports([])] == [  # type: ignore[union-attr]
        DeliveryStatus.DELIVERED,
        DeliveryStatus.FAILED,
    ]
    sim.canned["/api/v1/mo"] = (200, load_fixture("cloud_apiv1", "mo.json"))
    [mo], _ = await gateway.async_poll_incoming(None)
    assert (mo.sender, mo.text, mo.extension) == ("138****1234", "端午节快乐", "10")  # type: ignore[union-attr]
    sim.canned["/api/v1/queryBalance"] = (
        200,
        load_fixture("cloud_apiv1", "balance.json"),
    )
    assert (await gateway.async_get_status()).payment == "prepaid"
    sim.canned["/api/v1/mo"] = (200, '{"code": "00", "data": "x"}')
    with pytest.raises(GatewayPayloadError):
        await gateway.async_poll_incoming(None)
    sim.canned["/api/v1/mo"] = (200, '{"code": "00", "data": null}')
    assert await gateway.async_poll_incoming("c") == ([], "c")
    sim.canned["/api/v1/queryBalance"] = (200, "[]")
    with pytest.raises(GatewayPayloadError):
        await gateway.async_get_status()


def test_callbacks() -> None:
    [report] = CloudApiV1Gateway.parse_push(
        "POST", {}, {}, load_fixture("cloud_apiv1", "callback_report.json").encode()
    )
    assert (report.status, report.reference, report.recipient) == (
        DeliveryStatus.DELIVERED,
        f"b681adb3|{mask('13500009831')}",
        "13500009831",
    )
    [mo] = CloudApiV1Gateway.parse_push(
        "POST", {}, {}, load_fixture("cloud_apiv1", "callback_mo.json").encode()
    )
    assert (mo.sender, mo.text, mo.extension) == ("139", "好", "10")
    for bad in (b'{"sendId": "1"}', b'{"mobile": "1"}', b"[1]"):
        with pytest.raises(GatewayPayloadError):
            CloudApiV1Gateway.parse_push("POST", {}, {}, bad)
    with pytest.raises(GatewayPayloadError):
        CloudApiV1Gateway.parse_push("GET", {}, {}, b"{}")


async def test_config_flow(hass: HomeAssistant, sim: CloudApiV1Simulator) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "cloud_apiv1"}
    )
    assert list(result["data_schema"].schema) == ["base_url", "account", "password"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"base_url": sim.url, "account": ACCOUNT, "password": "x"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"base_url": sim.url, "account": ACCOUNT, "password": PWD}
    )
    assert result["step_id"] == "webhook_internet"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.config_entries.async_unload(result["result"].entry_id)


async def test_callbacks_and_polls_through_home_assistant(
    hass: HomeAssistant,
    sim: CloudApiV1Simulator,
    entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: Any,
) -> None:
    """MO messages (extNo kept) and reports fire once, called back and polled.

    The callback has the full number, the `mo` queue a masked one
    (`139****1234`), as the document's examples show: one SMS still."""
    await set_options(hass, entry, receive_mode="both")
    http = await hass_client_no_auth()
    url = str(http.make_url(f"/api/webhook/{WEBHOOK_ID}"))
    sim.report_url = sim.mo_url = url
    received = async_capture_events(hass, EVENT_SMS_RECEIVED)
    reports = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    await sim.inject_incoming("13900001234", "回复", ext_no="10")
    response = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"recipients": "13500009831", "message": "hi", "extension": "10"},
        blocking=True,
        return_response=True,
    )
    message_id = response["messages"][0]["message_id"]  # type: ignore[index]
    await sim.advance()
    await next_poll(hass, freezer)  # the same MO and report, polled: no second event
    assert [
        (e.data["sender"], e.data["text"], e.data["extension"]) for e in received
    ] == [("13900001234", "回复", "10")]
    assert [
        (e.data["message_id"], e.data["status"], e.data["recipient"]) for e in reports
    ] == [(message_id, "delivered", "13500009831")]
    assert {status for *_, status in sim.pushes} == {200}
    state = hass.states.get("sensor.cloud_sms_platform_payment")
    assert state.state == "prepaid"


async def test_mo_by_polling_only(
    hass: HomeAssistant, sim: CloudApiV1Simulator, entry: MockConfigEntry, freezer: Any
) -> None:
    """The mo queue hands out only what is new: the first poll is no baseline."""
    await set_options(hass, entry, receive_mode="poll")
    received = async_capture_events(hass, EVENT_SMS_RECEIVED)
    await sim.inject_incoming("13900001234", "first")
    await next_poll(hass, freezer)
    assert [e.data["text"] for e in received] == ["first"]


async def test_the_extension_must_be_digits(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    import voluptuous as vol

    with pytest.raises(vol.Invalid):
        await hass.services.async_call(
            DOMAIN,
            "send_sms",
            {"recipients": "13500009831", "message": "x", "extension": "a"},
            blocking=True,
        )


async def test_only_api_v1_takes_an_extension(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "send_sms",
            {"recipients": "13500009831", "message": "x", "extension": "10"},
            blocking=True,
        )
    assert err.value.translation_key == "unsupported_extension"

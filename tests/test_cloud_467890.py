"""The 467890 platform: client against the simulator, and through Home Assistant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
import sys
from types import ModuleType, SimpleNamespace
from typing import Any
from unittest.mock import AsyncMock, Mock, patch

import aiohttp
from homeassistant import components
from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
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
)
from custom_components.sms_gateway.gateways.cloud_467890 import Cloud467890Gateway
from custom_components.sms_gateway.gateways.errors import (
    GatewayAuthError,
    GatewayPayloadError,
    GatewayRejectedError,
    RejectKind,
)
from custom_components.sms_gateway.gateways.models import DeliveryStatus, SendRequest
from simulator.cloud_467890 import Cloud467890Simulator

from .conftest import WEBHOOK_ID, device_of, load_fixture, loaded, next_poll

UID, PWD = "10001", "s3cret"


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[Cloud467890Simulator]:
    simulator = Cloud467890Simulator(username=UID, password=PWD)
    await simulator.start()
    yield simulator
    await simulator.stop()


def data(sim: Cloud467890Simulator) -> dict[str, Any]:
    return {
        CONF_VENDOR: "cloud_467890",
        "base_url": sim.url,
        "uid": UID,
        "password": PWD,
        "webhook_id": WEBHOOK_ID,
    }


def client(
    session: aiohttp.ClientSession, sim: Cloud467890Simulator, **changes: str
) -> Cloud467890Gateway:
    return Cloud467890Gateway(session, {**data(sim), **changes}, timeout=2)


@pytest.fixture
async def entry(
    hass: HomeAssistant, sim: Cloud467890Simulator
) -> AsyncIterator[MockConfigEntry]:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Cloud SMS platform",
        unique_id=f"{UID}@127.0.0.1:{sim.port}",
        data=data(sim),
    )
    async with loaded(hass, entry) as loaded_entry:
        yield loaded_entry


@pytest.mark.parametrize("json_answers", [True, False])
async def test_balance_and_send(
    session: aiohttp.ClientSession, sim: Cloud467890Simulator, json_answers: bool
) -> None:
    """Answers as JSON or as a form, keys in any case, are read alike."""
    sim.json_answers = json_answers
    gateway = client(session, sim)
    assert (await gateway.async_get_status()).balance == 100.0
    assert gateway.location == f"{UID}@127.0.0.1:{sim.port}"
    result = await gateway.async_send(
        SendRequest(("13600000000", "136 0000 0000", "13611111111"), "hi")
    )
    assert [(r.message_id, r.task_id) for r in result.results] == [
        ("800000.13600000000", "800000"),
        ("800000.13611111111", "800000"),
    ]
    assert result.merged == ("13600000000",)
    assert (await gateway.async_get_status()).balance == 99.9


@pytest.mark.parametrize("spelling", ["lower", "capitalized"])
async def test_a_platform_reading_either_spelling_of_the_keys(
    session: aiohttp.ClientSession, sim: Cloud467890Simulator, spelling: str
) -> None:
    """The document's table says `Uid`, `Pwd`, `Mobile`, `Content`; its own
    refusal says "uid, pwd", and the platform's public client posts lower case.
    A PHP platform reads one spelling, case-sensitively: the request carries
    both, and works on either. With one spelling only, the other platform
    answers respCode 1 ("uid or pwd is wrong") to every request."""
    sim.key_spelling = spelling
    gateway = client(session, sim)
    assert (await gateway.async_get_status()).balance == 100.0
    result = await gateway.async_send(SendRequest(("13600000000",), "hi"))
    assert [r.accepted for r in result.results] == [True]
    one_spelling = {"uid": UID, "pwd": PWD}
    if spelling == "lower":
        one_spelling = {key.capitalize(): value for key, value in one_spelling.items()}
    async with session.post(
        f"{sim.url}/Admin/index.php/Message/balance", json=one_spelling
    ) as response:
        assert (await response.json())["respCode"] == "1"


async def test_requests_of_5000(
    session: aiohttp.ClientSession, sim: Cloud467890Simulator
) -> None:
    numbers = tuple(f"1360{index:07d}" for index in range(5001))
    result = await client(session, sim).async_send(SendRequest(numbers, "hi"))
    assert len({r.task_id for r in result.results}) == 2
    assert sim.requests.count("/Admin/index.php/Message/send") == 2


@pytest.mark.parametrize(
    ("setup", "kind"),
    [
        ({"balance": 0.01}, RejectKind.INSUFFICIENT_BALANCE),
        ({"frozen": True}, RejectKind.ACCOUNT_FROZEN),
    ],
)
async def test_refusals(
    session: aiohttp.ClientSession,
    sim: Cloud467890Simulator,
    setup: dict[str, Any],
    kind: RejectKind,
) -> None:
    account = sim.accounts[UID]
    for key, value in setup.items():
        setattr(account, key, value)
    with pytest.raises(GatewayRejectedError) as err:
        await client(session, sim).async_send(SendRequest(("13600000000",), "hi"))
    assert err.value.kind is kind


async def test_wrong_password_and_frozen_balance(
    session: aiohttp.ClientSession, sim: Cloud467890Simulator
) -> None:
    with pytest.raises(GatewayAuthError):
        await client(session, sim, password="x").async_get_info()
    sim.accounts[UID].frozen = True
    with pytest.raises(GatewayRejectedError) as err:
        await client(session, sim).async_get_status()
    assert (err.value.code, err.value.kind) == ("2", RejectKind.ACCOUNT_FROZEN)
    sim.canned["/Admin/index.php/Message/balance"] = (
        200,
        '{"RESPCODE": "4", "respmsg": "?"}',
    )
    with pytest.raises(GatewayRejectedError) as err:
        await client(session, sim).async_get_status()
    assert err.value.kind is RejectKind.GATEWAY_FAILURE
    sim.canned["/Admin/index.php/Message/send"] = (200, '{"respCode": "0"}')
    with pytest.raises(GatewayPayloadError):
        await client(session, sim).async_send(SendRequest(("1360000000",), "x"))


@pytest.mark.parametrize(
    "body",
    [
        load_fixture("cloud_467890", "report.txt").encode(),
        b"Report=800000%2C13600000000%2CDELIVRD%2C2026-01-02+03%3A04%3A05",
        b'{"report": "800000,13600000000,DELIVRD,2026-01-02 03:04:05"}',
    ],
)
def test_the_report_push_as_deployments_send_it(body: bytes) -> None:
    """Raw (as the document shows), form-encoded, or JSON: one report."""
    [report] = Cloud467890Gateway.parse_push("POST", {}, {}, body)
    assert (report.message_id, report.status, report.timestamp) == (
        "800000.13600000000",
        DeliveryStatus.DELIVERED,
        datetime(2026, 1, 2, 3, 4, 5),
    )


def test_undelivered_and_bad_reports() -> None:
    [report] = Cloud467890Gateway.parse_push(
        "POST", {}, {}, b"Report=1,13600000000,UNKNOWN"
    )
    assert (report.status, report.error_code) == (DeliveryStatus.FAILED, "UNKNOWN")
    for bad in (b"", b"Report=1", b"Other=1", b"{", b"[1]", b"\xff"):
        with pytest.raises(GatewayPayloadError):
            Cloud467890Gateway.parse_push("POST", {}, {}, bad)
    with pytest.raises(GatewayPayloadError):
        Cloud467890Gateway.parse_push("GET", {}, {}, b"Report=1,2,DELIVRD")


async def test_config_flow_on_the_internet(
    hass: HomeAssistant, sim: Cloud467890Simulator
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "cloud_467890"}
    )
    assert list(result["data_schema"].schema) == ["base_url", "uid", "password"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"base_url": sim.url, "uid": UID, "password": PWD}
    )
    assert result["step_id"] == "webhook_internet"
    with patch("custom_components.sms_gateway.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == f"{UID}@127.0.0.1:{sim.port}"


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """Home Assistant Cloud, subscribed, as the integration calls it.

    A stand-in module: on the newest Home Assistant the real one imports only
    with packages (turbojpeg, hassil, pymicro_vad, ...) that a test venv lacks.
    """
    stand_in = ModuleType("homeassistant.components.cloud")
    calls = SimpleNamespace(
        async_active_subscription=Mock(return_value=True),
        async_create_cloudhook=AsyncMock(return_value="https://hooks.nabu.casa/abc"),
        async_delete_cloudhook=AsyncMock(),
        CloudNotAvailable=type("CloudNotAvailable", (Exception,), {}),
    )
    stand_in.__dict__.update(vars(calls))
    monkeypatch.setitem(sys.modules, stand_in.__name__, stand_in)
    monkeypatch.setattr(components, "cloud", stand_in, raising=False)
    return calls


async def test_config_flow_uses_a_cloudhook(
    hass: HomeAssistant, sim: Cloud467890Simulator, cloud: SimpleNamespace
) -> None:
    """With a Cloud subscription the platform is given a cloudhook, deleted with the entry."""
    hass.config.components.add("cloud")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "cloud_467890"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"base_url": sim.url, "uid": UID, "password": PWD}
    )
    assert (
        result["description_placeholders"]["webhook_url"]
        == "https://hooks.nabu.casa/abc"
    )
    with patch("custom_components.sms_gateway.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    entry = result["result"]
    assert entry.data["cloudhook_url"] == "https://hooks.nabu.casa/abc"
    await hass.config_entries.async_remove(entry.entry_id)
    cloud.async_delete_cloudhook.assert_awaited_once_with(
        hass, entry.data["webhook_id"]
    )


async def test_a_service_device_with_a_balance(
    hass: HomeAssistant,
    sim: Cloud467890Simulator,
    entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    device = device_of(hass, entry)
    assert device.entry_type is dr.DeviceEntryType.SERVICE  # type: ignore[union-attr]
    state = hass.states.get("sensor.cloud_sms_platform_balance")
    assert (
        state.state,
        state.attributes["unit_of_measurement"],
        state.attributes["device_class"],
    ) == (
        "100.0",
        hass.config.currency,
        "monetary",
    )
    # The platform receives no SMS: no such event entity.
    assert hass.states.get("event.cloud_sms_platform_incoming_sms") is None
    assert hass.states.get("event.cloud_sms_platform_delivery_report") is not None


async def test_reports_match_the_returned_ids(
    hass: HomeAssistant,
    sim: Cloud467890Simulator,
    entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    client_ = await hass_client_no_auth()
    sim.report_url = str(client_.make_url(f"/api/webhook/{WEBHOOK_ID}"))
    sim.undelivered.add("13611111111")
    reports = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    response = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"recipients": "13600000000,13611111111", "message": "hi"},
        blocking=True,
        return_response=True,
    )
    ids = [m["message_id"] for m in response["messages"]]  # type: ignore[index]
    await sim.advance()
    await hass.async_block_till_done()
    assert [(e.data["message_id"], e.data["status"]) for e in reports] == [
        (ids[0], "delivered"),
        (ids[1], "failed"),
    ]
    assert {status for *_, status in sim.pushes} == {200}


async def test_refused_sends(
    hass: HomeAssistant, sim: Cloud467890Simulator, entry: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "send_sms",
            {"recipients": "13600000000", "message": "x" * 269},
            blocking=True,
        )
    assert err.value.translation_key == "message_too_many_characters"
    sim.accounts[UID].balance = 0
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "send_sms",
            {"recipients": "13600000000", "message": "x"},
            blocking=True,
        )
    assert err.value.translation_key == "rejected_insufficient_balance"
    assert sim.due == []


async def test_wrong_password_starts_reauth(
    hass: HomeAssistant, sim: Cloud467890Simulator, entry: MockConfigEntry, freezer: Any
) -> None:
    sim.accounts[UID].password = "changed"
    await next_poll(hass, freezer)
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    result = await entry.start_reauth_flow(hass)
    assert list(result["data_schema"].schema) == ["uid", "password"]


async def test_a_text_sent_before_is_reported_merged(
    hass: HomeAssistant, sim: Cloud467890Simulator, entry: MockConfigEntry
) -> None:
    """The platform drops a repeated text to a number: the response says so."""

    async def send(recipients: str, message: str) -> dict[str, Any]:
        return await hass.services.async_call(  # type: ignore[return-value]
            DOMAIN,
            "send_sms",
            {"recipients": recipients, "message": message},
            blocking=True,
            return_response=True,
        )

    await send("13600000000", "hi")
    response = await send("13600000000, 13611111111", "hi")
    assert [m["recipient"] for m in response["messages"]] == ["13611111111"]
    assert response["merged"] == ["13600000000"]
    assert await send("13600000000", "hi") == {
        "messages": [],
        "merged": ["13600000000"],
    }
    assert (await send("13600000000", "another text"))["merged"] == []
    assert sim.requests.count("/Admin/index.php/Message/send") == 3

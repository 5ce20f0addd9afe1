"""OpenVox through the Home Assistant surface: flow, push set-up, entities, events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sms_gateway.const import (
    DOMAIN,
    EVENT_DELIVERY_REPORT,
    EVENT_SMS_RECEIVED,
)
from simulator.openvox import OpenvoxSimulator

from .conftest import PASSWORD, WEBHOOK_ID, loaded, next_poll, set_options
from .vendors import USSD_ACCOUNT, VENDORS


def with_ussd_account(sim: OpenvoxSimulator) -> MockConfigEntry:
    """An entry with the account of the gateway's USSD page."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="SWG",
        data={**openvox_data(sim), **USSD_ACCOUNT},
    )


def openvox_data(sim: OpenvoxSimulator) -> dict[str, Any]:
    return VENDORS["openvox"].data(sim)


@pytest.fixture
async def openvox(
    hass: HomeAssistant, openvox_sim: OpenvoxSimulator
) -> AsyncIterator[MockConfigEntry]:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="SWG",
        unique_id=f"127.0.0.1:{openvox_sim.port}",
        data=openvox_data(openvox_sim),
    )
    async with loaded(hass, entry) as loaded_entry:
        yield loaded_entry


async def point_pushes_at(
    sim: OpenvoxSimulator, client_factory: ClientSessionGenerator
) -> None:
    """What "point this gateway's pushes at Home Assistant" writes, with the
    test server's address."""
    client = await client_factory()
    sim.point_pushes(str(client.make_url(f"/api/webhook/{WEBHOOK_ID}")))


async def test_config_flow_writes_the_push_settings(
    hass: HomeAssistant, openvox_sim: OpenvoxSimulator
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "openvox"}
    )
    assert list(result["data_schema"].schema) == [
        "host",
        "port",
        "username",
        "password",
        "ssl",
        "verify_ssl",
        "ussd_username",
        "ussd_password",
    ]
    form = {
        "host": "127.0.0.1",
        "port": openvox_sim.port,
        "username": "admin",
        "password": PASSWORD,
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["step_id"] == "webhook"
    assert list(result["data_schema"].schema) == ["configure_push"]
    openvox_sim.fault = "http500"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"configure_push": True}
    )
    assert result["errors"] == {"base": "push_setup_failed"}
    openvox_sim.fault = None
    with patch("custom_components.sms_gateway.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"configure_push": True}
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "SWG wireless gateway"
    config = openvox_sim.push_config
    assert config["enable"] == 1
    assert config["url_path"] == f"api/webhook/{result['data']['webhook_id']}"
    assert config["url_from_num"] == "phonenumber"
    assert openvox_sim.tokens == {}  # the flow's logins were logged out


async def test_entities(
    hass: HomeAssistant, openvox_sim: OpenvoxSimulator, openvox: MockConfigEntry
) -> None:
    assert hass.states.get("binary_sensor.swg_gsm_1_ready_for_sms").state == "on"
    assert hass.states.get("sensor.swg_gsm_1_registration").state == "registered"
    assert (
        hass.states.get("sensor.swg_gsm_1_sim_status").state
        == "Registered (Home network)"
    )


async def test_pushes_become_events(
    hass: HomeAssistant,
    openvox_sim: OpenvoxSimulator,
    openvox: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """GET pushes: a received SMS, and the states of a sent one by its id."""
    await point_pushes_at(openvox_sim, hass_client_no_auth)
    received = async_capture_events(hass, EVENT_SMS_RECEIVED)
    reports = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    await openvox_sim.inject_incoming(2, "10086", "余额 3.20")
    response = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"recipients": "13600000000", "message": "hi", "port": "3"},
        blocking=True,
        return_response=True,
    )
    message_id = response["messages"][0]["message_id"]  # type: ignore[index]
    await openvox_sim.advance()
    await openvox_sim.advance()
    await hass.async_block_till_done()
    assert [(e.data["sender"], e.data["text"], e.data["port"]) for e in received] == [
        ("10086", "余额 3.20", "2")
    ]
    assert [
        (e.data["message_id"], e.data["status"], e.data["port"]) for e in reports
    ] == [
        (message_id, "sent", "3"),
        (message_id, "delivered", "3"),
    ]
    assert {status for *_, status in openvox_sim.pushes} == {200}


async def test_a_posted_push_becomes_the_same_event(
    hass: HomeAssistant,
    openvox: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """The webhook takes POSTs as well as GETs: a form with the GET's fields
    fires the same event, and only once."""
    received = async_capture_events(hass, EVENT_SMS_RECEIVED)
    client = await hass_client_no_auth()
    fields = {"phonenumber": "10086", "port": "2", "message": "余额 3.20"}
    get = await client.get(f"/api/webhook/{WEBHOOK_ID}", params=fields)
    post = await client.post(f"/api/webhook/{WEBHOOK_ID}", data=fields)
    await hass.async_block_till_done()
    assert (get.status, post.status) == (200, 200)
    assert [(e.data["sender"], e.data["text"]) for e in received] == [
        ("10086", "余额 3.20")
    ]


async def test_reports_and_inbox_by_polling(
    hass: HomeAssistant,
    openvox_sim: OpenvoxSimulator,
    openvox: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_options(hass, openvox, receive_mode="poll")
    received = async_capture_events(hass, EVENT_SMS_RECEIVED)
    reports = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    response = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"recipients": "13600000000", "message": "hi"},
        blocking=True,
        return_response=True,
    )
    message_id = response["messages"][0]["message_id"]  # type: ignore[index]
    await next_poll(hass, freezer)  # the inbox baseline
    await openvox_sim.inject_incoming(1, "10086", "new")
    await openvox_sim.advance()
    await next_poll(hass, freezer)
    await openvox_sim.advance()
    await next_poll(hass, freezer)
    assert [e.data["text"] for e in received] == ["new"]
    assert [(e.data["message_id"], e.data["status"]) for e in reports] == [
        (message_id, "sent"),
        (message_id, "delivered"),
    ]


async def test_options_write_the_push_settings_again(
    hass: HomeAssistant, openvox_sim: OpenvoxSimulator, openvox: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(openvox.entry_id)
    assert "configure_push" in result["data_schema"].schema
    openvox_sim.fault = "http500"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"poll_interval": 30, "configure_push": True}
    )
    assert result["errors"] == {"base": "push_setup_failed"}
    openvox_sim.fault = None
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"poll_interval": 30, "configure_push": True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "configure_push" not in openvox.options
    assert openvox_sim.push_config["url_path"] == f"api/webhook/{WEBHOOK_ID}"
    await hass.async_block_till_done()


async def test_unload_logs_out(
    hass: HomeAssistant, openvox_sim: OpenvoxSimulator, openvox: MockConfigEntry
) -> None:
    assert len(openvox_sim.tokens) == 1
    await hass.config_entries.async_unload(openvox.entry_id)
    assert openvox_sim.tokens == {}


async def test_an_sms_pushed_and_polled_fires_once(
    hass: HomeAssistant,
    openvox_sim: OpenvoxSimulator,
    openvox: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_options(hass, openvox, receive_mode="both")
    await point_pushes_at(openvox_sim, hass_client_no_auth)
    received = async_capture_events(hass, EVENT_SMS_RECEIVED)
    await next_poll(hass, freezer)  # the inbox baseline
    await openvox_sim.inject_incoming(1, "10086", "once")
    await hass.async_block_till_done()
    await next_poll(hass, freezer)  # the inbox has it too, with its id
    assert [e.data["text"] for e in received] == ["once"]


async def test_send_ussd_waits_for_the_reply_with_its_id(
    hass: HomeAssistant,
    openvox_sim: OpenvoxSimulator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """The reply comes as the USSD page's GET push; only its own id ends the wait."""
    import asyncio

    from .test_ussd import until

    entry = with_ussd_account(openvox_sim)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    client = await hass_client_no_auth()
    openvox_sim.ussd_push_url = str(client.make_url(f"/api/webhook/{WEBHOOK_ID}"))
    call = asyncio.ensure_future(
        hass.services.async_call(
            DOMAIN,
            "send_ussd",
            {"port": "1", "code": "*#301"},
            blocking=True,
            return_response=True,
        )
    )
    await until(lambda: "1" in entry.runtime_data.inbound.ussd.open)
    [(port, code, session_id)] = openvox_sim.ussd_pending
    # A reply to another session (an older id) does not end this one.
    openvox_sim.ussd_pending[0] = (port, code, "not-this-one")
    await openvox_sim.advance()
    await hass.async_block_till_done()
    assert not call.done()
    openvox_sim.ussd_pending.append((port, code, session_id))
    await openvox_sim.advance()
    assert await call == {"port": "1", "reply": "Balance 12.50 (*#301)"}
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        ("0", "5", "network time out"),
        ("0", "4", "operation not supported"),
        ("1", "0", "status 1"),
    ],
)
async def test_a_failed_ussd_is_no_reply(
    hass: HomeAssistant,
    openvox_sim: OpenvoxSimulator,
    hass_client_no_auth: ClientSessionGenerator,
    status: str,
    code: str,
    error: str,
) -> None:
    """The push's `status` and `code` say the USSD failed: the action says so
    (not an empty reply), and the event carries the reason. The action's
    `timeout` is what the gateway is asked to wait."""
    import asyncio

    from homeassistant.exceptions import HomeAssistantError

    from custom_components.sms_gateway.const import EVENT_USSD_REPLY

    from .test_ussd import until

    entry = with_ussd_account(openvox_sim)
    events = async_capture_events(hass, EVENT_USSD_REPLY)
    async with loaded(hass, entry):
        client = await hass_client_no_auth()
        openvox_sim.point_pushes(str(client.make_url(f"/api/webhook/{WEBHOOK_ID}")))
        openvox_sim.ussd_failures["*#301"] = (status, code)
        openvox_sim.recording = []
        call = asyncio.ensure_future(
            hass.services.async_call(
                DOMAIN,
                "send_ussd",
                {"port": "1", "code": "*#301", "timeout": 12},
                blocking=True,
                return_response=True,
            )
        )
        await until(lambda: openvox_sim.ussd_pending)
        [(_, path, _, body)] = openvox_sim.recording
        assert path == "/service/sendussd" and b"timeout=12" in body
        await openvox_sim.advance()
        with pytest.raises(HomeAssistantError) as err:
            await call
        assert err.value.translation_key == "ussd_failed"
        assert err.value.translation_placeholders == {"port": "1", "error": error}
    assert [(e.data["port"], e.data["error"]) for e in events] == [("1", error)]


async def test_send_ussd_without_the_ussd_account(
    hass: HomeAssistant, openvox_sim: OpenvoxSimulator, openvox: MockConfigEntry
) -> None:
    from homeassistant.exceptions import ServiceValidationError

    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "send_ussd",
            {"port": "1", "code": "*#301"},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "rejected_not_configured"


async def test_a_set_up_that_fails_after_login_logs_out(
    hass: HomeAssistant, openvox_sim: OpenvoxSimulator
) -> None:
    """Each retry of a failed set-up logs in: its token is given back each time."""
    from custom_components.sms_gateway.gateways.errors import GatewayConnectionError
    from custom_components.sms_gateway.gateways.openvox import OpenvoxGateway

    real_status = OpenvoxGateway.async_get_status

    async def status_then_fail(gateway: OpenvoxGateway) -> Any:
        await real_status(gateway)  # logs in
        raise GatewayConnectionError("the gateway went away after the login")

    entry = MockConfigEntry(domain=DOMAIN, data=openvox_data(openvox_sim))
    entry.add_to_hass(hass)
    with patch.object(OpenvoxGateway, "async_get_status", status_then_fail):
        assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert openvox_sim.issued  # it did log in
    assert openvox_sim.tokens == {}

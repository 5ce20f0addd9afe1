"""`sms_gateway.send_sms`, and delivery reports carrying the ids it returned."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
)
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import voluptuous as vol

from custom_components.sms_gateway.const import DOMAIN, EVENT_DELIVERY_REPORT
from simulator.goip import GoipSimulator

from .conftest import (
    PASSWORD,
    WEBHOOK_ID,
    device_of,
    goip_data,
    next_poll,
    send_sms as send,
)


async def test_send_returns_a_message_id_per_recipient(
    hass: HomeAssistant, goip_sim: GoipSimulator, init_integration: MockConfigEntry
) -> None:
    response = await send(
        hass, recipients="13600000000, 136-1111-1111;13600000000", message="测试"
    )
    assert response == {
        "messages": [
            {
                "recipient": "13600000000",
                "message_id": "5689.13600000000",
                "accepted": True,
                "reason": None,
                "task_id": "5689",
            },
            {
                "recipient": "13611111111",
                "message_id": "5689.13611111111",
                "accepted": True,
                "reason": None,
                "task_id": "5689",
            },
        ],
        "merged": ["13600000000"],
    }
    assert [sub.number for sub in goip_sim.tasks["5689"]] == [
        "13600000000",
        "13611111111",
    ]


async def test_send_through_a_port_device_or_a_provider(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    goip_sim.set_line("G104", provider="联通")
    port_device = device_of(hass, init_integration, "G103")
    gateway_device = device_of(hass, init_integration)
    await send(hass, device_id=port_device.id, recipients=["13600000000"], message="a")  # type: ignore[union-attr]
    await send(
        hass,
        device_id=gateway_device.id,
        recipients=["13600000000"],
        message="b",
        provider="联通",
    )  # type: ignore[union-attr]
    await send(
        hass,
        device_id=port_device.id,
        recipients=["13600000000"],
        message="c",
        port="G102",
    )  # type: ignore[union-attr]
    await goip_sim.advance()
    assert [task[0].goip_line for task in goip_sim.tasks.values()] == [
        "G103",
        "G104",
        "G102",
    ]


async def test_delivery_reports_carry_the_returned_ids(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    client = await hass_client_no_auth()
    goip_sim.result_url = str(client.make_url(f"/api/webhook/{WEBHOOK_ID}"))
    goip_sim.fail_numbers["13611111111"] = "42"
    reports = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    response = await send(hass, recipients=["13600000000", "13611111111"], message="hi")
    ids = [message["message_id"] for message in response["messages"]]
    for _ in range(4):
        await goip_sim.advance()
    await hass.async_block_till_done()
    assert [
        (
            r.data["message_id"],
            r.data["recipient"],
            r.data["status"],
            r.data["error_code"],
            r.data["error_text"],
        )
        for r in reports
    ] == [
        (ids[0], "13600000000", "sent", None, None),
        (ids[1], "13611111111", "failed", "42", "Congestion"),
        (ids[0], "13600000000", "delivered", None, None),
    ]
    assert {r.data["port"] for r in reports} == {"G101", "G102"}
    state = hass.states.get("event.goip_sms_server_delivery_report")
    assert state.attributes["event_type"] == "delivered"
    assert state.attributes["message_id"] == ids[0]


async def test_reports_are_polled_when_no_push_arrives(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Messages in flight are asked for with `querysms` at each poll until final."""
    reports = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    response = await send(hass, recipients=["13600000000"], message="hi")

    await next_poll(hass, freezer)
    assert reports == []
    await goip_sim.advance()
    await goip_sim.advance()
    await next_poll(hass, freezer)
    assert [(r.data["message_id"], r.data["status"]) for r in reports] == [
        (response["messages"][0]["message_id"], "sent")
    ]
    goip_sim.requests.clear()
    await next_poll(hass, freezer)
    assert goip_sim.requests == ["/goip/querylines/"]
    assert len(reports) == 1


async def test_report_polling_errors_keep_entities_available(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await send(hass, recipients=["13600000000"], message="hi")
    goip_sim.canned["/goip/querysms/"] = (200, "{}")
    await next_poll(hass, freezer)
    assert hass.states.get("binary_sensor.goip_sms_server_g101_online").state == "on"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"recipients": "13600000000", "message": "  "}, "empty_message"),
        ({"recipients": " , ", "message": "x"}, "no_recipients"),
        ({"recipients": "call me", "message": "x"}, "invalid_number"),
        ({"recipients": "13600000000", "message": "x", "port": "G9"}, "unknown_port"),
        (
            {"recipients": "13600000000", "message": "x", "port": "G104"},
            "port_not_ready",
        ),
        (
            {"recipients": "13600000000", "message": "x", "provider": "nope"},
            "rejected_no_provider",
        ),
        (
            {"recipients": "13600000000", "message": "x", "device_id": "nope"},
            "unknown_device",
        ),
    ],
)
async def test_refused_sends_send_nothing(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    mock_config_entry: MockConfigEntry,
    data: dict[str, Any],
    key: str,
) -> None:
    goip_sim.set_line("G104", reg="LOGOUT")
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, **data)
    assert err.value.translation_key == key
    assert goip_sim.tasks == {}
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_send_while_the_server_fails(
    hass: HomeAssistant, goip_sim: GoipSimulator, init_integration: MockConfigEntry
) -> None:
    goip_sim.fault = "http500"
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, recipients="13600000000", message="x")
    assert err.value.translation_key == "cannot_connect"
    goip_sim.fault = "malformed"
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, recipients="13600000000", message="x")
    assert err.value.translation_key == "unexpected_answer"


async def test_send_with_revoked_credentials_starts_reauth(
    hass: HomeAssistant, goip_sim: GoipSimulator, init_integration: MockConfigEntry
) -> None:
    goip_sim.password = "revoked"
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, recipients="13600000000", message="x")
    assert err.value.translation_key == "invalid_auth"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_which_gateway_without_a_device(
    hass: HomeAssistant, goip_sim: GoipSimulator, init_integration: MockConfigEntry
) -> None:
    other_sim = GoipSimulator(password=PASSWORD)
    await other_sim.start()
    other = MockConfigEntry(
        domain=DOMAIN, title="Other", data=goip_data(other_sim, webhook_id="x" * 32)
    )
    other.add_to_hass(hass)
    try:
        await hass.config_entries.async_setup(other.entry_id)
        await hass.async_block_till_done()
        with pytest.raises(ServiceValidationError) as err:
            await send(hass, recipients="13600000000", message="x")
        assert err.value.translation_key == "device_required"
        await hass.config_entries.async_unload(other.entry_id)
        await hass.config_entries.async_unload(init_integration.entry_id)
        with pytest.raises(ServiceValidationError) as err:
            await send(hass, recipients="13600000000", message="x")
        assert err.value.translation_key == "not_loaded"
    finally:
        await other_sim.stop()


async def test_a_device_of_another_integration_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    foreign = MockConfigEntry(domain="other")
    foreign.add_to_hass(hass)
    device = device_registry.async_get_or_create(
        config_entry_id=foreign.entry_id, identifiers={("other", "1")}
    )
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, device_id=device.id, recipients="13600000000", message="x")
    assert err.value.translation_key == "unknown_device"


async def test_routing_a_gateway_cannot_do_is_refused(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The checks follow the declared capabilities, whatever the vendor."""
    from custom_components.sms_gateway.gateways.models import Capability

    gateway = init_integration.runtime_data.gateway
    monkeypatch.setattr(
        gateway,
        "capabilities",
        gateway.capabilities - {Capability.PORT_ROUTING, Capability.PROVIDER_ROUTING},
    )
    for extra, key in (
        ({"port": "G101"}, "port_not_supported"),
        ({"provider": "p"}, "unsupported_provider_routing"),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await send(hass, recipients="13600000000", message="x", **extra)
        assert err.value.translation_key == key
    assert goip_sim.tasks == {}


async def test_no_line_to_send_is_the_gateways_trouble(
    hass: HomeAssistant, goip_sim: GoipSimulator, init_integration: MockConfigEntry
) -> None:
    """A refusal that is not about the input is a HomeAssistantError."""
    for line in list(goip_sim.lines):
        goip_sim.set_line(line, online=0)
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, recipients="13600000000", message="x")
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == "rejected_no_port"


async def test_a_gateway_chosen_by_entry_or_by_a_list_of_one_device(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    dinstar: MockConfigEntry,
) -> None:
    """Two gateways: `config_entry_id` (the config_entry selector of the newest
    core integrations) or `device_id` as a list, as Home Assistant's targets
    give it, choose one; both at once, or two devices, are refused."""
    await send(
        hass, config_entry_id=init_integration.entry_id, recipients="10086", message="a"
    )
    port_device = device_of(hass, init_integration, "G103")
    await send(hass, device_id=[port_device.id], recipients="10010", message="b")  # type: ignore[union-attr]
    await goip_sim.advance()
    assert [task[0].goip_line for task in goip_sim.tasks.values()][-1] == "G103"
    assert len(goip_sim.tasks) == 2
    for data, key in (
        (
            {"config_entry_id": init_integration.entry_id, "device_id": port_device.id},  # type: ignore[union-attr]
            "device_or_entry",
        ),
        ({"config_entry_id": "nope"}, "unknown_entry"),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await send(hass, recipients="10086", message="x", **data)
        assert err.value.translation_key == key
    gateway = device_of(hass, dinstar)
    with pytest.raises(vol.Invalid):
        await send(
            hass,
            device_id=[port_device.id, gateway.id],  # type: ignore[union-attr]
            recipients="1",
            message="x",
        )


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("set_sim_lock", {"port": "1", "pin": "1234", "locked": True}),
        ("set_sim_number", {"port": "1", "number": "+8613800138001"}),
        ("set_call_forwarding", {"port": "1", "reason": "busy", "number": "10086"}),
        ("stk_get_menu", {"port": "1"}),
        ("stk_select", {"port": "1", "action": "home"}),
    ],
)
async def test_changing_a_sim_or_a_line_is_for_administrators(
    hass: HomeAssistant,
    dinstar: MockConfigEntry,
    hass_read_only_user: Any,
    hass_admin_user: Any,
    action: str,
    data: dict[str, Any],
) -> None:
    """A user who is no administrator may send, not lock a SIM, forward its
    calls or drive its SIM toolkit."""

    async def call(name: str, data: dict[str, Any], user: Any) -> None:
        await hass.services.async_call(
            DOMAIN,
            name,
            data,
            blocking=True,
            context=Context(user_id=user.id),
            return_response=name.startswith("stk"),
        )

    with pytest.raises(Unauthorized):
        await call(action, data, hass_read_only_user)
    await call(action, data, hass_admin_user)
    await call(
        "send_sms",
        {"recipients": "10086", "message": "anyone may send"},
        hass_read_only_user,
    )

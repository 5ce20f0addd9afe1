"""Dinstar through the Home Assistant surface: flow, entities, actions, events."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.sms_gateway.const import (
    DOMAIN,
    EVENT_DELIVERY_REPORT,
    EVENT_SMS_RECEIVED,
)
from simulator.dinstar import SN, DinstarSimulator

from .conftest import PASSWORD, WEBHOOK_ID, next_poll, snapshot_entities, until
from .stored import on_disk
from .test_dinstar_client import refused_handshakes


async def send(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "send_sms", data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


async def test_config_flow_over_https(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "dinstar"}
    )
    assert result["step_id"] == "dinstar"
    schema = result["data_schema"].schema
    assert list(schema) == ["host", "port", "username", "password", "ssl", "verify_ssl"]
    defaults = {
        str(k): k.default() for k in schema if callable(getattr(k, "default", None))
    }
    assert defaults == {
        "port": 443,
        "username": "admin",
        "ssl": True,
        "verify_ssl": True,
    }
    form = {
        "host": "127.0.0.1",
        "port": dinstar_sim.https_port,
        "username": "admin",
        "password": PASSWORD,
        "ssl": True,
        "verify_ssl": True,
    }
    async with refused_handshakes():
        result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
        assert result["errors"] == {"base": "tls_error"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {**form, "verify_ssl": False}
        )
    assert result["step_id"] == "webhook"
    with patch("custom_components.sms_gateway.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "DWG GSM gateway"
    assert result["result"].unique_id == SN
    assert result["data"]["verify_ssl"] is False


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_sensors(
    hass: HomeAssistant,
    dinstar_sim: DinstarSimulator,
    dinstar_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    dinstar_sim.set_port(
        1, reg="NO_SIM", signal=0, imsi="", iccid="", callstate="Ringing"
    )
    dinstar_sim.set_port(2, signal=31, number="13714637674", slot=1)
    dinstar_entry.add_to_hass(hass)
    with patch("custom_components.sms_gateway.PLATFORMS", [Platform.SENSOR]):
        await hass.config_entries.async_setup(dinstar_entry.entry_id)
        await hass.async_block_till_done()
        snapshot_entities(hass, snapshot, dinstar_entry.entry_id)
        await hass.config_entries.async_unload(dinstar_entry.entry_id)


async def test_disabled_by_default(
    hass: HomeAssistant, dinstar: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    disabled = sorted(
        entry.translation_key or ""
        for entry in er.async_entries_for_config_entry(
            entity_registry, dinstar.entry_id
        )
        if entry.disabled_by
        and entry.unique_id.endswith(
            tuple(
                "_" + k
                for k in (
                    "imsi",
                    "iccid",
                    "imei",
                    "number",
                    "slot",
                    "network_type",
                    "remaining_monthly_credit",
                    "remaining_daily_credit",
                )
            )
        )
        and "_0_" in entry.unique_id
    )
    assert disabled == [
        "iccid",
        "imei",
        "imsi",
        "network_type",
        "number",
        "remaining_daily_credit",
        "remaining_monthly_credit",
        "slot",
    ]
    assert hass.states.get("sensor.dwg_port_0_signal").state == "-73"
    assert hass.states.get("sensor.dwg_sms_in_queue").state == "0"


async def test_events_from_pushes_carry_the_returned_ids(
    hass: HomeAssistant,
    dinstar_sim: DinstarSimulator,
    dinstar: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """sms_result (with user_id) and the status report (without) fire once each."""
    client = await hass_client_no_auth()
    dinstar_sim.push_url = str(client.make_url(f"/api/webhook/{WEBHOOK_ID}"))
    received = async_capture_events(hass, EVENT_SMS_RECEIVED)
    reports = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    await dinstar_sim.inject_incoming(2, "10086", "余额 5.00")
    response = await send(hass, recipients="13600000000", message="hi")
    message_id = response["messages"][0]["message_id"]
    for _ in range(4):
        await dinstar_sim.advance()
    await hass.async_block_till_done()
    assert [
        (e.data["sender"], e.data["text"], e.data["port"], e.data["message_id"])
        for e in received
    ] == [("10086", "余额 5.00", "2", "1")]
    assert received[0].data["smsc"] == "+8613800757511"  # the SMS center it came by
    assert [
        (e.data["message_id"], e.data["status"], e.data["recipient"]) for e in reports
    ] == [
        (message_id, "sent", "13600000000"),
        (message_id, "delivered", "13600000000"),
    ]
    assert {pushed[2] for pushed in dinstar_sim.pushes} == {200}


async def test_a_failed_status_report(
    hass: HomeAssistant,
    dinstar_sim: DinstarSimulator,
    dinstar: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    client = await hass_client_no_auth()
    dinstar_sim.push_url = str(client.make_url(f"/api/webhook/{WEBHOOK_ID}"))
    dinstar_sim.report_codes["13600000000"] = 70
    reports = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    message_id = (await send(hass, recipients="13600000000", message="hi"))["messages"][
        0
    ]["message_id"]
    for _ in range(3):
        await dinstar_sim.advance()
    await hass.async_block_till_done()
    assert [
        (e.data["message_id"], e.data["status"], e.data["error_code"]) for e in reports
    ] == [
        (message_id, "sent", None),
        (message_id, "failed", "70"),
    ]


async def test_results_are_polled_without_pushes(
    hass: HomeAssistant,
    dinstar_sim: DinstarSimulator,
    dinstar: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    reports = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    message_id = (await send(hass, recipients="13600000000", message="hi"))["messages"][
        0
    ]["message_id"]
    await dinstar_sim.advance()
    await dinstar_sim.advance()
    await next_poll(hass, freezer)
    assert [(e.data["message_id"], e.data["status"]) for e in reports] == [
        (message_id, "sent")
    ]


async def test_send_options_and_limits(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    await send(
        hass,
        recipients="10086",
        message="hi",
        port="3",
        encoding="ucs2",
        delivery_report=False,
    )
    sms = dinstar_sim.outgoing[-1]
    assert (sms.ports, sms.encoding, sms.report) == ([3], "unicode", False)
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, recipients="10086", message="汉" * 501)
    assert err.value.translation_key == "message_too_long"
    assert err.value.translation_placeholders == {"limit": "1500"}
    dinstar_sim.set_port(1, reg="NO_SIM")
    await hass.config_entries.async_reload(dinstar.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, recipients="10086", message="x", port="1")
    assert err.value.translation_key == "port_not_ready"
    assert len(dinstar_sim.outgoing) == 1


async def test_cancel_task(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    response = await send(hass, recipients="13600000000,13611111111", message="hi")
    task_id = response["messages"][0]["task_id"]
    await hass.services.async_call(
        DOMAIN, "cancel_task", {"task_id": task_id}, blocking=True
    )
    assert dinstar_sim.outgoing == []
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "cancel_task", {"task_id": task_id}, blocking=True
        )
    assert err.value.translation_key == "rejected_task_not_found"
    assert err.value.translation_placeholders["code"] == "486"


async def test_goip_refuses_what_only_dinstar_does(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "cancel_task", {"task_id": "1"}, blocking=True
        )
    assert err.value.translation_key == "unsupported_cancel"
    for option, key in (
        ({"encoding": "gsm7"}, "unsupported_choose_encoding"),
        ({"delivery_report": True}, "unsupported_choose_delivery_report"),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await send(hass, recipients="10086", message="x", **option)
        assert err.value.translation_key == key


async def test_diagnostics_redact_sim_identifiers(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    dinstar_sim: DinstarSimulator,
    dinstar: MockConfigEntry,
) -> None:
    dinstar_sim.set_port(0, number="13714637674")
    await hass.config_entries.async_reload(dinstar.entry_id)
    await hass.async_block_till_done()
    result = await get_diagnostics_for_config_entry(hass, hass_client, dinstar)
    text = json.dumps(result)
    for secret in (
        "13714637674",
        "460004642148000",
        "89860114840400428100",
        "863070017005100",
        PASSWORD,
    ):
        assert secret not in text
    assert result["status"]["ports"]["0"]["imsi"] == "**REDACTED**"
    assert result["status"]["queue_depth"] == 0


@pytest.mark.parametrize(("mode", "webhook"), [("poll", False), ("both", True)])
async def test_incoming_sms_are_polled_when_asked(
    hass: HomeAssistant,
    dinstar_sim: DinstarSimulator,
    dinstar_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
    mode: str,
    webhook: bool,
) -> None:
    """Old SMS set the baseline; new ones fire once; the cursor survives restarts."""
    await dinstar_sim.inject_incoming(0, "10086", "old, before set-up")
    dinstar_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        dinstar_entry, options={"receive_mode": mode}
    )
    await hass.config_entries.async_setup(dinstar_entry.entry_id)
    await hass.async_block_till_done()
    client = await hass_client_no_auth()
    dinstar_sim.push_url = str(client.make_url(f"/api/webhook/{WEBHOOK_ID}"))
    received = async_capture_events(hass, EVENT_SMS_RECEIVED)

    await dinstar_sim.inject_incoming(1, "10086", "first")
    await hass.async_block_till_done()
    await next_poll(hass, freezer)
    await hass.config_entries.async_reload(dinstar_entry.entry_id)
    await hass.async_block_till_done()
    await dinstar_sim.inject_incoming(2, "10010", "second")
    await next_poll(hass, freezer)
    assert [e.data["text"] for e in received] == ["first", "second"]
    # The webhook is there unless polling replaces it.
    assert (WEBHOOK_ID in hass.data["webhook"]) is webhook
    await hass.config_entries.async_unload(dinstar_entry.entry_id)
    assert on_disk(hass, dinstar_entry.entry_id)["inbox_cursor"] == "3"


async def test_a_failing_inbox_poll_keeps_the_entities(
    hass: HomeAssistant,
    dinstar_sim: DinstarSimulator,
    dinstar_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    dinstar_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        dinstar_entry, options={"receive_mode": "poll"}
    )
    await hass.config_entries.async_setup(dinstar_entry.entry_id)
    await hass.async_block_till_done()
    dinstar_sim.canned["/api/query_incoming_sms"] = (200, '{"error_code": 500}')
    await next_poll(hass, freezer)
    assert hass.states.get("sensor.dwg_port_0_signal").state == "-73"
    await hass.config_entries.async_unload(dinstar_entry.entry_id)


async def test_options_offer_the_receive_mode(
    hass: HomeAssistant, dinstar: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(dinstar.entry_id)
    assert list(result["data_schema"].schema) == [
        "poll_interval",
        "default_recipients",
        "default_port",
        "receive_mode",
        "webhook_local_only",
        "webhook_pin_source",
        "time_zone",
        "history_days",
        "history_messages",
    ]
    ports = result["data_schema"].schema["default_port"].config["options"]
    assert ports[:2] == [  # named as the port devices, not a bare number
        {"value": "0", "label": "Port 0"},
        {"value": "1", "label": "Port 1"},
    ]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"poll_interval": 30, "receive_mode": "both", "webhook_local_only": True},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert dinstar.runtime_data.coordinator.polls_inbox


@pytest.mark.parametrize(("code", "final"), [(0, "delivered"), (70, "failed")])
async def test_delivery_is_polled_after_sent(
    hass: HomeAssistant,
    dinstar_sim: DinstarSimulator,
    dinstar: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    code: int,
    final: str,
) -> None:
    """Without pushes, polling goes on past "sent" until the status report."""
    dinstar_sim.report_codes["13600000000"] = code
    reports = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    message_id = (await send(hass, recipients="13600000000", message="hi"))["messages"][
        0
    ]["message_id"]

    await dinstar_sim.advance()
    await dinstar_sim.advance()
    await next_poll(hass, freezer)
    await dinstar_sim.advance()  # the network's status report comes in
    await next_poll(hass, freezer)
    assert [(e.data["message_id"], e.data["status"]) for e in reports] == [
        (message_id, "sent"),
        (message_id, final),
    ]
    dinstar_sim.requests.clear()
    await next_poll(hass, freezer)  # the outcome is known: nothing more is asked
    assert "/api/query_sms_result" not in dinstar_sim.requests


async def test_a_long_sms_reports_its_parts(
    hass: HomeAssistant,
    dinstar_sim: DinstarSimulator,
    dinstar: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """`count` and `succ_count` of `query_sms_result`: 150 Chinese characters
    go in three parts (67 each); a failed one says none of them went."""
    dinstar_sim.fail_numbers.add("13611111111")
    reports = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    await send(hass, recipients="13600000000,13611111111", message="汉" * 150)
    for _ in range(3):
        await dinstar_sim.advance()
        await next_poll(hass, freezer)
    parts = {
        (e.data["recipient"], e.data["status"]): (
            e.data["parts"],
            e.data["parts_sent"],
            e.data["error_text"],
        )
        for e in reports
    }
    assert parts[("13600000000", "sent")] == (3, 3, None)
    assert parts[("13611111111", "failed")] == (3, 0, "0 of 3 parts sent")


async def test_an_empty_inbox_is_a_baseline_too(
    hass: HomeAssistant,
    dinstar_sim: DinstarSimulator,
    dinstar_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The first SMS after an empty inbox fires: it is not taken for an old one."""
    dinstar_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        dinstar_entry, options={"receive_mode": "poll"}
    )
    await hass.config_entries.async_setup(dinstar_entry.entry_id)
    await hass.async_block_till_done()
    received = async_capture_events(hass, EVENT_SMS_RECEIVED)
    await dinstar_sim.inject_incoming(1, "10086", "the very first")
    await next_poll(hass, freezer)
    assert [e.data["text"] for e in received] == ["the very first"]
    await hass.config_entries.async_unload(dinstar_entry.entry_id)


async def test_the_ids_of_a_send_are_on_disk_before_it_leaves(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    """Dinstar's message ids are ours (user_id): kept before the request goes,
    so a crash while it is on its way still matches its reports."""
    dinstar_sim.fault = "timeout"
    sending = hass.async_create_task(
        send(hass, recipients=["13600000000", "13611111111"], message="hi")
    )
    await until(lambda: dinstar_sim.held > 0)
    stored = on_disk(hass, dinstar.entry_id)["sent"]
    assert sorted(record["recipient"] for record in stored.values()) == [
        "13600000000",
        "13611111111",
    ]
    dinstar_sim.release()
    response = await sending
    assert sorted(stored) == sorted(m["message_id"] for m in response["messages"])


async def test_one_send_with_values_for_each_recipient(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    """`text_param`: each recipient's values replace `#param#` in order, in one
    request; the recipients are matched however their numbers are written."""
    await send(
        hass,
        recipients="13600000000, 136 1111 1111",
        message="#param#, your code is #param#",
        text_params={"13600000000": ["Li", "1234"], "136 1111 1111": ["Wang", 5678]},
    )
    assert [(sms.number, sms.text) for sms in dinstar_sim.outgoing] == [
        ("13600000000", "Li, your code is 1234"),
        ("13611111111", "Wang, your code is 5678"),
    ]
    assert dinstar_sim.requests.count("/api/send_sms") == 1
    with pytest.raises(ServiceValidationError) as err:
        await send(
            hass,
            recipients="13600000000",
            message="#param#",
            text_params={"13622222222": ["nobody"]},
        )
    assert err.value.translation_key == "text_params_not_a_recipient"


async def test_values_per_recipient_need_a_gateway_that_fills_them_in(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await send(
            hass,
            recipients="13600000000",
            message="#param#",
            text_params={"13600000000": ["Li"]},
        )
    assert err.value.translation_key == "unsupported_text_params"


async def test_one_send_through_any_of_several_ports(
    hass: HomeAssistant,
    dinstar_sim: DinstarSimulator,
    dinstar: MockConfigEntry,
    init_integration: MockConfigEntry,
) -> None:
    """`port[]` of send_sms: the gateway chooses among the ports named (a list
    of one is one port); a GoIP line is one at a time."""
    await send(
        hass,
        config_entry_id=dinstar.entry_id,
        recipients="13600000000",
        message="hi",
        port=["1", "2"],
    )
    await send(
        hass,
        config_entry_id=dinstar.entry_id,
        recipients="13600000000",
        message="again",
        port=["3"],
    )
    assert [sms.ports for sms in dinstar_sim.outgoing] == [[1, 2], [3]]
    with pytest.raises(ServiceValidationError) as err:
        await send(
            hass,
            config_entry_id=init_integration.entry_id,
            recipients="13600000000",
            message="hi",
            port=["G101", "G102"],
        )
    assert err.value.translation_key == "unsupported_several_ports"

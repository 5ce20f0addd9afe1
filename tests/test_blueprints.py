"""The shipped blueprints, loaded by Home Assistant's blueprint loader and run
against the simulators."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
import json
from pathlib import Path
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.blueprint import models
from homeassistant.components.blueprint.schemas import BLUEPRINT_SCHEMA
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util, yaml as yaml_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulator.dinstar import DinstarSimulator
from simulator.goip import GoipSimulator

from .conftest import WEBHOOK_ID, device_of, until

SHIPPED = Path(__file__).parent.parent / "blueprints" / "automation" / "sms_gateway"


@pytest.fixture(autouse=True)
async def blueprints_installed(hass: HomeAssistant) -> AsyncIterator[None]:
    """The blueprints where HACS or a user puts them; the automations made
    from them turned off at the end (their time triggers with them)."""
    shutil.copytree(
        SHIPPED, hass.config.path("blueprints", "automation", "sms_gateway")
    )
    yield
    if hass.services.has_service("automation", "turn_off"):
        await hass.services.async_call(
            "automation", "turn_off", {"entity_id": "all"}, blocking=True
        )


async def automation(hass: HomeAssistant, name: str, **inputs: Any) -> None:
    """An automation made from the blueprint `name` with `inputs`."""
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "id": name,
                "use_blueprint": {"path": f"sms_gateway/{name}.yaml", "input": inputs},
            }
        },
    )
    await hass.async_block_till_done()


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.yaml")), ids=lambda p: p.stem)
def test_each_is_a_blueprint_of_automations(path: Path) -> None:
    """Read as Home Assistant reads a blueprint file: a valid schema, inputs
    named and described, the integration's events and actions."""
    blueprint = models.Blueprint(
        yaml_util.load_yaml_dict(path),
        expected_domain="automation",
        schema=BLUEPRINT_SCHEMA,
    )
    assert blueprint.name
    assert blueprint.inputs
    assert "sms_gateway" in path.read_text()


async def pushing_goip(
    hass: HomeAssistant, goip_sim: GoipSimulator, client: ClientSessionGenerator
) -> None:
    session = await client()
    goip_sim.point_pushes(str(session.make_url(f"/api/webhook/{WEBHOOK_ID}")))


async def test_forward_every_sms(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    notified = async_mock_service(hass, "notify", "phone")
    await automation(hass, "forward_sms", notify_action="notify.phone")
    await pushing_goip(hass, goip_sim, hass_client_no_auth)
    await goip_sim.inject_incoming("G102", "10086", "余额 12.50")
    await hass.async_block_till_done()
    assert [call.data for call in notified] == [
        {"title": "SMS from 10086", "message": "余额 12.50 (port G102)"}
    ]


async def test_forward_only_one_gateways_sms(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    notified = async_mock_service(hass, "notify", "phone")
    await automation(
        hass, "forward_sms", notify_action="notify.phone", gateway="another-device"
    )
    await pushing_goip(hass, goip_sim, hass_client_no_auth)
    await goip_sim.inject_incoming("G102", "10086", "not for this automation")
    await hass.async_block_till_done()
    assert notified == []


async def test_answer_a_keyword(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """From the same gateway and line; a template in the reply is rendered;
    another text, or a sender not allowed, gets nothing."""
    await automation(
        hass,
        "answer_keyword",
        keyword="Status",
        reply="All fine: {{ 40 + 2 }}",
        allowed_senders="10086, 10010",
    )
    await pushing_goip(hass, goip_sim, hass_client_no_auth)
    goip_sim.recording = []
    await goip_sim.inject_incoming("G103", "10010", "  STATUS ")
    await goip_sim.inject_incoming("G103", "10010", "status please")
    await goip_sim.inject_incoming("G103", "13800000000", "status")
    await hass.async_block_till_done()
    sends = [
        json.loads(body)
        for _, path, _, body in goip_sim.recording
        if path.startswith("/goip/sendsms")
    ]
    assert [(s["number"], s["content"], s["goip_line"]) for s in sends] == [
        ("10010", "All fine: 42", "G103")
    ]


async def test_check_the_balance_every_day(
    hass: HomeAssistant,
    dinstar_sim: DinstarSimulator,
    dinstar: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """At the time given, a USSD through the port; below the threshold, a
    warning with the reply; above it, none."""
    freezer.move_to(
        datetime(2026, 12, 2, 8, 59, 59, tzinfo=dt_util.get_default_time_zone())
    )
    notified = async_mock_service(hass, "notify", "phone")
    session = await hass_client_no_auth()
    dinstar_sim.push_url = str(session.make_url(f"/api/webhook/{WEBHOOK_ID}"))
    port = device_of(hass, dinstar, "2")
    await automation(
        hass,
        "check_balance",
        sim=port.id,  # type: ignore[union-attr]
        code="*125#",
        threshold=10,
        notify_action="notify.phone",
    )
    for balance, warned in (("余额 5.20 元", 1), ("余额 12,50 元", 0)):
        dinstar_sim.ussd_replies["*125#"] = balance
        freezer.tick(86400 if warned == 0 else 1)
        async_fire_time_changed(hass)
        await until(lambda: 2 in dinstar_sim.ussd_pending)
        await dinstar_sim.advance()
        await hass.async_block_till_done()
        assert len(notified) == 1
    assert "5.2" in notified[0].data["message"]
    assert "余额 5.20 元" in notified[0].data["message"]

"""The SIM toolkit of a Dinstar port: read the menu, choose, enter, go home."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.sms_gateway.const import DOMAIN
from custom_components.sms_gateway.gateways.dinstar import DinstarGateway
from custom_components.sms_gateway.gateways.errors import GatewayPayloadError
from custom_components.sms_gateway.gateways.models import StkInput, StkItem, StkView
from simulator.dinstar import DinstarSimulator

from .conftest import PASSWORD, load_fixture
from .test_ussd import later, until


async def stk(hass: HomeAssistant, service: str, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


async def test_walk_the_menu(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    menu = await stk(hass, "stk_get_menu", port="0")
    assert menu == {
        "port": "0",
        "title": "神州行天地",
        "text": None,
        "input_type": "select",
        "frame_id": 750,
        "items": [
            {"id": 1, "text": "轻松问候"},
            {"id": 2, "text": "查询余额"},
            {"id": 15, "text": "SIM 卡信息"},
        ],
    }
    view = await stk(hass, "stk_select", port="0", item=15)
    assert (view["title"], view["items"], view["frame_id"]) == (
        "SIM 卡信息",
        [{"id": 1, "text": "本机号码"}],
        751,
    )
    view = await stk(hass, "stk_select", port="0", item=1)
    assert (view["text"], view["input_type"]) == ("13714637674", "display")
    view = await stk(hass, "stk_select", port="0", action="home")
    assert view["title"] == "神州行天地"
    view = await stk(hass, "stk_select", port="0", item=2)
    assert view["input_type"] == "digits_hidden"
    view = await stk(hass, "stk_select", port="0", input="1234")
    assert view["text"] == "已提交 4 位"
    view = await stk(hass, "stk_select", port="0", action="cancel")
    assert view["title"] == "查询余额"
    # Another port has its own place in the menu.
    assert (await stk(hass, "stk_get_menu", port="1"))["title"] == "神州行天地"


async def test_a_slow_sim_is_waited_for(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    dinstar_sim.stk_slow = True
    call = asyncio.ensure_future(stk(hass, "stk_select", port="0", item=15))
    await until(lambda: dinstar_sim.stk_due)
    await dinstar_sim.advance()
    later(hass, 1)
    assert (await call)["title"] == "SIM 卡信息"


async def test_a_port_without_network_is_locked(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    dinstar_sim.set_port(3, reg="NO_SIM")
    view = await stk(hass, "stk_get_menu", port="3")
    assert (view["input_type"], view["items"]) == ("locked", [])


@pytest.mark.parametrize(
    "choice", [{}, {"item": 1, "action": "ok"}, {"action": "back"}]
)
async def test_exactly_one_choice(
    hass: HomeAssistant, dinstar: MockConfigEntry, choice: dict[str, Any]
) -> None:
    with pytest.raises(vol.Invalid):
        await stk(hass, "stk_select", port="0", **choice)


async def test_goip_has_no_stk(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await stk(hass, "stk_get_menu", port="G101")
    assert err.value.translation_key == "unsupported_stk"


async def test_the_documents_view(session: Any, dinstar_sim: DinstarSimulator) -> None:
    """The example's items are keyed `item_字符串`; input_type is a string."""
    gateway = DinstarGateway(
        session,
        {
            "host": "127.0.0.1",
            "port": dinstar_sim.port,
            "username": "admin",
            "password": PASSWORD,
        },
    )
    dinstar_sim.canned["/GetSTKView"] = (200, load_fixture("dinstar", "stk_view.json"))
    assert await gateway.async_stk_view("0") == StkView(
        title="神州行天地",
        text=None,
        input=StkInput.SELECT,
        frame_id=750,
        items=(
            StkItem(1, "轻松问候"),
            StkItem(2, "短信群发"),
            StkItem(15, "SIM 卡信息"),
        ),
    )
    dinstar_sim.canned["/GetSTKView"] = (200, '{"title": "x", "input_type": "7"}')
    assert (await gateway.async_stk_view("0")).input is StkInput.UNKNOWN
    dinstar_sim.canned["/GetSTKView"] = (200, '{"title": "x"}')
    assert (await gateway.async_stk_view("0")).input is StkInput.UNKNOWN
    for bad in ('{"item": {"a": 1}}', '{"item": [{"item_string": "x"}]}'):
        dinstar_sim.canned["/GetSTKView"] = (200, bad)
        with pytest.raises(GatewayPayloadError):
            await gateway.async_stk_view("0")

"""What `send_sms` is given, for every vendor: numbers are normalised as the
vendor takes them, and what the vendor would refuse is refused with a
translated `ServiceValidationError` before any request.

Choice written down here: the two cloud platforms send within mainland China
(their documents show 11-digit numbers, masked as "135****9831" in reports).
"+86 …" and "0086 …" are sent without the country code, which their reports
would not match; a number with another country code is refused. The GSM
gateways dial what they are given, "+" included.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sms_gateway.const import DOMAIN
from custom_components.sms_gateway.gateways.models import Capability, Registration
from simulator.base import Simulator

from .conftest import loaded
from .vendors import VENDORS

CLOUDS = {"cloud_467890", "cloud_apiv1"}


@pytest.fixture(params=sorted(VENDORS))
async def sim(
    request: pytest.FixtureRequest, socket_enabled: None
) -> AsyncIterator[Simulator]:
    """Each vendor's simulator in turn."""
    simulator = VENDORS[request.param].simulator(4)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def entry(hass: HomeAssistant, sim: Simulator) -> AsyncIterator[MockConfigEntry]:
    """An entry against the simulator, set up."""
    entry = MockConfigEntry(
        domain=DOMAIN, title=sim.vendor, data=VENDORS[sim.vendor].data(sim)
    )
    async with loaded(hass, entry):
        yield entry


async def send(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """`send_sms` with `data`; its response."""
    response = await hass.services.async_call(
        DOMAIN, "send_sms", data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


async def test_numbers_are_normalised_and_merged(
    hass: HomeAssistant, sim: Simulator, entry: MockConfigEntry
) -> None:
    response = await send(
        hass,
        recipients=[
            "136 0000-0000",
            "(136) 0000.0001",
            "+86 136 0000 0002",
            "136-0000-0000",
        ],
        message="normalised",
    )
    cloud = sim.vendor in CLOUDS
    third = "13600000002" if cloud else "+8613600000002"
    assert sorted(VENDORS[sim.vendor].sent_numbers(sim)) == sorted(
        ["13600000000", "13600000001", third]
    )
    assert response["merged"] == ["13600000000"]
    assert {m["recipient"] for m in response["messages"]} == {
        "13600000000",
        "13600000001",
        third,
    }


@pytest.mark.parametrize(
    "number", ["+49 170 1234567", "0049 170 1234567", "0086 136 0000 0003"]
)
async def test_other_countries(
    hass: HomeAssistant, sim: Simulator, entry: MockConfigEntry, number: str
) -> None:
    """A GSM gateway dials them; a domestic platform refuses other countries."""
    domestic = "0086" in number
    if sim.vendor in CLOUDS and not domestic:
        before = len(sim.requests)
        with pytest.raises(ServiceValidationError) as err:
            await send(hass, recipients=[number, "13600000000"], message="x")
        assert err.value.translation_key == "number_not_supported"
        assert err.value.translation_placeholders == {"number": number}
        assert len(sim.requests) == before
        assert not VENDORS[sim.vendor].sent_numbers(sim)
        return
    await send(hass, recipients=number, message="x")
    expected = number.replace(" ", "")
    if sim.vendor in CLOUDS:
        expected = expected.removeprefix("0086")
    assert VENDORS[sim.vendor].sent_numbers(sim) == [expected]


def _refusals(entry: MockConfigEntry) -> list[tuple[dict[str, Any], str]]:
    """What this vendor must refuse, with the translation key of each refusal."""
    gateway = entry.runtime_data.gateway
    cases: list[tuple[dict[str, Any], str]] = [
        ({"message": "   "}, "empty_message"),
        ({"message": "x", "recipients": "call me"}, "invalid_number"),
        ({"message": "x", "recipients": " , ;"}, "no_recipients"),
    ]
    if (limit := gateway.max_message_bytes) is not None:
        cases.append(({"message": "é" * (limit // 2 + 1)}, "message_too_long"))
    if (chars := gateway.max_message_chars) is not None:
        cases.append(({"message": "a" * (chars + 1)}, "message_too_many_characters"))
    if Capability.PORT_ROUTING in gateway.capabilities:
        cases.append(({"message": "x", "port": "no-such-port"}, "unknown_port"))
    else:
        cases.append(({"message": "x", "port": "1"}, "port_not_supported"))
    return cases


async def test_refused_before_any_request(
    hass: HomeAssistant, sim: Simulator, entry: MockConfigEntry
) -> None:
    cases = _refusals(entry)
    assert len(cases) >= 4
    before = len(sim.requests)
    for data, key in cases:
        with pytest.raises(ServiceValidationError) as err:
            await send(hass, **{"recipients": "13600000000", **data})
        assert err.value.translation_key == key, data
    assert len(sim.requests) == before
    assert not VENDORS[sim.vendor].sent_numbers(sim)


async def test_a_port_off_the_network_is_refused(
    hass: HomeAssistant, sim: Simulator, entry: MockConfigEntry
) -> None:
    vendor = VENDORS[sim.vendor]
    if vendor.unregister is None:
        pytest.skip("the platform has no ports")
    vendor.unregister(sim, 1)
    coordinator = entry.runtime_data.coordinator
    await coordinator.async_refresh()
    down = [
        port_id
        for port_id, status in coordinator.data.ports.items()
        if status.registration is Registration.NOT_REGISTERED
    ]
    assert len(down) == 1
    before = len(sim.requests)
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, recipients="13600000000", message="x", port=down[0])
    assert err.value.translation_key == "port_not_ready"
    assert err.value.translation_placeholders == {"port": down[0]}
    assert len(sim.requests) == before
    assert not vendor.sent_numbers(sim)

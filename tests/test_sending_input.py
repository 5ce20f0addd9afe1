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

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sms_gateway.gateways.models import Capability, Registration
from simulator.base import Simulator

from .conftest import send_sms
from .vendors import VENDORS

CLOUDS = {"cloud_467890", "cloud_apiv1"}


async def test_numbers_are_normalised_and_merged(
    hass: HomeAssistant, vendor_sim: Simulator, vendor_entry: MockConfigEntry
) -> None:
    response = await send_sms(
        hass,
        recipients=[
            "136 0000-0000",
            "(136) 0000.0001",
            "+86 136 0000 0002",
            "136-0000-0000",
        ],
        message="normalised",
    )
    cloud = vendor_sim.vendor in CLOUDS
    third = "13600000002" if cloud else "+8613600000002"
    assert sorted(VENDORS[vendor_sim.vendor].sent_numbers(vendor_sim)) == sorted(
        ["13600000000", "13600000001", third]
    )
    assert response["merged"] == ["13600000000"]
    assert {m["recipient"] for m in response["messages"]} == {
        "13600000000",
        "13600000001",
        third,
    }


async def test_each_number_is_read_once_per_send(
    hass: HomeAssistant,
    vendor_sim: Simulator,
    vendor_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bulk send reads each of its numbers once: the check before any
    request leaves them in the vendor's form, and the vendor takes them so."""
    gateway = vendor_entry.runtime_data.gateway
    calls: list[str] = []
    normalize = gateway.normalize_recipient

    def counted(number: str) -> str:
        calls.append(number)
        return normalize(number)

    monkeypatch.setattr(gateway, "normalize_recipient", counted)
    recipients = [f"136 0000 {index:04d}" for index in range(300)]
    response = await send_sms(hass, recipients=recipients, message="once")
    assert sorted(calls) == sorted(recipients)
    assert len(VENDORS[vendor_sim.vendor].sent_numbers(vendor_sim)) == 300
    assert all(message["accepted"] for message in response["messages"])


@pytest.mark.parametrize(
    "number", ["+49 170 1234567", "0049 170 1234567", "0086 136 0000 0003"]
)
async def test_other_countries(
    hass: HomeAssistant,
    vendor_sim: Simulator,
    vendor_entry: MockConfigEntry,
    number: str,
) -> None:
    """A GSM gateway dials them; a domestic platform refuses other countries."""
    domestic = "0086" in number
    if vendor_sim.vendor in CLOUDS and not domestic:
        before = len(vendor_sim.requests)
        with pytest.raises(ServiceValidationError) as err:
            await send_sms(hass, recipients=[number, "13600000000"], message="x")
        assert err.value.translation_key == "number_not_supported"
        assert err.value.translation_placeholders == {"number": number}
        assert len(vendor_sim.requests) == before
        assert not VENDORS[vendor_sim.vendor].sent_numbers(vendor_sim)
        return
    await send_sms(hass, recipients=number, message="x")
    expected = number.replace(" ", "")
    if vendor_sim.vendor in CLOUDS:
        expected = expected.removeprefix("0086")
    assert VENDORS[vendor_sim.vendor].sent_numbers(vendor_sim) == [expected]


def _refusals(vendor_entry: MockConfigEntry) -> list[tuple[dict[str, Any], str]]:
    """What this vendor must refuse, with the translation key of each refusal."""
    gateway = vendor_entry.runtime_data.gateway
    cases: list[tuple[dict[str, Any], str]] = [
        ({"message": "   "}, "empty_message"),
        ({"message": "\ud83d"}, "message_not_text"),
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
    hass: HomeAssistant, vendor_sim: Simulator, vendor_entry: MockConfigEntry
) -> None:
    cases = _refusals(vendor_entry)
    assert len(cases) >= 4
    before = len(vendor_sim.requests)
    for data, key in cases:
        with pytest.raises(ServiceValidationError) as err:
            await send_sms(hass, **{"recipients": "13600000000", **data})
        assert err.value.translation_key == key, data
    assert len(vendor_sim.requests) == before
    assert not VENDORS[vendor_sim.vendor].sent_numbers(vendor_sim)


@pytest.mark.parametrize(
    "vendor_sim",
    sorted(name for name, vendor in VENDORS.items() if vendor.unregister is not None),
    indirect=True,
)
async def test_a_port_off_the_network_is_refused(
    hass: HomeAssistant, vendor_sim: Simulator, vendor_entry: MockConfigEntry
) -> None:
    """Of the vendors with ports: a send through a port off the network is refused."""
    vendor = VENDORS[vendor_sim.vendor]
    assert vendor.unregister is not None
    vendor.unregister(vendor_sim, 1)
    coordinator = vendor_entry.runtime_data.coordinator
    await coordinator.async_refresh()
    down = [
        port_id
        for port_id, status in coordinator.data.ports.items()
        if status.registration is Registration.NOT_REGISTERED
    ]
    assert len(down) == 1
    before = len(vendor_sim.requests)
    with pytest.raises(ServiceValidationError) as err:
        await send_sms(hass, recipients="13600000000", message="x", port=down[0])
    assert err.value.translation_key == "port_not_ready"
    assert err.value.translation_placeholders == {"port": down[0]}
    assert len(vendor_sim.requests) == before
    assert not vendor.sent_numbers(vendor_sim)

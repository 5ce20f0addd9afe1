"""Pushes through a Home Assistant Cloud cloudhook, for every vendor that pushes.

Home Assistant Cloud hands a cloudhook's request to the webhook as a
`MockRequest`: its body whole, no length, no address, its query string as it
came. The cloud platforms are given a cloudhook where there is a subscription;
a user may make one for any other webhook.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from aiohttp.web import Response
from homeassistant.components import webhook
from homeassistant.core import HomeAssistant
from homeassistant.util.aiohttp import MockRequest
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from yarl import URL

from custom_components.sms_gateway.const import (
    EVENT_DELIVERY_REPORT,
    EVENT_SMS_RECEIVED,
)
from simulator.base import Simulator

from .conftest import WEBHOOK_ID, load_fixture
from .vendors import VENDORS

RECEIVING = sorted(name for name, vendor in VENDORS.items() if vendor.receives)


async def through_cloudhook(
    hass: HomeAssistant,
    content: bytes,
    kind: str,
    query: str = "",
    method: str = "POST",
) -> Response:
    """A push, as Home Assistant Cloud hands a cloudhook's to the webhook."""
    return await webhook.async_handle_webhook(
        hass,
        WEBHOOK_ID,
        MockRequest(
            content=content,
            mock_source="cloud",
            method=method,
            headers={"Content-Type": kind},
            query_string=query,
        ),
    )


async def push_through_cloudhook(
    hass: HomeAssistant, method: str, url: str, body: dict[str, Any]
) -> Response:
    """A simulator's push (as `Simulator.deliver` is given it), through a cloudhook."""
    if "json" in body:
        content, kind = json.dumps(body["json"]).encode(), "application/json"
    elif isinstance(body.get("data"), dict):
        content = urlencode(body["data"]).encode()
        kind = "application/x-www-form-urlencoded"
    else:
        content, kind = str(body.get("data", "")).encode(), "text/plain"
    return await through_cloudhook(
        hass, content, kind, URL(url).raw_query_string, method
    )


@pytest.mark.parametrize("vendor_sim", RECEIVING, indirect=True)
async def test_a_cloudhooks_push_fires(
    hass: HomeAssistant, vendor_sim: Simulator, vendor_entry: MockConfigEntry
) -> None:
    """Read as a push over HTTP is: it fires, once (a cloudhook's push was
    answered 200 and lost before: its body was read by its length)."""
    made: list[tuple[str, str, dict[str, Any]]] = []

    async def capture(method: str, url: str, record: Any, **body: Any) -> int:
        made.append((method, url, body))
        return 200

    vendor_sim.deliver = capture  # type: ignore[method-assign]
    vendor_sim.point_pushes(f"http://127.0.0.1:8123/api/webhook/{WEBHOOK_ID}")
    received = async_capture_events(hass, EVENT_SMS_RECEIVED)
    await vendor_sim.receive(0, "13800000001", "via the cloud")
    assert len(made) == 1
    for _ in range(2):  # the cloud passing the gateway's retry: fires once
        response = await push_through_cloudhook(hass, *made[0])
        assert response.status == 200
    await hass.async_block_till_done()
    assert [event.data["text"] for event in received] == ["via the cloud"]


@pytest.mark.parametrize("vendor_sim", ["cloud_467890"], indirect=True)
async def test_a_cloudhooks_delivery_report_fires(
    hass: HomeAssistant, vendor_sim: Simulator, vendor_entry: MockConfigEntry
) -> None:
    """The 467890 platform, given a cloudhook by the config flow where there is
    a subscription, pushes delivery reports only."""
    reports = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    response = await through_cloudhook(
        hass, load_fixture("cloud_467890", "report.txt").encode(), "text/plain"
    )
    await hass.async_block_till_done()
    assert response.status == 200
    assert len(reports) == 1

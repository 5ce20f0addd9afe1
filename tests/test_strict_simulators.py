"""The simulators are no kinder than the documents (or, where a document is
silent, than the real devices as public code shows them).

Each case is what a test of the integration would otherwise pass against
behaviour no gateway has.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from custom_components.sms_gateway.gateways.errors import (
    GatewayRejectedError,
    RejectKind,
)
from custom_components.sms_gateway.gateways.models import SendRequest
from simulator.cloud_467890 import Cloud467890Simulator
from simulator.dinstar import DinstarSimulator
from simulator.goip import GoipSimulator
from simulator.openvox import OpenvoxSimulator

from .test_cloud_467890 import PWD, UID, client as cloud_client
from .test_dinstar_client import client as dinstar_client
from .test_goip_client import client as goip_client
from .test_openvox_client import client as openvox_client


async def test_goip_leaves_a_send_to_an_offline_line_unsent_for_good(
    session: aiohttp.ClientSession, goip_sim: GoipSimulator
) -> None:
    """The SMS Server accepts it, and never sends it, not even once the line is
    back (as its users report it: the task stays "unsend")."""
    goip_sim.set_line("G102", online=0, reg="")
    result = await goip_client(session, goip_sim).async_send(
        SendRequest(("13600000000",), "hi", port="G102")
    )
    assert [r.accepted for r in result.results] == [True]
    goip_sim.set_line("G102", online=1, reg="Y")
    for _ in range(3):
        await goip_sim.advance()
    [sub] = goip_sim.tasks[result.results[0].task_id or ""]
    assert sub.send == "unsend"


async def test_dinstar_reads_the_time_filters_of_results_and_reports(
    session: aiohttp.ClientSession, dinstar_sim: DinstarSimulator
) -> None:
    """`time_after` and `time_before` of `query_sms_result` and
    `query_sms_deliver_status` ("sent after / before this time")."""
    gateway = dinstar_client(session, dinstar_sim)
    await gateway.async_send(SendRequest(("13600000000",), "hi"))
    for _ in range(3):
        await dinstar_sim.advance()
    for path in ("/api/query_sms_result", "/api/query_sms_deliver_status"):
        for window, found in (
            ({"time_after": "2000-01-01 00:00:00"}, 1),
            ({"time_before": "2000-01-01 00:00:00"}, 0),
            ({"time_after": "2999-01-01 00:00:00"}, 0),
        ):
            answer = await gateway._call(
                "POST", path, payload={"number": ["13600000000"], **window}
            )
            assert len(answer["result"]) == found, (path, window)


async def test_openvox_inbox_reads_its_flag_and_filters(
    session: aiohttp.ClientSession, openvox_sim: OpenvoxSimulator
) -> None:
    """`flag` all, unread or read; `phone_number_filter`; the datetime filters;
    `read` and `unread` count what the filters match, and what was handed out
    is read from then on."""
    gateway = openvox_client(session, openvox_sim)
    await openvox_sim.inject_incoming(1, "10086", "one", "2024/10/27 14:34:32")
    await openvox_sim.inject_incoming(2, "10010", "two", "2024/10/28 16:18:22")

    async def inbox(**form: Any) -> tuple[list[str], int, int]:
        data = await gateway._call("/smsinbox/get", form)
        texts = [sms["message"].lstrip("\ufeff") for sms in data["sms"]]
        return texts, data["read"], data["unread"]

    assert await inbox(flag="unread", phone_number_filter="10086") == (["one"], 0, 1)
    assert await inbox(flag="unread") == (["two"], 1, 1)
    assert await inbox(flag="read") == (["two", "one"], 2, 0)
    assert await inbox(flag="all", start_datetime_filter="2024/10/28 00:00:00") == (
        ["two"],
        1,
        0,
    )
    assert await inbox(end_datetime_filter="2024/10/28 00:00:00") == (["one"], 1, 0)


async def test_openvox_outbox_reads_its_datetime_filters(
    session: aiohttp.ClientSession, openvox_sim: OpenvoxSimulator
) -> None:
    gateway = openvox_client(session, openvox_sim)
    await gateway.async_send(SendRequest(("10086",), "hi", port="1"))
    for start, found in (("2000-01-01 00:00:00", 1), ("2999-01-01 00:00:00", 0)):
        data = await gateway._call("/smsoutbox/get", {"start_datetime_filter": start})
        assert len(data["sms"]) == found


@pytest.mark.parametrize("down", [False, True])
async def test_467890_answers_respcode_7_when_sending_fails(
    session: aiohttp.ClientSession, socket_enabled: None, down: bool
) -> None:
    """respCode 7, "Failed to send": the platform's channel fails; nothing is
    charged and nothing is sent."""
    sim = Cloud467890Simulator(username=UID, password=PWD)
    await sim.start()
    sim.channel_down = down
    gateway = cloud_client(session, sim)
    try:
        if not down:
            await gateway.async_send(SendRequest(("13600000000",), "hi"))
            return
        with pytest.raises(GatewayRejectedError) as err:
            await gateway.async_send(SendRequest(("13600000000",), "hi"))
        assert (err.value.code, err.value.kind) == ("7", RejectKind.GATEWAY_FAILURE)
        assert sim.due == []
        assert (await gateway.async_get_status()).balance == 100.0
    finally:
        await sim.stop()

"""The control API of each vendor's simulator (`/_control/...`).

What tests and scripts/develop drive a simulator with, apart from the vendor's
own API; the generic part (faults, state, pushes) is in `base`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from functools import partial
from typing import Any

from aiohttp import web

from .base import NOW, Simulator, json_response
from .cloud_467890 import Cloud467890Simulator
from .cloud_apiv1 import CloudApiV1Simulator
from .dinstar import DinstarSimulator
from .goip import GoipSimulator
from .openvox import OpenvoxSimulator, Span


async def _set_fields(
    request: web.Request, key: str, set_one: Callable[[Any, dict[str, Any]], Any]
) -> web.Response:
    """Set the fields of the line or port named by the body's `key`.

    400 for a missing key or an unknown field.
    """
    body = dict(await request.json())
    try:
        changed = set_one(body.pop(key), body)
    except (KeyError, ValueError) as err:
        return json_response({"error": str(err)}, status=400)
    return json_response(asdict(changed))


async def goip_config(sim: GoipSimulator, request: web.Request) -> web.Response:
    """`POST /_control/config`."""
    body = await request.json()
    for key in ("username", "password", "result_url", "receive_url", "receipts"):
        if key in body:
            setattr(sim, key, body[key])
    if "fail_numbers" in body:
        sim.fail_numbers = {str(k): str(v) for k, v in body["fail_numbers"].items()}
    return json_response(sim.state())


async def goip_line(sim: GoipSimulator, request: web.Request) -> web.Response:
    """`POST /_control/line`."""
    return await _set_fields(
        request, "goip_line", lambda v, f: sim.set_line(str(v), **f)
    )


async def goip_delete(sim: GoipSimulator, request: web.Request) -> web.Response:
    """`DELETE /_control/line/{goip_line}`."""
    if request.match_info["goip_line"] not in sim.lines:
        return json_response({"error": "no such line"}, status=404)
    sim.remove_line(request.match_info["goip_line"])
    return json_response({"removed": request.match_info["goip_line"]})


async def goip_incoming(sim: GoipSimulator, request: web.Request) -> web.Response:
    """`POST /_control/incoming`."""
    body = await request.json()
    try:
        payload = await sim.inject_incoming(
            str(body["goip_line"]),
            str(body["from_number"]),
            str(body["content"]),
            body.get("recv_time") or NOW,
        )
    except KeyError as err:
        return json_response({"error": f"missing {err}"}, status=400)
    return json_response(payload)


async def dinstar_config(sim: DinstarSimulator, request: web.Request) -> web.Response:
    """`POST /_control/config`."""
    body = await request.json()
    for key in ("username", "password"):
        if key in body:
            setattr(sim, key, body[key])
    if "push_url" in body:
        sim.push_url = body["push_url"]
    if "push_kinds" in body:
        sim.push_kinds = set(body["push_kinds"])
    if "fail_numbers" in body:
        sim.fail_numbers = set(body["fail_numbers"])
    if "ussd_replies" in body:
        sim.ussd_replies = dict(body["ussd_replies"])
    if "report_codes" in body:
        sim.report_codes = {str(k): int(v) for k, v in body["report_codes"].items()}
    return json_response(sim.state())


async def dinstar_port(sim: DinstarSimulator, request: web.Request) -> web.Response:
    """`POST /_control/port`."""
    return await _set_fields(request, "port", lambda v, f: sim.set_port(int(v), **f))


async def dinstar_delete_port(
    sim: DinstarSimulator, request: web.Request
) -> web.Response:
    """`DELETE /_control/port/{port}`."""
    if sim.ports.pop(int(request.match_info["port"]), None) is None:
        return json_response({"error": "no such port"}, status=404)
    return json_response({"removed": int(request.match_info["port"])})


async def port_incoming(
    sim: DinstarSimulator | OpenvoxSimulator, request: web.Request
) -> web.Response:
    """`POST /_control/incoming` of a gateway whose ports are numbered."""
    body = await request.json()
    try:
        sms = await sim.inject_incoming(
            int(body["port"]), str(body["number"]), str(body["text"])
        )
    except KeyError as err:
        return json_response({"error": f"missing {err}"}, status=400)
    return json_response(sms)


async def dinstar_register(sim: DinstarSimulator, request: web.Request) -> web.Response:
    """`POST /_control/register`."""
    body = await request.json()
    await sim.register(int(body["port"]), bool(body["up"]))
    return json_response({"port": body["port"]})


async def dinstar_power(sim: DinstarSimulator, request: web.Request) -> web.Response:
    """`POST /_control/power`."""
    await sim.power(bool((await request.json())["on"]))
    return json_response({})


async def dinstar_exception(
    sim: DinstarSimulator, request: web.Request
) -> web.Response:
    """`POST /_control/exception`."""
    body = await request.json()
    await sim.exception(int(body["port"]), str(body["type"]), str(body["action"]))
    return json_response({})


async def dinstar_call(sim: DinstarSimulator, request: web.Request) -> web.Response:
    """`POST /_control/call`."""
    body = await request.json()
    record = await sim.call(
        int(body["port"]),
        str(body["source"]),
        str(body["destination"]),
        int(body["duration"]),
    )
    return json_response(record)


async def openvox_span(sim: OpenvoxSimulator, request: web.Request) -> web.Response:
    """`POST /_control/span`."""
    body = dict(await request.json())
    span = sim.spans.get(int(body.pop("port", 0)))
    if span is None or not set(body) <= set(Span.__dataclass_fields__):
        return json_response({"error": "no such port or field"}, status=400)
    for key, value in body.items():
        setattr(span, key, value)
    return json_response(asdict(span))


async def openvox_clock(sim: OpenvoxSimulator, request: web.Request) -> web.Response:
    """`POST /_control/clock`."""
    sim.clock_offset += float((await request.json())["seconds"])
    return json_response({"offset": sim.clock_offset})


async def cloud_467890_config(
    sim: Cloud467890Simulator, request: web.Request
) -> web.Response:
    """`POST /_control/config`."""
    body = await request.json()
    if "report_url" in body:
        sim.report_url = body["report_url"]
    if "undelivered" in body:
        sim.undelivered = set(body["undelivered"])
    if "balance" in body:
        sim.accounts[sim.username].balance = float(body["balance"])
    if "frozen" in body:
        sim.accounts[sim.username].frozen = bool(body["frozen"])
    return json_response(sim.state())


async def cloud_apiv1_config(
    sim: CloudApiV1Simulator, request: web.Request
) -> web.Response:
    """`POST /_control/config`."""
    body = await request.json()
    for key in ("report_url", "mo_url", "balance", "payment", "mask_numbers"):
        if key in body:
            setattr(sim, key, body[key])
    if "failures" in body:
        sim.failures = dict(body["failures"])
    return json_response({"balance": sim.balance})


Handler = Callable[[Any, web.Request], Awaitable[web.Response]]
# vendor -> (method, path, handler)
ROUTES: dict[str, tuple[tuple[str, str, Handler], ...]] = {
    "goip": (
        ("POST", "/_control/config", goip_config),
        ("POST", "/_control/line", goip_line),
        ("DELETE", "/_control/line/{goip_line}", goip_delete),
        ("POST", "/_control/incoming", goip_incoming),
    ),
    "dinstar": (
        ("POST", "/_control/config", dinstar_config),
        ("POST", "/_control/port", dinstar_port),
        ("DELETE", "/_control/port/{port}", dinstar_delete_port),
        ("POST", "/_control/incoming", port_incoming),
        ("POST", "/_control/register", dinstar_register),
        ("POST", "/_control/power", dinstar_power),
        ("POST", "/_control/exception", dinstar_exception),
        ("POST", "/_control/call", dinstar_call),
    ),
    "openvox": (
        ("POST", "/_control/incoming", port_incoming),
        ("POST", "/_control/span", openvox_span),
        ("POST", "/_control/clock", openvox_clock),
    ),
    "cloud_467890": (("POST", "/_control/config", cloud_467890_config),),
    "cloud_apiv1": (("POST", "/_control/config", cloud_apiv1_config),),
}


def add_control_routes(sim: Simulator) -> None:
    """The control routes of `sim`'s vendor, beside the vendor's API."""
    for method, path, handler in ROUTES.get(sim.vendor, ()):
        sim.app.router.add_route(method, path, partial(handler, sim))

"""Every vendor, the same way: its simulator, entry data, pushes and incoming SMS.

Tests that must hold for all five vendors (faults, exactly once, webhook
fuzzing) take their vendor from `VENDORS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from custom_components.sms_gateway.const import CONF_VENDOR
from simulator.base import Simulator
from simulator.cloud_467890 import Cloud467890Simulator
from simulator.cloud_apiv1 import CloudApiV1Simulator
from simulator.dinstar import DinstarSimulator
from simulator.goip import GoipSimulator
from simulator.openvox import OpenvoxSimulator

from .conftest import PASSWORD, WEBHOOK_ID, lan_data

CLOUD_ACCOUNT = "10001"
# The account of OpenVox's USSD page (its simulator's), beside the API's.
USSD_ACCOUNT = {"ussd_username": "ussduser", "ussd_password": "ussdpwd"}


@dataclass(frozen=True, kw_only=True)
class Vendor:
    """How a test drives one vendor's simulator."""

    name: str
    simulator: Callable[[int], Simulator]  # ports -> a simulator, not started
    data: Callable[[Simulator], dict[str, Any]]
    receives: bool  # whether SMS arrive (`Simulator.receive`)
    sent_numbers: Callable[[Simulator], list[str]]  # as the requests named them
    # port index: its SIM drops off the network (None: the vendor has no ports)
    unregister: Callable[[Simulator, int], None] | None


def _cloud(vendor: str, sim: Simulator, account_key: str) -> dict[str, Any]:
    return {
        CONF_VENDOR: vendor,
        "base_url": sim.url,
        account_key: CLOUD_ACCOUNT,
        "password": PASSWORD,
        "webhook_id": WEBHOOK_ID,
    }


def _unregister_goip(sim: Any, port: int) -> None:
    sim.set_line(list(sim.lines)[port], reg="LOGOUT")


def _unregister_dinstar(sim: Any, port: int) -> None:
    sim.set_port(port, reg="UNREGISTER")


def _unregister_openvox(sim: Any, port: int) -> None:
    sim.spans[port + 1].registered = False


def _due_numbers(sim: Any) -> list[str]:
    return [number for _, number in sim.due]


VENDORS: dict[str, Vendor] = {
    vendor.name: vendor
    for vendor in (
        Vendor(
            name="goip",
            simulator=lambda ports: GoipSimulator("admin", PASSWORD, lines=ports),
            data=lambda sim: lan_data("goip", sim),
            receives=True,
            sent_numbers=lambda sim: [
                sub.number for subs in sim.tasks.values() for sub in subs
            ],
            unregister=_unregister_goip,
        ),
        Vendor(
            name="dinstar",
            simulator=lambda ports: DinstarSimulator("admin", PASSWORD, ports=ports),
            data=lambda sim: lan_data("dinstar", sim),
            receives=True,
            sent_numbers=lambda sim: [sms.number for sms in sim.outgoing],
            unregister=_unregister_dinstar,
        ),
        Vendor(
            name="openvox",
            simulator=lambda ports: OpenvoxSimulator("admin", PASSWORD, ports=ports),
            data=lambda sim: lan_data("openvox", sim),
            receives=True,
            sent_numbers=lambda sim: [sms.phonenumber for sms in sim.outbox],
            unregister=_unregister_openvox,
        ),
        Vendor(
            name="cloud_467890",
            simulator=lambda ports: Cloud467890Simulator(CLOUD_ACCOUNT, PASSWORD),
            data=lambda sim: _cloud("cloud_467890", sim, "uid"),
            receives=False,
            sent_numbers=_due_numbers,
            unregister=None,
        ),
        Vendor(
            name="cloud_apiv1",
            simulator=lambda ports: CloudApiV1Simulator(CLOUD_ACCOUNT, PASSWORD),
            data=lambda sim: _cloud("cloud_apiv1", sim, "account"),
            receives=True,
            sent_numbers=_due_numbers,
            unregister=None,
        ),
    )
}

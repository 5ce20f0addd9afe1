"""Simulated gateways speaking each vendor's API over real HTTP."""

from __future__ import annotations

from .base import Simulator
from .cloud_467890 import Cloud467890Simulator
from .cloud_apiv1 import CloudApiV1Simulator
from .dinstar import DinstarSimulator
from .goip import GoipSimulator
from .openvox import OpenvoxSimulator

SIMULATORS: dict[str, type[Simulator]] = {
    simulator.vendor: simulator
    for simulator in (
        GoipSimulator,
        DinstarSimulator,
        OpenvoxSimulator,
        Cloud467890Simulator,
        CloudApiV1Simulator,
    )
}

__all__ = ["SIMULATORS", "Simulator"]

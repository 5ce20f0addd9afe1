"""Simulated gateways speaking each vendor's API over real HTTP."""

from __future__ import annotations

from .base import Simulator
from .dinstar import DinstarSimulator
from .goip import GoipSimulator
from .openvox import OpenvoxSimulator

SIMULATORS: dict[str, type[Simulator]] = {
    simulator.vendor: simulator
    for simulator in (GoipSimulator, DinstarSimulator, OpenvoxSimulator)
}

__all__ = ["SIMULATORS", "Simulator"]

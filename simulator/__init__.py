"""Simulated gateways speaking each vendor's API over real HTTP."""

from __future__ import annotations

from .base import Simulator
from .dinstar import DinstarSimulator
from .goip import GoipSimulator

SIMULATORS: dict[str, type[Simulator]] = {
    simulator.vendor: simulator for simulator in (GoipSimulator, DinstarSimulator)
}

__all__ = ["SIMULATORS", "Simulator"]

"""The gateway client library: async, aiohttp only, no Home Assistant import."""

from __future__ import annotations

from .base import Gateway
from .cloud_467890 import Cloud467890Gateway
from .cloud_apiv1 import CloudApiV1Gateway
from .dinstar import DinstarGateway
from .goip import GoipGateway
from .openvox import OpenvoxGateway

GATEWAYS: dict[str, type[Gateway]] = {
    gateway.vendor: gateway
    for gateway in (
        GoipGateway,
        DinstarGateway,
        OpenvoxGateway,
        Cloud467890Gateway,
        CloudApiV1Gateway,
    )
}

__all__ = ["GATEWAYS", "Gateway"]

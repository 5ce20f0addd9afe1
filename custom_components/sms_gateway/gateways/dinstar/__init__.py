"""Dinstar DWG/UC GSM gateways: the client, its tables and its parsers."""

from .client import DinstarGateway

__all__ = ["DinstarGateway"]

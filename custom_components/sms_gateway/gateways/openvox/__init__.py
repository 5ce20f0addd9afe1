"""OpenVox SWG/VS-GWP wireless gateways: the client, its tables and its parsers."""

from .client import OpenvoxGateway
from .parsers import md5_password, port_of_name, reference
from .tables import PUSH_PARAMS

__all__ = ["PUSH_PARAMS", "OpenvoxGateway", "md5_password", "port_of_name", "reference"]

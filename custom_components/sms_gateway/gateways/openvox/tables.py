"""OpenVox's vocabulary: its limits, its words for ours, its push parameters."""

from __future__ import annotations

import re

from ..errors import (
    RejectKind,
)
from ..models import (
    DeliveryStatus,
)

USSD_TIMEOUT = 30  # what the gateway waits for the network, seconds
# +CUSD's <m> that end a USSD without a reply.
USSD_FAILURE_CODES = {"4": "operation not supported", "5": "network time out"}
USSD_RESULTS = {
    "not ready": RejectKind.NOT_REGISTERED,
    "not select": RejectKind.INVALID_REQUEST,
}
USSD_RECORD = re.compile(r"--record (\S+) start--(.*?)--record \1 end--", re.S)
USSD_FIELD = re.compile(r"^\s*(\w+):\s*(.*?)\s*$", re.M)

# Codes and HTTP statuses with which the gateway refuses a token.
TOKEN_REFUSED = {401, 403}
PAGE_SIZE = 50
MAX_PAGES = 10
# A port's name: its kind and number (`gsm-1`, `lte-16`), or the number alone.
PORT_NAME = re.compile(r"(?:[A-Za-z]+-)?(\d+)")
STATUS = re.compile(r"\s*([A-Za-z_]+)\s*(?:\(\s*([^)]*)\s*\))?\s*$")
# The document's spelling "DELIVERD" and the dictionary's are both read.
OUTBOX_STATUS = {
    "DELIVERD": DeliveryStatus.DELIVERED,
    "DELIVERED": DeliveryStatus.DELIVERED,
    "SENT": DeliveryStatus.SENT,
    "FAILED": DeliveryStatus.FAILED,
}

# The query names the integration writes into the gateway's push settings.
PUSH_PARAMS = {
    "url_from_num": "phonenumber",
    "url_to_num": "port",
    "url_portname": "portname",
    "url_message": "message",
    "url_time": "time",
    "url_imsi": "imsi",
    "url_status": "status",
}

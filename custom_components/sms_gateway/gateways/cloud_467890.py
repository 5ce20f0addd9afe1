"""The 467890 cloud SMS platform (`Message/send`, `Message/balance`).

POSTs with `Uid` and `Pwd`; answers `{"status", "respCode", "respMsg",
"msgid"}`. Deployments vary: bodies are read as JSON or as a form, and keys in
any letter case. Delivery reports are POSTed as `Report=msgid,mobile,status,time`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from .base import (
    ConfigField,
    FieldKind,
    SnapshotIdentified,
    accepted_in_task,
    account_at,
)
from .errors import (
    GatewayAuthError,
    GatewayConnectionError,
    GatewayPayloadError,
    GatewayRejectedError,
    RejectKind,
)
from .models import (
    Capability,
    DeliveryReport,
    DeliveryStatus,
    GatewayField,
    GatewayInfo,
    GatewayStatus,
    InboundItem,
    RecipientResult,
    SendRequest,
    SendResult,
)
from .parse import (
    as_float,
    as_local_time,
    as_text,
    read_fields,
)

DEFAULT_URL = "http://www.467890.com"
MAX_RECIPIENTS = 5000
MAX_CHARACTERS = 268

SEND_CODES = {
    "2": (RejectKind.INVALID_REQUEST, "a number is empty or wrong"),
    "3": (RejectKind.INVALID_REQUEST, "the content is empty"),
    "4": (RejectKind.TOO_LARGE, "the content is too long"),
    "5": (RejectKind.INSUFFICIENT_BALANCE, "insufficient balance"),
    "6": (RejectKind.TOO_LARGE, "more than 5000 numbers"),
    "7": (RejectKind.GATEWAY_FAILURE, "sending failed"),
    "8": (RejectKind.ACCOUNT_FROZEN, "the account is frozen"),
}
# Message/balance numbers its codes apart: 2 is a frozen account there.
BALANCE_CODES = {"2": (RejectKind.ACCOUNT_FROZEN, "the account is frozen")}


class Cloud467890Gateway(SnapshotIdentified):
    """An account on the 467890 platform."""

    vendor = "cloud_467890"
    domestic_country_code = "86"
    capabilities = frozenset({Capability.SEND, Capability.STATUS, Capability.PUSH})
    gateway_fields = frozenset({GatewayField.BALANCE})
    config_fields: ClassVar[tuple[ConfigField, ...]] = (
        ConfigField("base_url", FieldKind.URL, default=DEFAULT_URL),
        ConfigField("uid"),
        ConfigField("password", FieldKind.PASSWORD),
    )
    credential_keys = ("uid", "password")
    local_push = False
    max_recipients_per_request = MAX_RECIPIENTS
    max_message_chars = MAX_CHARACTERS
    drops_repeated_text = True

    @property
    def location(self) -> str:
        """The account on its platform."""
        return account_at(self._config["uid"], self._config["base_url"])

    async def _call(
        self, action: str, codes: Mapping[str, tuple[RejectKind, str]], **fields: str
    ) -> dict[str, str]:
        """POST to `Message/<action>`; the answer, if `respCode` is 0."""
        base = self._config["base_url"].rstrip("/")
        response = await self._request(
            "POST",
            f"{base}/Admin/index.php/Message/{action}",
            json=both_spellings(
                {"uid": self._config["uid"], "pwd": self._config["password"], **fields}
            ),
        )
        if response.status != 200:
            raise GatewayConnectionError(
                f"the platform answered HTTP {response.status}"
            )
        answer = read_fields(response.body)
        code = (as_text(answer.get("respcode")) or "").strip()
        if code == "0":
            return answer
        if code == "1":
            raise GatewayAuthError("the platform refused the uid or password")
        kind, text = codes.get(code, (RejectKind.GATEWAY_FAILURE, "refused"))
        raise GatewayRejectedError(code, as_text(answer.get("respmsg")) or text, kind)

    def identity(self, status: GatewayStatus) -> GatewayInfo:
        """A balance query proves the account."""
        return GatewayInfo(manufacturer="467890", model="467890 SMS platform")

    async def async_get_status(self) -> GatewayStatus:
        """`Message/balance`: the balance is in `respMsg`."""
        answer = await self._call("balance", BALANCE_CODES)
        return GatewayStatus(balance=as_float(answer.get("respmsg")))

    async def async_send(self, request: SendRequest) -> SendResult:
        """`Message/send` for up to 5000 numbers; ids are `<msgid>.<number>`."""
        numbers, merged = self.unique_recipients(request)

        async def send_chunk(chunk: list[str]) -> list[RecipientResult]:
            answer = await self._call(
                "send", SEND_CODES, mobile=",".join(chunk), content=request.message
            )
            if not (msgid := as_text(answer.get("msgid"))):
                raise GatewayPayloadError("a send without msgid")
            return accepted_in_task(msgid, chunk)

        return await self._send_in_chunks(request, numbers, merged, send_chunk)

    @classmethod
    def parse_push(
        cls,
        method: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> list[InboundItem]:
        """`Report=msgid,mobile,status,time`: raw, as a form, or in JSON; one a line."""
        if method != "POST":
            raise GatewayPayloadError(f"reports are POSTed, not {method}")
        lines = [line for line in body.decode("utf-8", "replace").splitlines() if line]
        reports = [_report(read_fields(line.encode())) for line in lines]
        if not reports:
            raise GatewayPayloadError("an empty report")
        return list(reports)


def _report(fields: Mapping[str, str]) -> DeliveryReport:
    parts = [part.strip() for part in (fields.get("report") or "").split(",")]
    if len(parts) < 3 or not parts[0] or not parts[1]:
        raise GatewayPayloadError("a report is msgid,mobile,status,time")
    msgid, mobile, state = parts[0], parts[1], parts[2].upper()
    delivered = state == "DELIVRD"
    return DeliveryReport(
        message_id=f"{msgid}.{mobile}",
        status=DeliveryStatus.DELIVERED if delivered else DeliveryStatus.FAILED,
        recipient=mobile,
        error_code=None if delivered else state,
        timestamp=as_local_time(parts[3]) if len(parts) > 3 else None,
    )


def both_spellings(fields: dict[str, str]) -> dict[str, str]:
    """Each field under its name in lower case and capitalised.

    The document's table spells `Uid`, `Pwd`, `Mobile`, `Content`, but its own
    refusal says "uid, pwd", and the only public client of the platform posts
    them in lower case; a PHP platform reads its keys case-sensitively. With
    both, the request works whichever spelling the platform reads.
    """
    return {**fields, **{name.capitalize(): value for name, value in fields.items()}}

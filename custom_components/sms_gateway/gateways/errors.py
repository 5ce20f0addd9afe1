"""Exceptions raised by the gateway clients."""

from __future__ import annotations

from enum import StrEnum


class RejectKind(StrEnum):
    """Why a gateway refused a request, in every vendor's terms."""

    INVALID_REQUEST = "invalid_request"
    TOO_LARGE = "too_large"
    PORT_BUSY = "port_busy"
    NOT_REGISTERED = "not_registered"
    NO_PORT = "no_port"
    NO_PROVIDER = "no_provider"
    TASK_NOT_FOUND = "task_not_found"
    GATEWAY_FAILURE = "gateway_failure"
    NOT_CONFIGURED = "not_configured"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    ACCOUNT_FROZEN = "account_frozen"


class GatewayError(Exception):
    """Base class of every error a gateway client raises."""


class GatewayConnectionError(GatewayError):
    """The gateway could not be reached, timed out or answered with a server error."""


class GatewayTlsError(GatewayConnectionError):
    """The TLS handshake failed: most often a self-signed certificate."""


class GatewayAuthError(GatewayError):
    """The gateway refused the credentials."""


class GatewayPayloadError(GatewayError):
    """A push or a response could not be understood."""


class GatewayRejectedError(GatewayError):
    """The gateway understood the request and refused it."""

    def __init__(
        self,
        code: str,
        reason: str | None = None,
        kind: RejectKind = RejectKind.GATEWAY_FAILURE,
    ) -> None:
        """Keep the vendor's code, a readable reason and the kind of refusal."""
        super().__init__(f"{code}: {reason}" if reason else code)
        self.code = code
        self.reason = reason or code
        self.kind = kind


class InvalidNumberError(ValueError):
    """A recipient that is no phone number; `number` is it as it was given."""

    def __init__(self, number: str) -> None:
        """Keep the number, for the message shown to the user."""
        super().__init__(f"invalid phone number: {number!r}")
        self.number = number


class UnsupportedNumberError(InvalidNumberError):
    """A phone number the vendor does not send to (another country)."""

"""Exceptions raised by the gateway clients."""

from __future__ import annotations


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

    def __init__(self, code: str, reason: str | None = None) -> None:
        """Keep the vendor's code and a readable reason."""
        super().__init__(f"{code}: {reason}" if reason else code)
        self.code = code
        self.reason = reason or code

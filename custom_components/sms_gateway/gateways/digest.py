"""HTTP digest authentication (RFC 7616) that keeps the server's nonce.

The first request goes out without credentials; the 401 challenge is learned
and answered, and later requests reuse the nonce with a growing nonce count,
so a gateway costs one challenge round trip per nonce, not one per call.
A Basic challenge is never answered: that would send the password readable
by anyone on the way.
"""

from __future__ import annotations

import hashlib
import os
import re

_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')
_HASHES = {
    "MD5": "md5",
    "MD5-SESS": "md5",
    "SHA-256": "sha256",
    "SHA-256-SESS": "sha256",
}


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """The scheme and parameters of a `WWW-Authenticate` header."""
    scheme, _, rest = header.strip().partition(" ")
    params = {
        key.lower(): quoted if quoted or plain is None else plain
        for key, quoted, plain in _PARAM.findall(rest)
    }
    return scheme.lower(), params


class DigestAuth:
    """Authorization headers for one set of credentials."""

    def __init__(self, username: str, password: str) -> None:
        """No challenge is known yet."""
        self._username = username
        self._password = password
        self._scheme: str | None = None
        self._challenge: dict[str, str] = {}
        self._count = 0

    @property
    def ready(self) -> bool:
        """Whether a challenge is known, so requests can carry credentials."""
        return self._scheme is not None

    def learn(self, header: str | None) -> bool:
        """Take a 401's challenge; False when it is one this client cannot answer."""
        if not header:
            return False
        scheme, params = parse_challenge(header)
        algorithm = params.get("algorithm", "MD5").upper()
        qop = {option.strip() for option in params.get("qop", "auth").split(",")}
        if scheme != "digest" or algorithm not in _HASHES or "nonce" not in params:
            return False
        if "qop" in params and "auth" not in qop:
            return False
        self._scheme, self._challenge, self._count = scheme, params, 0
        return True

    @staticmethod
    def _cnonce() -> str:
        return os.urandom(8).hex()

    def header(self, method: str, uri: str) -> str | None:
        """The `Authorization` header for the next request, once a challenge is known."""
        if self._scheme != "digest":
            return None
        challenge = self._challenge
        algorithm = challenge.get("algorithm", "MD5")
        name = _HASHES[algorithm.upper()]

        def digest(text: str) -> str:
            return hashlib.new(name, text.encode()).hexdigest()

        realm, nonce = challenge.get("realm", ""), challenge["nonce"]
        cnonce = self._cnonce()
        ha1 = digest(f"{self._username}:{realm}:{self._password}")
        if algorithm.upper().endswith("-SESS"):
            ha1 = digest(f"{ha1}:{nonce}:{cnonce}")
        ha2 = digest(f"{method}:{uri}")
        fields = {
            "username": self._username,
            "realm": realm,
            "nonce": nonce,
            "uri": uri,
            "algorithm": algorithm,
        }
        if "qop" in challenge:
            self._count += 1
            nc = f"{self._count:08x}"
            fields["response"] = digest(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
            fields.update(qop="auth", nc=nc, cnonce=cnonce)
        else:
            fields["response"] = digest(f"{ha1}:{nonce}:{ha2}")
        if "opaque" in challenge:
            fields["opaque"] = challenge["opaque"]
        unquoted = {"algorithm", "qop", "nc"}
        return "Digest " + ", ".join(
            f"{key}={value}" if key in unquoted else f'{key}="{value}"'
            for key, value in fields.items()
        )

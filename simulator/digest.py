"""The server side of HTTP digest authentication (RFC 7616, MD5, qop=auth).

Written apart from the client's, so a bug in one is not mirrored by the other.
"""

from __future__ import annotations

from collections.abc import Callable
import hashlib
import re
import secrets

from aiohttp import web

_FIELD = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]+))')


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class DigestServer:
    """Issues nonces, checks answers, refuses replays."""

    realm = "Web Server"

    def __init__(self, credentials: Callable[[], tuple[str, str]]) -> None:
        """Accept the credentials `credentials()` gives at the time of a request."""
        self.credentials = credentials
        # nonce -> the nonce counts used with it (a reused count is a replay;
        # counts may arrive out of order when a client sends concurrently)
        self.nonces: dict[str, set[int]] = {}
        self.challenges = 0

    def restart(self) -> None:
        """Forget every nonce, as a rebooted gateway does."""
        self.nonces.clear()

    def challenge(self, stale: bool = False) -> web.Response:
        """A 401 with a fresh nonce."""
        nonce = secrets.token_hex(16)
        self.nonces[nonce] = set()
        self.challenges += 1
        header = (
            f'Digest realm="{self.realm}", qop="auth", nonce="{nonce}", '
            f'opaque="{secrets.token_hex(8)}", algorithm=MD5'
        )
        if stale:
            header += ", stale=true"
        return web.Response(
            status=401, text="Unauthorized", headers={"WWW-Authenticate": header}
        )

    def check(self, request: web.Request) -> web.Response | None:
        """None when the request carries a valid answer, else the 401 to send."""
        header = request.headers.get("Authorization", "")
        if not header.startswith("Digest "):
            return self.challenge()
        fields = {k: q or p for k, q, p in _FIELD.findall(header[7:])}
        nonce = fields.get("nonce", "")
        if nonce not in self.nonces:
            return self.challenge(stale=True)
        try:
            count = int(fields.get("nc", "0"), 16)
        except ValueError:
            return self.challenge()
        username, password = self.credentials()
        ha1 = _md5(f"{username}:{self.realm}:{password}")
        ha2 = _md5(f"{request.method}:{fields.get('uri', '')}")
        expected = _md5(
            f"{ha1}:{nonce}:{fields.get('nc', '')}:{fields.get('cnonce', '')}:auth:{ha2}"
        )
        if (
            fields.get("username") != username
            or fields.get("uri") != request.path_qs
            or fields.get("response") != expected
            or count in self.nonces[nonce]
        ):
            return self.challenge()
        self.nonces[nonce].add(count)
        return None

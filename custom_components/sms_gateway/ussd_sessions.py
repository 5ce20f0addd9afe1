"""The USSD sessions of one gateway: which reply is new, and who waits for it."""

from __future__ import annotations

import asyncio

from .gateways.models import UssdReply


class UssdSessions:
    """One session a port at a time; a reply fires once per session."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """No session open yet."""
        self._loop = loop
        # the session number of each port, and the replies seen in it
        self._sessions: dict[str | None, int] = {}
        self._seen: set[tuple[str | None, int, str | None, str]] = set()
        self._waiters: dict[str, asyncio.Future[UssdReply | None]] = {}
        self._session_ids: dict[str, str] = {}
        # ports whose code the gateway accepted, with their reply still due
        self.open: set[str] = set()

    def waiting(self, port: str) -> bool:
        """Whether a USSD session of `port` waits for its reply."""
        return port in self._waiters

    def expect(self, port: str) -> asyncio.Future[UssdReply | None]:
        """Open a USSD session on `port`; the future gets its reply (None: cancelled)."""
        self._sessions[port] = self._sessions.get(port, 0) + 1
        self._seen = {key for key in self._seen if key[0] != port}
        future: asyncio.Future[UssdReply | None] = self._loop.create_future()
        self._waiters[port] = future
        return future

    def sent(self, port: str, session_id: str | None) -> None:
        """The gateway took the code; its reply may name the session."""
        self.open.add(port)
        if session_id is not None:
            self._session_ids[port] = session_id

    def end(self, port: str) -> None:
        """Close the session of `port`; a waiter still waiting gets None."""
        self.open.discard(port)
        self._session_ids.pop(port, None)
        if (future := self._waiters.pop(port, None)) and not future.done():
            future.set_result(None)

    def take(self, reply: UssdReply) -> bool:
        """Whether the reply is new in its session.

        Push and poll may both bring it; a new one is handed to whoever waits
        for it.
        """
        key = (
            reply.port,
            self._sessions.get(reply.port, 0),
            reply.session_id,
            reply.text,
        )
        if key in self._seen:
            return False
        self._seen.add(key)
        port = reply.port or ""
        expected = self._session_ids.get(port)
        matches = reply.session_id is None or expected in (None, reply.session_id)
        if matches and (future := self._waiters.get(port)) and not future.done():
            future.set_result(reply)
        return True

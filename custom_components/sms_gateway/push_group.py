"""Group commit of pushes: those that come together are processed together.

A push joins the group that waits; the group waits while pushes keep joining
it, an iteration of the event loop at a time (each brings the requests whose
bodies arrived meanwhile), at most `MAX_HOPS` iterations. Then its pushes are
processed one after the other and written in one journal record, and each is
answered: 200 once its items are in the journal, as when it was processed
alone.

Why: under a stream of pushes from a busy gateway, a push processed alone
runs each step of its path once, its code and data gone from the processor's
caches by the next push; a group runs each step several times in a row, and
writes one record. In `bench/push_ingest.py` on the newest Home Assistant
(Python 3.14), a push alone took some 175 µs of the event loop, in groups 145
(8 pushes in flight; groups of up to 8). A push that comes alone waits two
iterations of an idle loop: some tens of microseconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .const import LOGGER
from .gateways.models import InboundItem

# The most iterations of the event loop a group waits: with more pushes in
# flight than the loop takes in an iteration, a group still closes.
MAX_HOPS = 8

# Processes a group's pushes in their order; the indices of those that failed.
type ProcessGroup = Callable[[list[list[InboundItem]]], set[int]]


class PushGroup:
    """The pushes waiting to be processed together, and their answers."""

    def __init__(self, loop: asyncio.AbstractEventLoop, process: ProcessGroup) -> None:
        """Pushes are processed by `process` in `loop`."""
        self._loop = loop
        self._process = process
        # each push's items, and its answer: one future each, so that a request
        # cancelled while it waits cancels no other's
        self._waiting: list[tuple[list[InboundItem], asyncio.Future[bool]]] = []
        self._hop: asyncio.Handle | None = None
        self._hops = 0
        self._seen = 0  # pushes in the group at the last hop

    def __len__(self) -> int:
        """How many pushes wait."""
        return len(self._waiting)

    async def async_process(self, items: list[InboundItem]) -> bool:
        """Process one push's items with the group; whether they were written.

        False: processing failed (logged); the push must not be acknowledged.
        """
        answer: asyncio.Future[bool] = self._loop.create_future()
        if not self._waiting:
            self._hops = self._seen = 0
            self._hop = self._loop.call_soon(self._wait)
        self._waiting.append((items, answer))
        return await answer

    def _wait(self) -> None:
        """Wait another iteration while pushes joined during the last one."""
        if (joined := len(self._waiting)) > self._seen and self._hops < MAX_HOPS:
            self._seen = joined
            self._hops += 1
            self._hop = self._loop.call_soon(self._wait)
        else:
            self._hop = None
            self.flush()

    def flush(self) -> None:
        """Process the waiting pushes now (the entry unloads)."""
        if not self._waiting:
            return
        if self._hop is not None:
            self._hop.cancel()
            self._hop = None
        waiting, self._waiting = self._waiting, []
        try:
            failed = self._process([items for items, _ in waiting])
        except Exception:  # the record was not written: none is acknowledged
            LOGGER.exception("Error writing %s pushes", len(waiting))
            failed = set(range(len(waiting)))
        for index, (_, answer) in enumerate(waiting):
            if not answer.done():  # not cancelled (processed all the same)
                answer.set_result(index not in failed)

"""The base class every vendor client derives from."""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import chain
from typing import Any, ClassVar
from urllib.parse import urlsplit
import zlib

import aiohttp
from yarl import URL

from .errors import (
    GatewayConnectionError,
    GatewayError,
    GatewayPayloadError,
    GatewayRejectedError,
    GatewayTlsError,
    UnsupportedNumberError,
)
from .models import (
    Capability,
    ForwardReason,
    GatewayField,
    GatewayInfo,
    GatewayStatus,
    InboundItem,
    Performance,
    PortControl,
    PortEvent,
    PortField,
    RecipientResult,
    Registration,
    SendRequest,
    SendResult,
    StkView,
)
from .numbers import all_as_is, normalize_number
from .parse import content_encoding

SEND_CONCURRENCY = 4

DEFAULT_TIMEOUT = 10.0
# The most a gateway's answer may hold, after inflation. A status or a command's
# result of the largest gateway (32 ports, hundreds of GoIP lines) is a few
# dozen KiB; an inbox, reports, results or call records may list thousands of
# entries (about 400 bytes each). JSON parses at about 6 ms a MiB.
STATUS_ANSWER_BYTES = 1024 * 1024
LIST_ANSWER_BYTES = 4 * 1024 * 1024
_CHUNK = 64 * 1024


class FieldKind(StrEnum):
    """How a configuration field is asked for."""

    TEXT = "text"
    PASSWORD = "password"
    PORT = "port"
    BOOL = "bool"
    URL = "url"


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """What a gateway answered."""

    status: int
    body: bytes
    headers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ConfigField:
    """One field of a vendor's configuration form."""

    key: str
    kind: FieldKind = FieldKind.TEXT
    default: Any = None
    required: bool = True


class Gateway(ABC):
    """A gateway or platform: its capabilities and the calls they allow."""

    vendor: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]]
    port_fields: ClassVar[frozenset[PortField]] = frozenset()
    gateway_fields: ClassVar[frozenset[GatewayField]] = frozenset()
    port_controls: ClassVar[frozenset[PortControl]] = frozenset()
    # The registration states this vendor can report.
    registration_states: ClassVar[frozenset[Registration]] = frozenset(Registration)
    config_fields: ClassVar[tuple[ConfigField, ...]]
    # The config keys that must change together with a new password (reauth).
    credential_keys: ClassVar[tuple[str, ...]] = ("username", "password")
    # The calls (API names or paths) whose answers are lists of messages or
    # records, read up to LIST_ANSWER_BYTES; every other answer up to
    # STATUS_ANSWER_BYTES.
    list_answers: ClassVar[frozenset[str]] = frozenset()
    # Whether pushes come from the local network (the webhook is then local only).
    local_push: ClassVar[bool] = True
    push_methods: ClassVar[tuple[str, ...]] = ("POST",)
    # Whether polling can tell delivery after "sent" (else only pushes do).
    polls_delivery: ClassVar[bool] = False
    # Whether an inbox poll hands out only what is new (a queue): then even
    # the first poll's SMS are new, not a baseline.
    inbox_is_queue: ClassVar[bool] = False
    # Whether the vendor silently drops a text already sent to the same number.
    drops_repeated_text: ClassVar[bool] = False
    max_recipients_per_request: ClassVar[int] = 1
    # A text longer than this (UTF-8 bytes, or characters) is refused by the vendor.
    max_message_bytes: ClassVar[int | None] = None
    max_message_chars: ClassVar[int | None] = None
    # A platform that sends within one country only, numbers written without
    # its country code: "+86 136..." is sent as "136...", "+49 ..." refused.
    domestic_country_code: ClassVar[str | None] = None

    def __init__(
        self,
        session: aiohttp.ClientSession,
        config: Mapping[str, Any],
        *,
        timeout: float | None = None,
    ) -> None:
        """Keep the injected session and the entry's configuration."""
        self._session = session
        self._config = dict(config)
        self._timeout = timeout or DEFAULT_TIMEOUT

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the gateway is (host and port, or account): a fallback unique id."""

    @abstractmethod
    async def async_identify(self) -> tuple[GatewayInfo, GatewayStatus]:
        """Identify the gateway, with a snapshot taken by the same requests.

        Proves that address and credentials work. Set-up hands the snapshot
        to the first poll, which asks no more.
        """

    async def async_get_info(self) -> GatewayInfo:
        """Identify the gateway; also proves that address and credentials work."""
        return (await self.async_identify())[0]

    @abstractmethod
    async def async_get_status(self) -> GatewayStatus:
        """Take one snapshot of the gateway's ports and counters."""

    @abstractmethod
    async def async_send(self, request: SendRequest) -> SendResult:
        """Send an SMS; one result per distinct recipient."""

    async def async_query_reports(
        self,
        message_ids: Iterable[str],
        references: Mapping[str, str] | None = None,
    ) -> list[InboundItem]:
        """Poll the state of sent messages (vendors with `REPORT_POLL`).

        `references`: message_id -> the reference the send returned.
        """
        raise GatewayError(f"{self.vendor} cannot poll delivery reports")

    async def async_poll_incoming(
        self, cursor: str | None
    ) -> tuple[list[InboundItem], str | None]:
        """SMS received after `cursor`, and the cursor to ask from next time.

        Vendors with `INBOX_POLL`. Without a cursor, everything the inbox holds.
        """
        raise GatewayError(f"{self.vendor} cannot poll its inbox")

    async def async_get_performance(self) -> Performance:
        """CPU, memory and storage use (`PERFORMANCE`)."""
        raise GatewayError(f"{self.vendor} does not report its performance")

    async def async_control_port(
        self, port: str, control: PortControl, value: str | None = None
    ) -> None:
        """Restart, power, switch SIM slot, lock... (`port_controls`)."""
        raise GatewayError(f"{self.vendor} cannot control its ports")

    async def async_set_call_forwarding(
        self, port: str, reason: ForwardReason, number: str | None
    ) -> None:
        """Forward the port's calls (`CALL_FORWARDING`)."""
        raise GatewayError(f"{self.vendor} cannot forward calls")

    async def async_get_call_forwarding(self, port: str) -> dict[str, str]:
        """Where the port's calls are forwarded, by reason (`CALL_FORWARDING`)."""
        raise GatewayError(f"{self.vendor} cannot forward calls")

    async def async_get_call_records(
        self,
        port: str | None,
        after: datetime | None = None,
        before: datetime | None = None,
    ) -> list[PortEvent]:
        """Records of connected calls (`CALL_RECORDS`)."""
        raise GatewayError(f"{self.vendor} keeps no call records")

    async def async_configure_push(self, url: str) -> None:
        """Point the gateway's pushes at `url` (`PUSH_SETUP`)."""
        raise GatewayError(f"{self.vendor} cannot be told where to push")

    async def async_stk_view(self, port: str) -> StkView:
        """What the SIM toolkit of `port` shows (`STK`)."""
        raise GatewayError(f"{self.vendor} has no SIM toolkit access")

    async def async_stk_select(
        self,
        port: str,
        *,
        item: int | None = None,
        text: str | None = None,
        action: str | None = None,
    ) -> StkView:
        """Choose an item, enter text, or ok/cancel/home; the next view (`STK`)."""
        raise GatewayError(f"{self.vendor} has no SIM toolkit access")

    async def async_send_ussd(
        self, port: str, code: str, network_wait: float = 30
    ) -> str | None:
        """Start a USSD session on `port`; the reply comes later (`USSD`).

        `network_wait`: how long the gateway may wait for the network, where it
        takes one. Returns the session's id where the vendor's reply will
        carry it.
        """
        raise GatewayError(f"{self.vendor} cannot send USSD")

    async def async_poll_ussd(self, port: str) -> InboundItem | None:
        """The USSD reply waiting on `port`, if any (`USSD`)."""
        raise GatewayError(f"{self.vendor} cannot send USSD")

    async def async_cancel_ussd(self, port: str) -> None:
        """End the USSD session on `port` (`USSD`)."""
        raise GatewayError(f"{self.vendor} cannot send USSD")

    async def async_cancel_task(self, task_id: str) -> None:
        """Stop what of a send request is still queued (vendors with `CANCEL`)."""
        raise GatewayError(f"{self.vendor} cannot cancel a send")

    def normalize_recipient(self, number: str) -> str:
        """`number` as this vendor takes it.

        Raises `InvalidNumberError` for what is no phone number, and its
        subclass `UnsupportedNumberError` for a number this vendor does not
        send to.
        """
        cleaned = normalize_number(number)
        if (code := self.domestic_country_code) is None:
            return cleaned
        for prefix in (f"+{code}", f"00{code}"):
            if cleaned.startswith(prefix):
                return cleaned.removeprefix(prefix)
        if cleaned.startswith(("+", "00")):
            raise UnsupportedNumberError(number)
        return cleaned

    def unique_recipients(self, request: SendRequest) -> tuple[list[str], list[str]]:
        """The request's recipients normalised in first-seen order, and duplicates.

        Raises `InvalidNumberError` (its `number` as given) for the first
        recipient `normalize_recipient` refuses.
        """
        if request.normalized:
            return list(request.recipients), []
        if as_is := self._taken_as_is(request.recipients):
            seen = dict.fromkeys(request.recipients)
            if len(seen) == len(request.recipients):
                return list(seen), []
        seen = {}
        merged: list[str] = []
        for recipient in request.recipients:
            number = recipient if as_is else self.normalize_recipient(recipient)
            if number in seen:
                merged.append(number)
            else:
                seen[number] = None
        return list(seen), merged

    def answer_limit(self, call: str) -> int:
        """How many bytes the answer to `call` (an API name or path) may hold."""
        return LIST_ANSWER_BYTES if call in self.list_answers else STATUS_ANSWER_BYTES

    def _taken_as_is(self, numbers: tuple[str, ...]) -> bool:
        """Whether `normalize_recipient` would return each of `numbers` as is."""
        return all_as_is(numbers, domestic=self.domestic_country_code is not None)

    @classmethod
    @abstractmethod
    def parse_push(
        cls,
        method: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> list[InboundItem]:
        """Turn one HTTP push into models; raise `GatewayPayloadError` only."""

    async def async_close(self) -> None:  # noqa: B027 - most vendors hold nothing
        """Release what the client holds on the gateway (sessions, tokens)."""

    async def _request(
        self,
        method: str,
        url: str | URL,
        *,
        limit: int = STATUS_ANSWER_BYTES,
        **kwargs: Any,
    ) -> HttpResponse:
        """Make one HTTP request; map transport failures to `GatewayConnectionError`.

        No redirect is followed: credentials go to the host the user entered
        only. The answer is read up to `limit` bytes, counted after inflation
        where it came compressed.
        """
        headers = {"Accept-Encoding": "gzip, deflate", **kwargs.pop("headers", {})}
        try:
            async with (
                asyncio.timeout(self._timeout),
                self._session.request(
                    method,
                    url,
                    headers=headers,
                    allow_redirects=False,
                    auto_decompress=False,
                    **kwargs,
                ) as response,
            ):
                if 300 <= response.status < 400:
                    raise GatewayConnectionError(
                        f"the gateway answered HTTP {response.status}, a redirect to"
                        f" {redirect_target(response)}, which is not followed"
                    )
                body = await read_bounded(response, limit)
                return HttpResponse(response.status, body, response.headers)
        except TimeoutError as err:
            raise GatewayConnectionError(f"timed out after {self._timeout}s") from err
        except (aiohttp.ClientSSLError, aiohttp.ServerFingerprintMismatch) as err:
            raise GatewayTlsError(type(err).__name__) from err
        except aiohttp.ClientError as err:
            raise GatewayConnectionError(type(err).__name__) from err
        except RuntimeError as err:  # the session was closed: Home Assistant stops
            raise GatewayConnectionError(str(err)) from err
        except zlib.error as err:
            raise GatewayPayloadError(
                f"a compressed answer that does not inflate: {err}"
            ) from err

    async def _send_in_chunks(
        self,
        request: SendRequest,
        numbers: list[str],
        merged: list[str],
        send_chunk: Callable[[list[str]], Awaitable[list[RecipientResult]]],
    ) -> SendResult:
        """Send `numbers` in requests of the vendor's size, a few at a time.

        `send_chunk` raises `GatewayRejectedError` for a refused request, which
        refuses only its recipients; when every request was refused, the first
        refusal is raised. Each request's results go to `request.track` as
        its answer comes.
        """
        semaphore = asyncio.Semaphore(SEND_CONCURRENCY)
        refusals: list[GatewayRejectedError] = []

        async def bounded(chunk: list[str]) -> list[RecipientResult]:
            async with semaphore:
                try:
                    results = await send_chunk(chunk)
                    if request.track is not None:
                        request.track(results)
                    return results
                except GatewayRejectedError as err:
                    refusals.append(err)
                    return [
                        RecipientResult(number, None, accepted=False, reason=err.code)
                        for number in chunk
                    ]

        outcomes = await asyncio.gather(
            *(
                bounded(chunk)
                for chunk in chunked(numbers, self.max_recipients_per_request)
            )
        )
        results = tuple(chain.from_iterable(outcomes))
        if refusals and not any(result.accepted for result in results):
            raise refusals[0]
        return SendResult(results=results, merged=tuple(merged))


class SnapshotIdentified(Gateway):
    """A vendor with no identity call: a snapshot proves access and identifies."""

    @abstractmethod
    def identity(self, status: GatewayStatus) -> GatewayInfo:
        """The gateway's identity, from a snapshot."""

    async def async_identify(self) -> tuple[GatewayInfo, GatewayStatus]:
        """A snapshot, and its identity."""
        status = await self.async_get_status()
        return self.identity(status), status


def accepted_in_task(
    task_id: str, chunk: list[str], references: Iterable[str] | None = None
) -> list[RecipientResult]:
    """Each number of `chunk` accepted under the vendor's `task_id`.

    Its message id is `<task_id>.<number>`. Made with positional arguments:
    a bulk send makes one per recipient, and keywords take half as long again.
    """
    prefix = f"{task_id}."
    if references is None:
        return [
            RecipientResult(number, prefix + number, True, None, task_id)
            for number in chunk
        ]
    return [
        RecipientResult(number, prefix + number, True, None, task_id, reference)
        for number, reference in zip(chunk, references, strict=True)
    ]


def redirect_target(response: aiohttp.ClientResponse) -> str:
    """Where a redirect points: scheme, host, port and path (no query, no login)."""
    if not (location := response.headers.get("Location")):
        return "nowhere"
    target = response.url.join(URL(location))
    return str(target.with_user(None).with_query(None).with_fragment(None))


# Content-Encoding -> zlib's window bits for it (32: a gzip or zlib header).
_INFLATE = {
    "gzip": 16 + zlib.MAX_WBITS,
    "x-gzip": 16 + zlib.MAX_WBITS,
    "deflate": 32 + zlib.MAX_WBITS,
}


async def read_bounded(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The answer's body, inflated where it is compressed; at most `limit` bytes.

    Past the limit the read stops (the connection is dropped) and
    `GatewayPayloadError` names it. Inflation is bounded too: never more than
    `limit` bytes come out, whatever a small compressed body would become.
    """
    encoding = content_encoding(response.headers)
    if not encoding:
        inflater = None
        if (response.content_length or 0) > limit:
            raise _too_large(limit)
    elif encoding in _INFLATE:
        inflater = zlib.decompressobj(_INFLATE[encoding])
    else:
        raise GatewayPayloadError(f"an answer encoded as {encoding!r}")
    body = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK):
        if inflater is None:
            body += chunk
        else:
            body += inflater.decompress(chunk, limit + 1 - len(body))
        if len(body) > limit or (inflater is not None and inflater.unconsumed_tail):
            response.close()
            raise _too_large(limit)
    if inflater is not None:
        body += inflater.flush(limit + 1 - len(body))
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


def _too_large(limit: int) -> GatewayPayloadError:
    return GatewayPayloadError(
        f"an answer larger than {limit:,} bytes, not read further"
    )


def chunked(items: list[str], size: int) -> list[list[str]]:
    """Split `items` into lists of at most `size`."""
    return [items[start : start + size] for start in range(0, len(items), size)]


def account_at(account: str, base_url: str) -> str:
    """A platform account and where it is: `account@host[:port]`.

    The port is there where the URL names one: two platforms on one host
    (simulators, a self-hosted one) stay apart, and an address on the default
    port reads as it did before the port was added.
    """
    url = urlsplit(base_url)
    where = url.hostname if url.port is None else f"{url.hostname}:{url.port}"
    return f"{account}@{where}"

"""Reading what gateways write: lenient JSON, forms, times and loosely typed values."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime
import json
import re
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

import orjson

from .errors import GatewayPayloadError

_TRAILING_COMMA = re.compile(r",\s*([\]}])")


# what strptime("%Y-%m-%d %H:%M:%S") takes, also with ISO's "T" and without the
# seconds, without its cost on every push
_LOCAL_TIME = re.compile(
    r"(\d{4})-(\d\d?)-(\d\d?)(?:\s+|T)(\d\d?):(\d\d?)(?::(\d\d?))?"
)


def loads_lenient(raw: bytes | str) -> Any:
    """Parse JSON as gateways write it: a BOM, or a trailing comma in a list.

    Strict JSON first, with orjson (a push's JSON in a fifth of `json`'s
    time); what it refuses (a BOM, a trailing comma, an integer past 64 bits,
    NaN) is read again by `json`, leniently.
    """
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return json.loads(_TRAILING_COMMA.sub(r"\1", text))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise GatewayPayloadError(f"not JSON: {err}") from err


# An answer larger than this is decoded in a thread of the executor: 4 MiB of
# JSON takes Python some 25 ms, too long to hold the event loop.
LARGE_ANSWER = 256 * 1024


async def loads_answer(body: bytes) -> Any:
    """`loads_lenient` of a gateway's answer; a large one outside the loop."""
    if len(body) <= LARGE_ANSWER:
        return loads_lenient(body)
    return await asyncio.get_running_loop().run_in_executor(None, loads_lenient, body)


# A list answer with more items than this is turned into models in a thread of
# the executor: 17,000 inbox SMS (4 MiB) take some 120 ms.
LARGE_LIST = 500


async def convert_all[T](items: list[Any], convert: Callable[[Any], T]) -> list[T]:
    """`convert` of each item; a long list outside the loop."""
    if len(items) <= LARGE_LIST:
        return [convert(item) for item in items]
    return await asyncio.get_running_loop().run_in_executor(
        None, lambda: [convert(item) for item in items]
    )


def parse_query(raw: str) -> dict[str, str]:
    """A query string's fields, the first of each name, blanks kept.

    As `parse_qsl` reads them (`+` a space, escapes UTF-8, broken ones
    replaced or left as they are) in under half its time: a push's fields are
    looked at in C, and only those with an escape decoded.
    """
    fields: dict[str, str] = {}
    for pair in raw.split("&"):
        name, _, value = pair.partition("=")
        if "+" in pair:
            name, value = name.replace("+", " "), value.replace("+", " ")
        if "%" in name:
            name = unquote_to_bytes(name).decode("utf-8", "replace")
        if "%" in value:
            value = unquote_to_bytes(value).decode("utf-8", "replace")
        if pair and name not in fields:
            fields[name] = value
    return fields


def read_fields(body: bytes) -> dict[str, str]:
    """A JSON object or a form, with keys in lower case (platforms send both)."""
    if body.startswith(b"{"):  # as pushes come: read without a copy
        data = loads_lenient(body)
    else:
        try:
            text = body.decode("utf-8-sig").strip()
        except UnicodeDecodeError as err:
            raise GatewayPayloadError("not UTF-8") from err
        if not text.startswith("{"):
            return {
                key.lower(): value
                for key, value in parse_qsl(text, keep_blank_values=True)
            }
        data = loads_lenient(text)
    if not isinstance(data, dict):
        raise GatewayPayloadError("not an object")
    return {str(key).lower(): str(value) for key, value in data.items()}


def read_json_push(method: str, body: bytes) -> Any:
    """The JSON of a push that must be POSTed."""
    if method != "POST":
        raise GatewayPayloadError(f"pushes are POSTed, not {method}")
    return loads_lenient(body)


def as_local_time(value: Any) -> datetime | None:
    """`YYYY-MM-DD hh:mm:ss` in the gateway's local time.

    Also with slashes, with ISO's `T`, or without the seconds; anything else
    is None.
    """
    if (
        isinstance(value, str)
        and len(value) == 19
        and value[4] == value[7] in "-/"
        and value[10] == " "
        and value[13] == ":" == value[16]
    ):
        # as nearly every gateway writes it: read at C speed
        try:
            moment = datetime.fromisoformat(value.replace("/", "-"))
        except ValueError:
            return None
        return moment if moment.tzinfo is None else None
    match = _LOCAL_TIME.fullmatch(str(value).strip().replace("/", "-"))
    if match is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(n or 0) for n in match.groups())
        return datetime(year, month, day, hour, minute, second)
    except ValueError:  # a day or an hour that does not exist
        return None


# what gateways write for "no value"
_BLANK = frozenset(("", "null", "NULL", "None", "<NULL>"))


def as_text(value: Any) -> str | None:
    """A string field where gateways send strings, numbers, "" or "null"."""
    if value is None:
        return None
    text = str(value).strip()
    return None if text in _BLANK else text


def as_float(value: Any) -> float | None:
    """A number field that may arrive as a string, a number or empty."""
    text = as_text(value)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def as_int(value: Any) -> int | None:
    """An integer field that may arrive as a string, a number or empty."""
    text = as_text(value)
    if text is None:
        return None
    try:
        return int(float(text))
    except (ValueError, OverflowError):  # "abc", "1e999"
        return None


def content_encoding(headers: Mapping[str, str]) -> str:
    """A body's `Content-Encoding` in lower case; "" where it is identity."""
    encoding = headers.get("Content-Encoding", "").strip().lower()
    return "" if encoding == "identity" else encoding

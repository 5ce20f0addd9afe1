"""The gateway library on its own: no Home Assistant, text, CMS, helpers."""

from __future__ import annotations

import ast
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl

from hypothesis import given, strategies as st
import pytest

from custom_components.sms_gateway.gateways import GATEWAYS
from custom_components.sms_gateway.gateways.base import (
    chunked,
)
from custom_components.sms_gateway.gateways.cms import cms_error_text
from custom_components.sms_gateway.gateways.errors import (
    GatewayPayloadError,
    GatewayRejectedError,
)
from custom_components.sms_gateway.gateways.models import DeliveryStatus
from custom_components.sms_gateway.gateways.numbers import normalize_number
from custom_components.sms_gateway.gateways.parse import (
    as_int,
    as_local_time,
    as_text,
    loads_lenient,
    parse_query,
)
from custom_components.sms_gateway.gateways.text import Encoding, text_info

from .conftest import load_fixture

LIBRARY = Path(__file__).parent.parent / "custom_components/sms_gateway/gateways"


@pytest.mark.parametrize("module", sorted(LIBRARY.rglob("*.py")), ids=lambda p: p.name)
def test_library_never_imports_home_assistant(module: Path) -> None:
    """The client library stays free of Home Assistant."""
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        assert not any(name.split(".")[0] == "homeassistant" for name in names), module


def test_import_scan_finds_a_home_assistant_import(tmp_path: Path) -> None:
    """The scan above would see an import hidden in a function."""
    source = "def f():\n    from homeassistant.core import HomeAssistant\n"
    modules = [
        node.module
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom)
    ]
    assert modules == ["homeassistant.core"]


def test_registry_keys_are_vendor_names() -> None:
    assert {key: gateway.vendor for key, gateway in GATEWAYS.items()} == {
        "goip": "goip",
        "dinstar": "dinstar",
        "openvox": "openvox",
        "cloud_467890": "cloud_467890",
        "cloud_apiv1": "cloud_apiv1",
    }


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", Encoding.GSM7, 0, 0),
        ("a" * 160, Encoding.GSM7, 160, 1),
        ("a" * 161, Encoding.GSM7, 161, 2),
        ("a" * 306, Encoding.GSM7, 306, 2),
        ("a" * 307, Encoding.GSM7, 307, 3),
        ("€" * 80, Encoding.GSM7, 160, 1),  # extension characters count twice
        ("€" * 81, Encoding.GSM7, 162, 2),
        ("Ünïcode ç", Encoding.UCS2, 9, 1),  # ï is not in the GSM alphabet
        ("测" * 70, Encoding.UCS2, 70, 1),
        ("测" * 71, Encoding.UCS2, 71, 2),
        ("测" * 134, Encoding.UCS2, 134, 2),
        ("测" * 135, Encoding.UCS2, 135, 3),
        ("😀" * 35, Encoding.UCS2, 70, 1),  # outside the BMP: two UTF-16 units
    ],
)
def test_text_info(text: str, encoding: Encoding, units: int, segments: int) -> None:
    info = text_info(text)
    assert (info.encoding, info.units, info.segments) == (encoding, units, segments)


def test_cms_error_texts() -> None:
    assert cms_error_text("350") is None
    assert cms_error_text("42") == "Congestion"
    assert cms_error_text(330) == "SMSC address unknown"
    assert cms_error_text(None) is None
    assert cms_error_text("x") is None
    # The document lists 312 twice; the second, "SIM PUK required", is 316.
    assert cms_error_text(312) == "PH-SIM PIN necessary"
    assert cms_error_text(316) == "SIM PUK required"


def test_loads_lenient_accepts_the_documents_trailing_comma() -> None:
    """The document's querylines example ends its list with `},]`."""
    lines = loads_lenient(load_fixture("goip", "querylines.json").encode())
    assert [line["goip_line"] for line in lines] == ["G101", "G102", "G103", "G104"]
    assert loads_lenient(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    for bad in (b"{", b"\xff\xfe", b"[" * 100_000):
        with pytest.raises(GatewayPayloadError):
            loads_lenient(bad)


def test_numbers_and_recipients() -> None:
    assert normalize_number(" +86 136-0000 (0000) ") == "+8613600000000"
    assert normalize_number("10086") == "10086"
    with pytest.raises(ValueError):
        normalize_number("call me")
    with pytest.raises(ValueError):
        normalize_number("")
    assert chunked(["a", "b", "c"], 2) == [["a", "b"], ["c"]]


def test_field_helpers() -> None:
    assert [as_text(v) for v in (None, "", " null ", 5, " x ")] == [
        None,
        None,
        None,
        "5",
        "x",
    ]
    assert [as_int(v) for v in (None, "", "-1", 7, "3.0", "n/a")] == [
        None,
        None,
        -1,
        7,
        3,
        None,
    ]


def _strptime(text: str) -> datetime | None:
    text = text.strip().replace("/", "-")
    for form in (
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ):
        try:
            return datetime.strptime(text, form)
        except ValueError:
            continue
    return None


@given(
    st.lists(
        st.sampled_from(["2024", "1", "02", "12", "13", "29", "30", "31", "59"])
        | st.sampled_from(["60", "7", "00", "123", "24"]),
        min_size=6,
        max_size=6,
    ),
    st.sampled_from(["-", "/"]),
    st.sampled_from([" ", "  ", "\t", "T", "", " T"]),
    st.booleans(),
    st.sampled_from(["", " "]),
)
def test_gateway_times_are_read_as_strptime_reads_them(
    parts: list[str], dash: str, gap: str, seconds: bool, edge: str
) -> None:
    """The fast readers of `YYYY-MM-DD hh:mm:ss` (every push has one) take
    what `strptime` takes in that form, with ISO's `T` or without seconds,
    and nothing else: the same time, or None. `edge` "": the exact form,
    read by `datetime.fromisoformat`."""
    year, month, day, hour, minute, second = parts
    text = f"{edge}{year}{dash}{month}{dash}{day}{gap}{hour}:{minute}"
    text += f":{second}{edge}" if seconds else edge
    assert as_local_time(text) == _strptime(text)


@given(
    st.lists(
        st.sampled_from(["a", "=", "&", "+", "%", "%2B", "%E4%B8%AD", "%FF", "%Z"])
        | st.text(max_size=3),
        max_size=12,
    ).map("".join)
)
def test_a_query_is_read_as_parse_qsl_reads_it(raw: str) -> None:
    """Each name's first value, blanks kept, `+` a space, escapes read as
    UTF-8 and broken ones replaced or left: what `parse_qsl` reads."""
    expected: dict[str, str] = {}
    for name, value in parse_qsl(raw, keep_blank_values=True):
        expected.setdefault(name, value)
    assert parse_query(raw) == expected
    assert list(parse_query(raw)) == list(expected)


def test_gateway_times_that_do_not_exist_are_none() -> None:
    """February 30th, or the 25th hour: None, as any other unreadable time."""
    assert as_local_time("2024-02-29 23:59:59") == datetime(2024, 2, 29, 23, 59, 59)
    assert as_local_time("2023-02-29 12:00:00") is None
    assert as_local_time("2024-01-01 25:00:00") is None
    assert as_local_time(None) is None


def test_rejected_error_keeps_code_and_reason() -> None:
    err = GatewayRejectedError("none_line")
    assert (err.code, err.reason, str(err)) == ("none_line", "none_line", "none_line")
    err = GatewayRejectedError("413", "too many numbers")
    assert str(err) == "413: too many numbers"


def test_pending_is_the_only_state_that_is_not_final() -> None:
    assert [status for status in DeliveryStatus if not status.final] == [
        DeliveryStatus.PENDING
    ]


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("async_poll_incoming", (None,)),
        ("async_cancel_task", ("1",)),
        ("async_get_performance", ()),
        ("async_control_port", ("G101", "restart")),
        ("async_set_call_forwarding", ("G101", "busy", "1")),
        ("async_get_call_forwarding", ("G101",)),
        ("async_get_call_records", (None,)),
        ("async_stk_view", ("G101",)),
        ("async_stk_select", ("G101",)),
        ("async_send_ussd", ("G101", "*1#")),
        ("async_poll_ussd", ("G101",)),
        ("async_cancel_ussd", ("G101",)),
    ],
)
async def test_what_a_vendor_does_not_offer_raises(
    method: str, args: tuple[object, ...]
) -> None:
    """The Home Assistant side never calls these without the capability."""
    from custom_components.sms_gateway.gateways.errors import GatewayError
    from custom_components.sms_gateway.gateways.goip import GoipGateway

    gateway = GoipGateway(None, {"host": "h", "port": 1})  # type: ignore[arg-type]
    with pytest.raises(GatewayError, match="goip"):
        await getattr(gateway, method)(*args)


def test_the_suites_log_scan_sees_the_integrations_log_lines() -> None:
    """conftest's end-of-suite secret scan reads what the integration logs."""
    import logging

    logger = logging.getLogger("custom_components.sms_gateway")
    [collect] = [h for h in logger.handlers if type(h).__name__ == "_Collect"]
    logging.getLogger("custom_components.sms_gateway.gateways.goip").debug(
        "probe %s", 1
    )
    assert collect.lines[-1] == "probe 1"  # type: ignore[attr-defined]

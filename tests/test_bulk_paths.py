"""The shortcuts a bulk send takes give what the number-by-number way gives.

A send to thousands of recipients splits, validates, normalises and tracks
them with a few operations over the whole list (issue 7, bulk send) instead
of a call per number. Each shortcut is checked here against the plain rule,
written out in this file, on lists Hypothesis makes up: the shortcut must
never change a result, only its cost.
"""

from __future__ import annotations

import re
import time
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest
import voluptuous as vol

from custom_components.sms_gateway.gateways import GATEWAYS
from custom_components.sms_gateway.gateways.errors import InvalidNumberError
from custom_components.sms_gateway.gateways.models import SendRequest
from custom_components.sms_gateway.outbound import split_recipients
from custom_components.sms_gateway.services import SEND_SMS_SCHEMA
from custom_components.sms_gateway.store import BoundedLog

# Characters that matter to the rules: digits, a plus, the separators, the
# noise people type, spaces of several kinds, a NUL and a letter.
PARTS = st.lists(
    st.text(alphabet="0123456789+ ,;\n\t\r\x00-().a", max_size=14), max_size=8
)
# Mostly clean numbers, the shortcut's case, with the odd spoiler.
NUMBERS = st.lists(
    st.one_of(
        st.from_regex(r"\A(\+|00)?[0-9]{2,20}\Z"),
        st.sampled_from(["+86 136 0000 0000", "0086136", "12\n34", "1", "x", ""]),
    ),
    max_size=8,
)


def split_plainly(parts: list[Any]) -> list[str]:
    """Each part split at commas, semicolons and line ends; stripped; no blanks."""
    return [
        number.strip()
        for part in parts
        for number in re.split(r"[,;\n]", str(part))
        if number.strip()
    ]


@given(PARTS)
def test_splitting_a_list_is_the_plain_rule(parts: list[str]) -> None:
    assert split_recipients(parts) == split_plainly(parts)
    joined = ",".join(parts)
    assert split_recipients(joined) == split_plainly([joined])


def test_splitting_takes_parts_that_are_not_text() -> None:
    """Not through the action (its schema makes text), but the helper is plain."""
    assert split_recipients([13600000000, " 1 ,2"]) == ["13600000000", "1", "2"]
    assert split_recipients(None) == []


def client(vendor: str) -> Any:
    """A client of `vendor` that makes no request."""
    config = {"host": "h", "port": 1, "username": "u", "password": "p"}
    return GATEWAYS[vendor](None, config)  # type: ignore[arg-type]


def unique_plainly(gateway: Any, numbers: tuple[str, ...]) -> Any:
    """`normalize_recipient` on each in turn: the first seen kept, the rest merged."""
    seen: dict[str, None] = {}
    merged: list[str] = []
    try:
        for recipient in numbers:
            number = gateway.normalize_recipient(recipient)
            if number in seen:
                merged.append(number)
            else:
                seen[number] = None
    except InvalidNumberError as err:
        return type(err), err.number
    return list(seen), merged


def unique(gateway: Any, numbers: tuple[str, ...]) -> Any:
    try:
        return gateway.unique_recipients(SendRequest(numbers, "x"))
    except InvalidNumberError as err:
        return type(err), err.number


@pytest.mark.parametrize("vendor", sorted(GATEWAYS))
@settings(max_examples=150)
@given(numbers=NUMBERS)
def test_normalising_a_list_is_the_plain_rule(vendor: str, numbers: list[str]) -> None:
    gateway = client(vendor)
    assert unique(gateway, tuple(numbers)) == unique_plainly(gateway, tuple(numbers))


@pytest.mark.parametrize("vendor", sorted(GATEWAYS))
def test_a_clean_bulk_list_is_taken_without_a_call_per_number(
    vendor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shortcut is taken: no number is read on its own."""
    gateway = client(vendor)
    read: list[str] = []
    monkeypatch.setattr(gateway, "normalize_recipient", read.append)
    numbers = tuple(f"136{index:08d}" for index in range(1000))
    assert gateway.unique_recipients(SendRequest(numbers, "x")) == (list(numbers), [])
    # with a number twice, still none is read on its own to find it
    twice = (*numbers, numbers[7])
    assert gateway.unique_recipients(SendRequest(twice, "x")) == (
        list(numbers),
        [numbers[7]],
    )
    assert read == []
    # a number with a line end inside is two numbers to the expression: not clean
    with pytest.raises(InvalidNumberError):
        client(vendor).unique_recipients(
            SendRequest(("13600000000\n13600000001",), "x")
        )
    # nor are numbers that are not text, which are read one by one
    monkeypatch.undo()
    assert gateway.unique_recipients(
        SendRequest((13600000000,), "x")  # type: ignore[arg-type]
    ) == (["13600000000"], [])


def test_the_action_takes_a_list_of_texts_as_it_is() -> None:
    numbers = [f"136{index:08d}" for index in range(1000)]
    data = SEND_SMS_SCHEMA({"recipients": numbers, "message": "x"})
    assert data["recipients"] is numbers
    # numbers given as numbers become text, as `cv.string` makes them
    data = SEND_SMS_SCHEMA({"recipients": [13600000000, "1"], "message": "x"})
    assert data["recipients"] == ["13600000000", "1"]
    assert SEND_SMS_SCHEMA({"recipients": "1,2", "message": "x"})["recipients"] == (
        "1,2"
    )
    # an empty list is refused later, with its own message (no_recipients)
    assert SEND_SMS_SCHEMA({"recipients": [], "message": "x"})["recipients"] == []
    for bad in ([{"a": 1}], ["1", None], {"a": 1}, None):
        with pytest.raises(vol.Invalid):
            SEND_SMS_SCHEMA({"recipients": bad, "message": "x"})


def test_adding_many_to_a_bounded_log_is_adding_each() -> None:
    """`add_all` of a bulk send: as `add` one after the other."""
    now = time.time()
    one_by_one, at_once = BoundedLog(5, 3600), BoundedLog(5, 3600)
    for log in (one_by_one, at_once):
        log.load({"a": now, "b": now, "c": now})
    for key in "bde":
        one_by_one.add(key, now + 1)
    at_once.add_all(dict.fromkeys("bde", now + 1))
    assert list(at_once.items.items()) == list(one_by_one.items.items())
    assert list(at_once.items) == ["a", "c", "b", "d", "e"]
    at_once.add_all(dict.fromkeys("fgh", now + 2))
    assert list(at_once.items) == ["d", "e", "f", "g", "h"]


def keep_plainly(
    log: list[tuple[str, float]], max_items: int, max_age: float, now: float
) -> list[tuple[str, float]]:
    """Beyond an eighth more than `max_items`, the oldest down to it; then the
    oldest, one by one, while too old."""
    if len(log) > max_items + max_items // 8:
        log = log[len(log) - max_items :]
    while log and log[0][1] < now - max_age:
        log = log[1:]
    return log


KEYS = "abcdefghijklmnopqrstuvwx"

# steps on a log: add one key, add several at once, or prune at a later time
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.sampled_from(KEYS), st.integers(0, 9)),
        st.tuples(
            st.just("add_all"),
            st.lists(st.sampled_from(KEYS), unique=True),
            st.integers(0, 9),
        ),
        st.tuples(st.just("prune"), st.just(""), st.integers(0, 9)),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(STEPS, st.integers(1, 20))
def test_a_bounded_log_keeps_what_the_plain_rule_keeps(
    steps: list[tuple[str, Any, int]], max_items: int
) -> None:
    """Each step leaves the keys, their order and values of the plain rule.

    The log drops its oldest in bulk and is made anew now and then (to have
    no holes at its start): neither may change what it holds.
    """
    max_age, base = 100.0, time.time()
    log, plain = BoundedLog(max_items, max_age), []
    for step, keys, offset in steps:
        at = base + offset
        if step == "prune":
            now = at + max_age - 5  # those added before offset - 5 are too old
            log.prune(now)
        else:
            added = [keys] if step == "add" else keys
            if step == "add":
                log.add(keys, at)
            else:
                log.add_all(dict.fromkeys(keys, at))
            plain = [(key, value) for key, value in plain if key not in added]
            plain += [(key, at) for key in added]
            now = time.time()
        plain = keep_plainly(plain, max_items, max_age, now)
        assert list(log.items.items()) == plain


def test_a_bounded_log_drops_its_oldest_an_eighth_at_a_time() -> None:
    """Beyond its size, the oldest go once an eighth more has come, all at
    once, into a dict made anew (dropping one at each add left holes at the
    dict's start that every look at the oldest walked past)."""
    log = BoundedLog(16, 3600)
    log.add_all(dict.fromkeys(map(str, range(16)), time.time()))
    log.take_changes()
    made = log.items
    log.add("16", time.time())
    log.add("17", time.time())  # 18: an eighth more, kept
    assert log.items is made
    assert len(log.items) == 18
    log.add("18", time.time())  # beyond it: back to 16, made anew
    assert log.items is not made
    assert list(log.items) == [str(key) for key in range(3, 19)]
    changed, gone = log.take_changes() or ({}, set())
    assert (set(changed), gone) == ({"16", "17", "18"}, {"0", "1", "2"})


def test_a_bounded_log_is_made_anew_once_an_eighth_grew_old() -> None:
    """Those too old go one by one: once an eighth of the size went so, the
    dict is made anew without the holes they left."""
    now = time.time()
    log = BoundedLog(64, 60)
    log.load({str(key): now + key for key in range(32)})
    made = log.items
    log.prune(now + 60.5)  # one too old, of 32: the same dict
    assert log.items is made
    log.prune(now + 62.5)  # three of 29, an eighth: made anew
    assert log.items is not made
    assert list(log.items) == [str(key) for key in range(3, 32)]

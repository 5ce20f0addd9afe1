"""Phone number rules shared by the vendors."""

from __future__ import annotations

import re

from .errors import InvalidNumberError

_NUMBER_NOISE = re.compile(r"[\s\-().]")

_NUMBER = r"\+?[0-9]{2,20}"

_VALID_NUMBER = re.compile(_NUMBER)

# Numbers joined by newlines, each taken as it is: by every vendor, and by a
# domestic platform (no country code written).
_DOMESTIC_NUMBER = r"(?!00)[0-9]{2,20}"

_AS_IS = re.compile(rf"(?:{_NUMBER}\n)*{_NUMBER}")

_AS_IS_DOMESTIC = re.compile(rf"(?:{_DOMESTIC_NUMBER}\n)*{_DOMESTIC_NUMBER}")


def normalize_number(number: str) -> str:
    """Drop the spaces, dashes, dots and brackets people type into numbers."""
    if isinstance(number, str) and _VALID_NUMBER.fullmatch(number):
        return number  # the usual case of a bulk send, at half the cost
    cleaned = _NUMBER_NOISE.sub("", str(number))
    if not _VALID_NUMBER.fullmatch(cleaned):
        raise InvalidNumberError(str(number))
    return cleaned


def all_as_is(numbers: tuple[str, ...], domestic: bool) -> bool:
    """Whether each of `numbers` is a number as it stands.

    Domestic: written without a country code. One regular expression over them
    all, for a bulk send.
    """
    try:
        joined = "\n".join(numbers)
    except TypeError:
        return False
    if joined.count("\n") != len(numbers) - 1:  # a number with a newline
        return False
    pattern = _AS_IS_DOMESTIC if domestic else _AS_IS
    return pattern.fullmatch(joined) is not None

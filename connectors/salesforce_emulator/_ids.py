"""Salesforce record ids: 15 case-sensitive characters plus a case-safe suffix."""

from __future__ import annotations

import itertools
import string
import threading

__all__ = ["IdFactory", "normalize_id"]

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_SUFFIX_ALPHABET = string.ascii_uppercase + "012345"
# The two characters after the key prefix name the pod; a fixed, plausible one.
_POD = "8d"


def _suffix(id15: str) -> str:
    """The three characters that make a 15-character id case-insensitive."""
    chars = []
    for start in range(0, 15, 5):
        chunk = id15[start : start + 5]
        bits = sum(1 << i for i, c in enumerate(chunk) if c.isupper())
        chars.append(_SUFFIX_ALPHABET[bits])
    return "".join(chars)


def normalize_id(value: str) -> str | None:
    """The 18-character form of a 15- or 18-character id; None if malformed."""
    if len(value) not in (15, 18) or not value.isalnum() or not value.isascii():
        return None
    id15 = value[:15]
    return id15 + _suffix(id15)


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(_BASE62[rest])
    return "".join(reversed(digits)).rjust(width, "0")


class IdFactory:
    """Hands out new ids per key prefix (``001`` Account, ``006`` Opportunity…)."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def new(self, prefix: str) -> str:
        """A fresh 18-character id with the given three-character prefix."""
        with self._lock:
            number = next(self._counter)
        id15 = prefix + _POD + "0" + _base62(number, 9)
        return id15 + _suffix(id15)

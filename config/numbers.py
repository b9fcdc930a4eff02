"""Numbers written by someone else (URLs, tokens, response headers), read without
surprises: a non-number gives None, never an exception."""

from __future__ import annotations

# A bigint's 19 digits, less one: any number this long fits a primary key or a timestamp.
MAX_DIGITS = 18


def plain_int(value: str | None, max_digits: int = MAX_DIGITS) -> int | None:
    """The whole number `value` spells in ASCII digits (leading zeros allowed, at most
    `max_digits` significant ones), else None. `str.isdigit()` alone accepts "²", which
    `int()` refuses, and `int()` refuses strings of more than 4,300 digits."""
    if not value or not (value.isascii() and value.isdigit()):
        return None
    significant = value.lstrip("0") or "0"
    if len(significant) > max_digits:
        return None
    return int(significant)  # not `value`: 5,000 zeros then a 2 is 2, and too long for int()

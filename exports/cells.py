"""Cells of a CSV that spreadsheet software opens: text stays text."""

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(,\d+)?")


def spreadsheet_cell(value: str) -> str:
    """A value a spreadsheet shows as text: never run as a formula (names typed by the
    public in online booking end up here), a quote in front of what would be one."""
    if value.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(value):
        return "'" + value
    return value

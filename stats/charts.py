"""The page's charts, drawn on the server as inline SVG (no script, nothing loaded from
elsewhere): this module computes the shapes, `stats/_columns.html` and `stats/_bars.html`
draw them. Each chart is followed on the page by a table of its figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# DSFR colours: bleu France and terre battue (both ≥ 4.5:1 against white).
COLOURS = ("#000091", "#b34000")
MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin"] + [
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 12, 28


def month_label(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day:%y}"


def _ceiling(value: int) -> int:
    """A round maximum for the axis: 1, 2 or 5 times a power of ten, at least value."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= factor * step:
                return factor * step
        step *= 10


def _rounded(*values: float) -> list[float]:
    return [round(value, 1) for value in values]


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    colour: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


def columns(categories: list[tuple[str, str]], series: list[list[int]]) -> dict:
    """Stacked columns: `categories` are (axis label or "", full label) per column,
    `series` one list of values per colour, in COLOURS order."""
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _ceiling(max([sum(values) for values in zip(*series, strict=True)] + [1]))
    band = plot_width / max(len(categories), 1)
    rects, labels = [], []
    for index, (axis_label, _) in enumerate(categories):
        x = LEFT + index * band + band * 0.15
        base = TOP + plot_height
        for colour, values in zip(COLOURS, series, strict=False):
            height = values[index] / top * plot_height
            if height:
                base -= height
                rects.append(Rect(*_rounded(x, base, band * 0.7, height), colour))
        # A label closer than 48 units to the previous one would overlap it: left out.
        if axis_label and (not labels or x - labels[-1].x >= 48):
            labels.append(Label(round(x, 1), HEIGHT - 8, axis_label))
    # The axis: 0, the middle (when a whole number) and the top.
    ticks = [
        Label(LEFT - 6, round(TOP + plot_height - plot_height * value / top, 1), str(value))
        for value in sorted({0, top // 2 if top % 2 == 0 else 0, top})
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "rects": rects,
        "labels": labels,
        "ticks": ticks,
    }


def bars(items: list[tuple[str, int]]) -> dict:
    """Horizontal bars, one per (label, value), longest first as given."""
    label_width, row, value_width = 250, 26, 70
    plot_width = WIDTH - label_width - value_width
    top = max([value for _, value in items] + [1])
    rows = []
    for index, (label, value) in enumerate(items):
        y = index * row
        short = label if len(label) <= 38 else label[:37] + "…"
        rows.append(
            {
                "label": Label(0, y + 17, short),
                "rect": Rect(
                    label_width, y + 4, round(max(value / top * plot_width, 1), 1), 18, COLOURS[0]
                ),  # fmt: skip
                "value": Label(
                    round(label_width + value / top * plot_width + 6, 1), y + 17, str(value)
                ),  # fmt: skip
            }
        )
    return {"width": WIDTH, "height": max(len(items), 1) * row, "rows": rows}


def weekly_chart(weekly: list[tuple[date, int, int]]) -> dict:
    """RDVs per week, online over booked by an agent; the axis names each month once."""
    categories, previous = [], None
    for week, _, _ in weekly:
        axis = month_label(week) if previous is None or week.month != previous else ""
        previous = week.month
        categories.append((axis, f"semaine du {week:%d/%m/%Y}"))
    return columns(categories, [[w[1] for w in weekly], [w[2] for w in weekly]])


def monthly_chart(months: list[tuple[date, int, int]]) -> dict:
    categories = [(month_label(m), month_label(m)) for m, _, _ in months]
    return columns(categories, [[m[1] for m in months], [m[2] for m in months]])

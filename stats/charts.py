"""The page's charts, drawn on the server as inline SVG (no script, nothing loaded from
elsewhere): this module computes the shapes and writes their markup. Each chart is
followed on the page by a table of its figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import mark_safe

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


def _svg_open(chart: dict, chart_id: str, title: str) -> list[str]:
    return [
        f'<svg role="img" aria-labelledby="{chart_id}-titre" viewBox="0 0 {chart["width"]} '
        f'{chart["height"]}" width="100%" focusable="false">',
        f'<title id="{chart_id}-titre">{escape(title)}</title>',
    ]


def _text(label: Label) -> str:
    return f'<text x="{label.x}" y="{label.y}">{escape(label.text)}</text>'


def _rect(rect: Rect) -> str:
    return (
        f'<rect x="{rect.x}" y="{rect.y}" width="{rect.width}" height="{rect.height}" '
        f'fill="{rect.colour}"/>'
    )


def columns_svg(chart: dict, chart_id: str, title: str) -> str:
    """The markup of a `columns()` chart (built here: a template loop over a year of
    weeks costs more than the page's queries)."""
    parts = _svg_open(chart, chart_id, title)
    parts.append('<g font-size="11" fill="#3a3a3a" text-anchor="end">')
    for tick in chart["ticks"]:
        parts.append(
            f'<line x1="{chart["left"]}" x2="{chart["right"]}" y1="{tick.y}" y2="{tick.y}" '
            f'stroke="#dddddd"/><text x="{tick.x}" y="{tick.y}" dy="4">{tick.text}</text>'
        )
    parts.append("</g>")
    parts.extend(_rect(rect) for rect in chart["rects"])
    parts.append('<g font-size="11" fill="#3a3a3a">')
    parts.extend(_text(label) for label in chart["labels"])
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text escaped above)


def bars_svg(chart: dict, chart_id: str, title: str) -> str:
    parts = _svg_open(chart, chart_id, title)
    parts.append('<g font-size="12" fill="#3a3a3a">')
    for row in chart["rows"]:
        parts.extend((_text(row["label"]), _rect(row["rect"]), _text(row["value"])))
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text escaped above)

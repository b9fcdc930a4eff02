"""The figures of the Statistiques page (charts and tables) as rendered HTML, kept in
the cache until the summary is next refreshed: counted and rendered once per refresh
and filter, by the first visitor — or, for the page as it first opens (the whole
territory, 12 months), by the refresh task itself (`warm`)."""

from __future__ import annotations

from datetime import date

from django.core.cache import cache
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from stats import charts
from stats.queries import TOP, Period, cache_key, period, statistics
from territories.models import Territory

CACHE_SECONDS = 30 * 60
DEFAULT_MONTHS = 12
TABLE_FOLLOWS = " (les chiffres sont dans le tableau qui suit)"


def figures(territory: Territory, organisations: QuerySet | None, p: Period, today: date) -> str:
    """`organisations`: those counted (a subquery), None for the whole territory."""
    key, refreshed = cache_key(territory, organisations, p, today)
    html = cache.get(key)
    if html is None:
        html = _render(territory, organisations, p, refreshed)
        cache.set(key, html, CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 (rendered by _render)


def warm(territory: Territory) -> None:
    """Counts and renders the page as it first opens, before anyone asks."""
    today = timezone.localdate()
    figures(territory, None, period(DEFAULT_MONTHS, today), today)


def _render(territory, organisations, p, refreshed) -> str:
    """The charts and tables, rendered once per summary refresh (a year of weeks costs
    more to render than to count)."""
    data = statistics(territory, organisations, p)
    weekly_title = "RDV par semaine, pris en ligne et pris par un agent"
    messages_title = "Courriels et SMS envoyés par mois"
    return render_to_string(
        "stats/_figures.html",
        {
            "stats": data,
            "period": p,
            "refreshed_at": refreshed,
            "weekly_chart": charts.columns_svg(
                charts.weekly_chart(data["weekly"]), "rdv-semaines", weekly_title + TABLE_FOLLOWS
            ),
            "messages_chart": charts.columns_svg(
                charts.monthly_chart(data["messages"]),
                "messages-mois",
                messages_title + TABLE_FOLLOWS,
            ),
            "breakdowns": _breakdowns(data),
            "colours": charts.COLOURS,
            "organisation_chosen": organisations is not None,
        },
    )


def _motif_name(row: dict) -> str:
    service = row["motif__service__short_name"]
    return f"{row['motif__name']} ({service})" if service else row["motif__name"]


def _breakdowns(data: dict) -> list[tuple]:
    """(chart, rows, column heading, id, heading) of the bar charts."""
    organisations = [(r["organisation__name"], r["count"]) for r in data["by_organisation"]]
    motifs = [(_motif_name(r), r["count"]) for r in data["by_motif"]]
    services = [(r["service__name"], r["count"]) for r in data["by_service"]]
    return [
        (
            charts.bars_svg(charts.bars(rows), chart_id, heading + TABLE_FOLLOWS),
            rows,
            column,
            chart_id,
            heading,
        )
        for rows, column, chart_id, heading in (
            (
                organisations,
                "Organisation",
                "organisations",
                f"Les {TOP} organisations qui ont le plus de RDV",
            ),
            (motifs, "Motif", "motifs", f"Les {TOP} motifs les plus pris"),
            (services, "Service", "services", "RDV par service"),
        )
    ]

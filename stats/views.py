from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView

from stats import charts
from stats.forms import StatisticsFilterForm
from stats.queries import TOP, cache_key, period, statistics
from territories import permissions
from territories.filters import matching_organisations
from territories.sections import SectionMixin

CACHE_SECONDS = 30 * 60
TABLE_FOLLOWS = " (les chiffres sont dans le tableau qui suit)"
NO_MATCH = "Aucune organisation dont vous voyez les statistiques ne porte ce nom."


class StatisticsView(SectionMixin, TemplateView):
    """Territory admins: the whole territory or some organisations; organisations'
    admins: theirs (the section lets no one else in)."""

    section_key = "statistics"
    template_name = "stats/statistics.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        territory, agent = self.request.territory, self.request.user
        allowed = permissions.statistics_organisations(agent, territory)
        whole_territory = permissions.can_configure_territory(agent, territory)
        filters = StatisticsFilterForm(
            self.request.GET or None,
            territory=territory,
            organisations=allowed,
            whole_territory=whole_territory,
        )
        context["filters"] = filters
        if filters.is_bound and not filters.is_valid():
            return context
        cleaned = filters.cleaned_data if filters.is_bound else {}
        chosen = cleaned.get("organisation")
        organisations = None if whole_territory else allowed
        if chosen:
            organisations = matching_organisations(territory, chosen, allowed)
            if not organisations.exists():
                filters.add_error("organisation", NO_MATCH)
                return context
        today = timezone.localdate()
        p = period(cleaned.get("periode") or 12, today)
        key, refreshed = cache_key(territory, organisations, p, today)
        figures = cache.get(key)
        if figures is None:
            figures = _figures(territory, organisations, p, refreshed)
            cache.set(key, figures, CACHE_SECONDS)
        context["figures"] = mark_safe(figures)  # noqa: S308 (rendered by _figures)
        return context


def _figures(territory, organisations, p, refreshed) -> str:
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

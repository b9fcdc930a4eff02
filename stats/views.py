from django.utils import timezone
from django.views.generic import TemplateView

from stats import charts
from stats.forms import StatisticsFilterForm
from stats.queries import TOP, cached_statistics, period
from territories import permissions
from territories.filters import matching_organisations
from territories.sections import SectionMixin

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
        data = cached_statistics(territory, organisations, p, today)
        context.update(
            stats=data,
            period=p,
            weekly_chart=charts.weekly_chart(data["weekly"]),
            messages_chart=charts.monthly_chart(data["messages"]),
            breakdowns=_breakdowns(data),
            colours=charts.COLOURS,
            organisation_chosen=organisations is not None,
        )
        return context


def _motif_name(row: dict) -> str:
    service = row["motif__service__short_name"]
    return f"{row['motif__name']} ({service})" if service else row["motif__name"]


def _breakdowns(data: dict) -> list[tuple]:
    """(chart, rows, column heading, id, heading) of the bar charts."""
    organisations = [(r["organisation__name"], r["count"]) for r in data["by_organisation"]]
    motifs = [(_motif_name(r), r["count"]) for r in data["by_motif"]]
    services = [(r["service__name"], r["count"]) for r in data["by_service"]]
    return [
        (charts.bars(rows), rows, column, chart_id, heading)
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

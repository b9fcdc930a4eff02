from django.utils import timezone
from django.views.generic import TemplateView

from stats.figures import DEFAULT_MONTHS, figures
from stats.forms import StatisticsFilterForm
from stats.queries import period
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
        p = period(cleaned.get("periode") or DEFAULT_MONTHS, today)
        context["figures"] = figures(territory, organisations, p, today)
        return context

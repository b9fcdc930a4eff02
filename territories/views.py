from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.generic import TemplateView

from territories import permissions
from territories.errors import ServiceError
from territories.search import search_q
from territories.sections import configuration_sections


@login_required
def territory_list(request):
    """The territories the logged-in agent administers or works in."""
    territories = permissions.territories_of(request.user).order_by("name")
    query = request.GET.get("q", "").strip()
    if query:
        territories = territories.filter(search_q(query, "name", "departement_number"))
    page = Paginator(territories, 20).get_page(request.GET.get("page"))
    return render(request, "territories/territory_list.html", {"page_obj": page, "query": query})


class DashboardView(permissions.ConfigurationRequiredMixin, TemplateView):
    template_name = "territories/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        territory = self.request.territory
        tiles = [(section, section.url(territory)) for section in configuration_sections()]
        context["tiles"] = tiles
        return context


class TerritoryFormMixin:
    """For a FormView whose form takes `territory=` and whose `save(form)` calls a service.

    A service's refusal (`territories.errors`: a name another admin took meanwhile, a
    form shown with a version of the object someone has since changed…) is shown on
    the form with the person's input, nothing saved.
    """

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "territory": self.request.territory}

    def form_valid(self, form):
        try:
            return self.save(form)
        except ServiceError as error:
            error.apply_to_form(form)
            return self.form_invalid(form)

    def save(self, form):
        raise NotImplementedError

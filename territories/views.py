from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import render
from django.views.generic import TemplateView

from territories.errors import ServiceError
from territories.models import AgentRole, Territory, TerritoryAdmin
from territories.search import search_q
from territories.sections import SECTIONS
from territories.tenancy import TerritoryAdminRequiredMixin


@login_required
def territory_list(request):
    """The territories the logged-in agent administers or works in."""
    is_admin = Exists(TerritoryAdmin.objects.filter(territory=OuterRef("pk"), agent=request.user))
    # A cross-territory query by design, narrowed to the caller's own roles.
    roles = AgentRole.objects.with_scopes_disabled().filter(
        organisation__territory=OuterRef("pk"), agent=request.user
    )
    territories = (
        Territory.objects.annotate(is_admin=is_admin, is_member=Exists(roles))
        .filter(Q(is_admin=True) | Q(is_member=True))
        .order_by("name")
    )
    query = request.GET.get("q", "").strip()
    if query:
        territories = territories.filter(search_q(query, "name", "departement_number"))
    page = Paginator(territories, 20).get_page(request.GET.get("page"))
    return render(request, "territories/territory_list.html", {"page_obj": page, "query": query})


class DashboardView(TerritoryAdminRequiredMixin, TemplateView):
    template_name = "territories/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        territory = self.request.territory
        context["tiles"] = [(section, section.url(territory)) for section in SECTIONS]
        return context


def section_of(key: str):
    return next(s for s in SECTIONS if s.key == key)


class SectionMixin:
    """Puts the view's `section` in the context (side navigation, breadcrumb, title)."""

    section_key = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["section"] = section_of(self.section_key)
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


class SectionView(TerritoryAdminRequiredMixin, SectionMixin, TemplateView):
    """A configuration section's landing page (filled in by each section's own views)."""

    template_name = "territories/section.html"

"""The Organisations section: list, configuration page, creation and edition.

Organisations are never deleted: RDVs, motifs and agents' roles point to them.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, FormView, ListView

from territories.changes import version_of
from territories.forms import OrganisationForm
from territories.models import Organisation
from territories.payloads import organisation_payload
from territories.queries import organisations_overview
from territories.search import search_q
from territories.services import create_organisation, update_organisation
from territories.tenancy import TerritoryAdminRequiredMixin
from territories.views import SectionMixin, TerritoryFormMixin


class OrganisationMixin(TerritoryAdminRequiredMixin, SectionMixin):
    section_key = "organisations"

    def get_organisation(self) -> Organisation:
        return get_object_or_404(
            organisations_overview(self.request.territory), pk=self.kwargs["organisation_pk"]
        )


class OrganisationListView(OrganisationMixin, ListView):
    template_name = "territories/organisation_list.html"
    paginate_by = 25

    def get_queryset(self):
        organisations = organisations_overview(self.request.territory).order_by("name")
        self.query = self.request.GET.get("q", "").strip()
        if self.query:
            organisations = organisations.filter(search_q(self.query, "name", "address"))
        return organisations

    def get_context_data(self, **kwargs):
        return super().get_context_data(query=self.query, **kwargs)


class OrganisationDetailView(OrganisationMixin, DetailView):
    template_name = "territories/organisation_detail.html"
    context_object_name = "organisation"

    def get_object(self, queryset=None):
        return self.get_organisation()

    def get_context_data(self, **kwargs):
        motifs = self.object.motifs.active().select_related("service").order_by("name")
        return super().get_context_data(motifs=motifs, **kwargs)


class OrganisationFormMixin(OrganisationMixin, TerritoryFormMixin):
    form_class = OrganisationForm
    template_name = "territories/organisation_form.html"


class OrganisationCreateView(OrganisationFormMixin, FormView):
    def save(self, form):
        organisation = create_organisation(
            self.request.territory, form.values(), acting_agent=self.request.user
        )
        messages.success(
            self.request,
            f"L'organisation « {organisation} » est créée ; vous en êtes administrateur.",
        )
        return redirect("territories:organisation", self.request.territory.pk, organisation.pk)


class OrganisationUpdateView(OrganisationFormMixin, FormView):
    def get_form_kwargs(self):
        self.organisation = self.get_organisation()
        return {
            **super().get_form_kwargs(),
            "instance": self.organisation,
            "version": version_of(organisation_payload(self.organisation)),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)  # builds the form, hence self.organisation
        return {**context, "organisation": self.organisation}

    def save(self, form):
        organisation = update_organisation(
            self.organisation,
            form.values(),
            acting_agent=self.request.user,
            version=form.shown_version,
        )
        messages.success(self.request, f"L'organisation « {organisation} » est enregistrée.")
        return redirect("territories:organisation", self.request.territory.pk, organisation.pk)

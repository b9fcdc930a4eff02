"""The Organisations and Services sections.

Organisations: list, configuration page, creation and edition. They are never
deleted: RDVs, motifs and agents' roles point to them.
Services: the global catalogue, activated or not in the territory.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import DetailView, FormView, ListView

from organisations.forms import OrganisationForm, ServiceRequestForm, ServiceStateForm
from organisations.queries import organisations_overview, services_overview
from organisations.services import (
    create_organisation,
    request_service,
    set_service_active,
    update_organisation,
)
from territories.changes import version_of
from territories.models import Organisation
from territories.payloads import organisation_payload
from territories.search import search_q
from territories.sections import SectionMixin, in_section
from territories.views import TerritoryFormMixin


class OrganisationMixin(SectionMixin):
    section_key = "organisations"

    def get_organisation(self) -> Organisation:
        return get_object_or_404(
            organisations_overview(self.request.territory), pk=self.kwargs["organisation_pk"]
        )


class OrganisationListView(OrganisationMixin, ListView):
    template_name = "organisations/organisation_list.html"
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
    organisation_kwarg = "organisation_pk"  # its own admins open it too
    template_name = "organisations/organisation_detail.html"
    context_object_name = "organisation"

    def get_object(self, queryset=None):
        return self.get_organisation()

    def get_context_data(self, **kwargs):
        motifs = self.object.motifs.active().select_related("service").order_by("name")
        return super().get_context_data(motifs=motifs, **kwargs)


class OrganisationFormMixin(OrganisationMixin, TerritoryFormMixin):
    form_class = OrganisationForm
    template_name = "organisations/organisation_form.html"


class OrganisationCreateView(OrganisationFormMixin, FormView):
    def save(self, form):
        organisation = create_organisation(
            self.request.territory, form.values(), acting_agent=self.request.user
        )
        messages.success(
            self.request,
            f"L'organisation « {organisation} » est créée ; vous en êtes administrateur.",
        )
        return redirect(
            "organisations:organisation_detail", self.request.territory.pk, organisation.pk
        )


class OrganisationUpdateView(OrganisationFormMixin, FormView):
    organisation_kwarg = "organisation_pk"  # its own admins edit its details too

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
        return redirect(
            "organisations:organisation_detail", self.request.territory.pk, organisation.pk
        )


@in_section("services")
def service_list(request, territory_pk: int):
    return render(
        request,
        "organisations/service_list.html",
        {"services": services_overview(request.territory)},
    )


class ServiceRequestView(SectionMixin, TerritoryFormMixin, FormView):
    """ "Demander l'ajout d'un service": a form whose request reaches the support staff."""

    section_key = "services"
    form_class = ServiceRequestForm
    template_name = "organisations/service_request_form.html"

    def save(self, form):
        request_service(
            self.request.territory,
            service_name=form.cleaned_data["service_name"],
            reason=form.cleaned_data["reason"],
            organisations=list(form.cleaned_data["organisations"]),
            acting_agent=self.request.user,
        )
        messages.success(
            self.request,
            f"Votre demande d'ajout du service « {form.cleaned_data['service_name']} » a été "
            "envoyée à l'équipe support. Elle vous répondra par courriel.",
        )
        return redirect("services:section", territory_pk=self.request.territory.pk)


@in_section("services")
def service_set_state(request, territory_pk: int, activate: bool):
    """GET `?service=<pk>`: the confirmation page; POST: do it."""
    data = request.POST if request.method == "POST" else request.GET
    form = ServiceStateForm(data, territory=request.territory, activate=activate)
    if form.has_error("service", "unchanged"):  # e.g. a double submit, or a stale page
        messages.info(request, form.errors["service"][0])
        return redirect("services:section", territory_pk=territory_pk)
    if not form.is_valid():
        raise Http404("Ce service ne peut pas être modifié ici.")
    service = form.cleaned_data["service"]
    if request.method == "POST":
        set_service_active(
            request.territory, service, is_active=activate, acting_agent=request.user
        )
        if activate:
            messages.success(request, f"Le service « {service} » est activé.")
        else:
            messages.success(request, f"Le service « {service} » est désactivé.")
        return redirect("services:section", territory_pk=territory_pk)
    return render(
        request,
        "organisations/service_confirm.html",
        {
            "form": form,
            "activate": activate,
            "service": services_overview(request.territory).get(pk=service.pk),
        },
    )

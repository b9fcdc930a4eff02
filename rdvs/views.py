"""The agents' RDV screens: day and week agenda, create, edit, detail, status,
cancel, waiting room. Any member of the territory may use them; an RDV is only
found in the organisations where the agent has a role (others: 404)."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from notifications.queries import messages_about_rdv
from rdv_settings.queries import settings_for
from rdvs import services
from rdvs.forms import (
    FIRST_AGENDA_DAY,
    LAST_AGENDA_DAY,
    OrganisationChoiceForm,
    RdvForm,
    StatusForm,
)
from rdvs.models import RdvStatus
from rdvs.queries import agenda, colleagues, organisations_of, rdvs_visible_to, with_details
from rdvs.rules import can_record_arrival
from territories.errors import ServiceError
from territories.sections import SectionMixin, in_section


class AgendaSectionMixin(SectionMixin):
    section_key = "agenda"


def access_rdv(request, rdv_pk: int):
    rdvs = rdvs_visible_to(request.user, request.territory)
    return get_object_or_404(with_details(rdvs), pk=rdv_pk)


def _day_from(request) -> date:
    try:
        day = date.fromisoformat(request.GET.get("jour", ""))
    except ValueError:
        return timezone.localdate()
    return day if FIRST_AGENDA_DAY <= day <= LAST_AGENDA_DAY else timezone.localdate()


def _annotate_waiting_room(rdvs, rdv_settings) -> None:
    for rdv in rdvs:
        rdv.can_record_arrival = can_record_arrival(rdv, rdv_settings.waiting_room_enabled)
        rdv.shows_waiting = (
            rdv_settings.notifies_visually
            and rdv.arrived_at is not None
            and rdv.status == RdvStatus.UNKNOWN
        )


def _version(rdvs) -> str:
    """Changes whenever what the list shows changes: live polling swaps only then."""
    state = repr([(rdv.pk, rdv.status, rdv.arrived_at, rdv.updated_at) for rdv in rdvs])
    return hashlib.sha256(state.encode()).hexdigest()[:16]


# Agents per page of the "all RDVs" agenda: a département's territory has thousands of
# agents, and a page computes and sends only the RDVs of the agents it shows.
AGENDA_AGENTS_PER_PAGE = 30


class AgendaView(AgendaSectionMixin, TemplateView):
    """One day (`days = 1`, refreshed live for the waiting room) or a week: the agent's
    own RDVs, or (`tous=1`) those of a page of the agents of their organisations."""

    days = 1
    template_name = "rdvs/agenda_day.html"

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        if request.htmx:
            if request.GET.get("version") == context["version"]:
                return HttpResponse(status=204)  # nothing changed: keep the page as it is
            return render(request, "rdvs/_day_list.html", context)
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        request = self.request
        day = _day_from(request)
        first_day = day - timedelta(days=day.weekday()) if self.days == 7 else day
        everyone = request.GET.get("tous") == "1"
        query = request.GET.get("q", "").strip()[:100] if everyone else ""
        page_obj = None
        if everyone:
            shown = colleagues(request.user, request.territory, query)
            page_obj = Paginator(shown, AGENDA_AGENTS_PER_PAGE).get_page(request.GET.get("page"))
            agents = list(page_obj.object_list)
        else:
            agents = [request.user]
        rdv_settings = settings_for(request.territory)
        rdvs = list(
            agenda(
                request.user, request.territory, first_day, self.days, agents=[a.pk for a in agents]
            )
        )
        _annotate_waiting_room(rdvs, rdv_settings)
        by_day = {first_day + timedelta(days=n): [] for n in range(self.days)}
        for rdv in rdvs:
            by_day[timezone.localtime(rdv.starts_at).date()].append(rdv)
        version = _version(rdvs)
        step = timedelta(days=self.days)
        base = {}
        if everyone:  # the navigation keeps the same agents on screen
            base = {"tous": "1", "q": query, "page": page_obj.number}
            base = {key: value for key, value in base.items() if value not in ("", 1)}
        here = request.resolver_match.view_name
        url = reverse(here, kwargs={"territory_pk": request.territory.pk})
        return super().get_context_data(
            day=day,
            days=list(by_day.items()),
            rdvs=rdvs,
            everyone=everyone,
            query=query,
            agents_query=urlencode(base),
            page_obj=page_obj,
            shown_agents=agents if everyone else [],
            rdv_settings=rdv_settings,
            version=version,
            live=self.days == 1 and rdv_settings.notifies_visually and day == timezone.localdate(),
            poll_url=f"{url}?{urlencode({**base, 'jour': day, 'version': version})}",
            previous_url=f"{url}?{urlencode({**base, 'jour': day - step})}",
            next_url=f"{url}?{urlencode({**base, 'jour': day + step})}",
            mine_url=f"{url}?{urlencode({'jour': day})}",
            everyone_url=f"{url}?{urlencode({'tous': '1', 'jour': day})}",
            back_url=request.get_full_path(),
            **kwargs,
        )


class AgendaWeekView(AgendaView):
    days = 7
    template_name = "rdvs/agenda_week.html"


class RdvFormMixin(AgendaSectionMixin):
    template_name = "rdvs/rdv_form.html"

    def form_for(self, organisation, rdv=None):
        return RdvForm(
            self.request.POST or None,
            organisation=organisation,
            agent=self.request.user,
            context_enabled=settings_for(self.request.territory).context_enabled,
            record_query=self.request.GET.get("q", "").strip(),
            rdv=rdv,
        )

    def render_form(self, form, organisation, rdv=None):
        context = {
            "form": form,
            "organisation": organisation,
            "rdv": rdv,
            "query": self.request.GET.get("q", ""),
        }
        return render(self.request, self.template_name, context)


class RdvCreateView(RdvFormMixin, View):
    """Organisation first (asked only when the agent has several), then the RDV form."""

    def organisation_choice(self):
        return OrganisationChoiceForm(
            self.request.GET or None, territory=self.request.territory, agent=self.request.user
        )

    def get_organisation(self):
        choice = self.organisation_choice()
        if choice.is_valid():
            return choice.cleaned_data["organisation"]
        only = list(organisations_of(self.request.user, self.request.territory)[:2])
        return only[0] if len(only) == 1 else None

    def get(self, request, *args, **kwargs):
        organisation = self.get_organisation()
        if organisation is None:
            context = {"form": self.organisation_choice()}
            return render(request, "rdvs/organisation_choice.html", context)
        return self.render_form(self.form_for(organisation), organisation)

    def post(self, request, *args, **kwargs):
        organisation = self.get_organisation()
        if organisation is None:
            return redirect("rdvs:rdv_create", territory_pk=request.territory.pk)
        form = self.form_for(organisation)
        if form.is_valid():
            try:
                rdv = services.book(organisation, **form.rdv_values(), acting_agent=request.user)
            except ServiceError as error:
                error.apply_to_form(form)
            else:
                messages.success(request, "Le RDV est créé.")
                return redirect("rdvs:rdv_detail", territory_pk=request.territory.pk, rdv_pk=rdv.pk)
        return self.render_form(form, organisation)


class RdvUpdateView(RdvFormMixin, View):
    def get(self, request, *args, **kwargs):
        rdv = access_rdv(request, kwargs["rdv_pk"])
        return self.render_form(self.form_for(rdv.organisation, rdv), rdv.organisation, rdv)

    def post(self, request, *args, **kwargs):
        rdv = access_rdv(request, kwargs["rdv_pk"])
        form = self.form_for(rdv.organisation, rdv)
        if form.is_valid():
            try:
                services.update(rdv, **form.rdv_values(), acting_agent=request.user)
            except ServiceError as error:
                error.apply_to_form(form)
            else:
                messages.success(request, "Le RDV est modifié.")
                return redirect("rdvs:rdv_detail", territory_pk=request.territory.pk, rdv_pk=rdv.pk)
        return self.render_form(form, rdv.organisation, rdv)


class RdvDetailView(AgendaSectionMixin, TemplateView):
    template_name = "rdvs/rdv_detail.html"

    def get_context_data(self, **kwargs):
        rdv = access_rdv(self.request, kwargs["rdv_pk"])
        rdv_settings = settings_for(self.request.territory)
        _annotate_waiting_room([rdv], rdv_settings)
        return super().get_context_data(
            rdv=rdv,
            rdv_settings=rdv_settings,
            status_form=StatusForm(initial={"status": rdv.status}),
            sent_messages=messages_about_rdv(rdv),
            back_url=self.request.get_full_path(),
            **kwargs,
        )


@require_POST
@in_section("agenda")
def rdv_status(request, territory_pk: int, rdv_pk: int):
    rdv = access_rdv(request, rdv_pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez un statut dans la liste.")
    else:
        try:
            rdv = services.set_status(rdv, form.cleaned_data["status"], acting_agent=request.user)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Statut du RDV : {rdv.get_status_display()}.")
    return redirect("rdvs:rdv_detail", territory_pk=territory_pk, rdv_pk=rdv.pk)


class RdvCancelView(AgendaSectionMixin, View):
    def get(self, request, *args, **kwargs):
        rdv = access_rdv(request, kwargs["rdv_pk"])
        return render(request, "rdvs/rdv_cancel.html", {"rdv": rdv})

    def post(self, request, *args, **kwargs):
        rdv = access_rdv(request, kwargs["rdv_pk"])
        services.cancel(rdv, acting_agent=request.user)
        messages.success(request, "Le RDV est annulé.")
        return redirect("rdvs:rdv_detail", territory_pk=request.territory.pk, rdv_pk=rdv.pk)


@require_POST
@in_section("agenda")
def rdv_arrival(request, territory_pk: int, rdv_pk: int):
    rdv = access_rdv(request, rdv_pk)
    try:
        recorded = services.record_arrival(rdv, acting_agent=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if recorded:
            messages.success(request, "L'usager est en salle d'attente : arrivée enregistrée.")
        else:
            messages.info(request, "L'arrivée de l'usager était déjà enregistrée.")
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("rdvs:rdv_detail", territory_pk=territory_pk, rdv_pk=rdv.pk)

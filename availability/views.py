"""Agents' screens for their availability ranges and absences (admins act for any agent)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from availability.forms import AbsenceForm, AvailabilityRangeForm
from availability.models import Absence, AvailabilityRange
from availability.payloads import absence_payload, availability_range_payload
from availability.services import (
    delete_absence,
    delete_availability_range,
    save_absence,
    save_availability_range,
)
from territories import permissions
from territories.changes import version_of
from territories.errors import ServiceError
from territories.sections import SectionMixin


class AvailabilityMixin(SectionMixin):
    """The rows the caller may see and edit (territories.permissions.agenda_rows).

    Subclasses name their object (`availability_range`, `absence`): its URL names
    (`availability:<name>_list`, …), its URL keyword (`<name>_pk`) and its templates
    (`availability/<name>_list.html`, …) all follow from it."""

    section_key = "availability"
    model: type[AvailabilityRange] | type[Absence]
    form_class: type[AvailabilityRangeForm] | type[AbsenceForm]
    name = ""

    def visible(self):
        return permissions.agenda_rows(
            self.request.user, self.request.territory, self.model.objects.all()
        )

    def get_object(self):
        return get_object_or_404(self.visible(), pk=self.kwargs[f"{self.name}_pk"])

    def list_url(self) -> str:
        return reverse(
            f"availability:{self.name}_list", kwargs={"territory_pk": self.request.territory.pk}
        )

    def make_form(self, instance, data=None):
        # An edit form remembers the version it was shown with (a creation has none).
        version = version_of(self.payload(instance)) if instance.pk else None
        return self.form_class(
            data,
            instance=instance,
            version=version,
            territory=self.request.territory,
            acting_agent=self.request.user,
        )


class AvailabilityRangeMixin(AvailabilityMixin):
    model = AvailabilityRange
    form_class = AvailabilityRangeForm
    name = "availability_range"
    list_title = "Plages d'ouverture"
    headings = ("Nouvelle plage d'ouverture", "Modifier la plage d'ouverture")

    payload = staticmethod(availability_range_payload)

    def save(self, form) -> None:
        save_availability_range(
            form.save(commit=False),
            form.cleaned_data["motifs"],
            acting_agent=self.request.user,
            version=form.shown_version,
        )

    def delete(self, availability_range) -> None:
        delete_availability_range(availability_range, acting_agent=self.request.user)


class AbsenceMixin(AvailabilityMixin):
    model = Absence
    form_class = AbsenceForm
    name = "absence"
    list_title = "Absences"
    headings = ("Nouvelle absence", "Modifier l'absence")

    payload = staticmethod(absence_payload)

    def save(self, form) -> None:
        save_absence(
            form.save(commit=False), acting_agent=self.request.user, version=form.shown_version
        )

    def delete(self, absence) -> None:
        delete_absence(absence, acting_agent=self.request.user)


class AvailabilityRangeListView(AvailabilityRangeMixin, View):
    def get(self, request, territory_pk: int):
        rows = self.visible().select_related("agent", "organisation").prefetch_related("motifs")
        page = Paginator(rows.order_by("agent__last_name", "first_day", "pk"), 25).get_page(
            request.GET.get("page")
        )
        return render(
            request,
            "availability/availability_range_list.html",
            {"page_obj": page},
        )


class AbsenceListView(AbsenceMixin, View):
    def get(self, request, territory_pk: int):
        rows = self.visible().select_related("agent").order_by("-starts_at", "pk")
        page = Paginator(rows, 25).get_page(request.GET.get("page"))
        return render(
            request,
            "availability/absence_list.html",
            {"page_obj": page},
        )


class EditMixin:
    """GET shows the form, POST validates, calls the service, tells and redirects; a
    refusal of the service is shown on the form."""

    saved_message = ""

    def instance(self):
        return self.get_object() if f"{self.name}_pk" in self.kwargs else self.model()

    def render_form(self, form):
        return render(
            self.request,
            f"availability/{self.name}_form.html",
            {
                "form": form,
                "heading": self.headings[form.instance.pk is not None],
                "list_url": self.list_url(),
                "list_title": self.list_title,
            },
        )

    def get(self, request, **kwargs):
        return self.render_form(self.make_form(self.instance()))

    def post(self, request, **kwargs):
        form = self.make_form(self.instance(), request.POST)
        if not form.is_valid():
            return self.render_form(form)
        try:
            self.save(form)
        except ServiceError as error:
            error.apply_to_form(form)
            return self.render_form(form)
        messages.success(request, self.saved_message)
        return redirect(self.list_url())


class DeleteMixin:
    deleted_message = ""

    def get(self, request, **kwargs):
        return render(
            request,
            f"availability/{self.name}_confirm_delete.html",
            {"object": self.get_object(), "cancel_url": self.list_url()},
        )

    def post(self, request, **kwargs):
        self.delete(self.get_object())
        messages.success(request, self.deleted_message)
        return redirect(self.list_url())


class AvailabilityRangeEditView(AvailabilityRangeMixin, EditMixin, View):
    saved_message = "La plage d'ouverture a été enregistrée."


class AvailabilityRangeDeleteView(AvailabilityRangeMixin, DeleteMixin, View):
    deleted_message = "La plage d'ouverture a été supprimée."


class AbsenceEditView(AbsenceMixin, EditMixin, View):
    saved_message = "L'absence a été enregistrée."


class AbsenceDeleteView(AbsenceMixin, DeleteMixin, View):
    deleted_message = "L'absence a été supprimée."

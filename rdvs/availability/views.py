"""Agents' screens for their availability ranges and absences (admins act for any agent)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from rdvs.availability.forms import AbsenceForm, AvailabilityRangeForm
from rdvs.availability.services import (
    delete_absence,
    delete_availability_range,
    save_absence,
    save_availability_range,
)
from rdvs.models import Absence, AvailabilityRange
from territories import permissions
from territories.sections import SectionMixin


class AvailabilityMixin(SectionMixin):
    """The rows the caller may see and edit (territories.permissions.agenda_rows)."""

    section_key = "availability"
    model: type[AvailabilityRange] | type[Absence]
    form_class: type[AvailabilityRangeForm] | type[AbsenceForm]
    list_url_name = ""

    def visible(self):
        return permissions.agenda_rows(
            self.request.user, self.request.territory, self.model.objects.all()
        )

    def get_object(self, pk: int):
        return get_object_or_404(self.visible(), pk=pk)

    def list_url(self) -> str:
        return reverse(self.list_url_name, kwargs={"territory_pk": self.request.territory.pk})

    def make_form(self, instance, data=None):
        return self.form_class(
            data,
            instance=instance,
            territory=self.request.territory,
            acting_agent=self.request.user,
        )


class RangeMixin(AvailabilityMixin):
    model = AvailabilityRange
    form_class = AvailabilityRangeForm
    list_url_name = "availability:list"
    list_title = "Plages d'ouverture"
    headings = ("Nouvelle plage d'ouverture", "Modifier la plage d'ouverture")

    def save(self, form) -> None:
        availability_range = form.save(commit=False)
        save_availability_range(
            availability_range, form.cleaned_data["motifs"], actor=self.request.user
        )

    def delete(self, availability_range) -> None:
        delete_availability_range(availability_range, actor=self.request.user)


class AbsenceMixin(AvailabilityMixin):
    model = Absence
    form_class = AbsenceForm
    list_url_name = "availability:absences"
    list_title = "Absences"
    headings = ("Nouvelle absence", "Modifier l'absence")

    def save(self, form) -> None:
        save_absence(form.save(commit=False), actor=self.request.user)

    def delete(self, absence) -> None:
        delete_absence(absence, actor=self.request.user)


class RangeListView(RangeMixin, View):
    def get(self, request, territory_pk: int):
        rows = self.visible().select_related("agent", "organisation").prefetch_related("motifs")
        page = Paginator(rows.order_by("agent__last_name", "first_day", "pk"), 25).get_page(
            request.GET.get("page")
        )
        return render(
            request,
            "rdvs/availability/range_list.html",
            {"page_obj": page},
        )


class AbsenceListView(AbsenceMixin, View):
    def get(self, request, territory_pk: int):
        rows = self.visible().select_related("agent").order_by("-starts_at", "pk")
        page = Paginator(rows, 25).get_page(request.GET.get("page"))
        return render(
            request,
            "rdvs/availability/absence_list.html",
            {"page_obj": page},
        )


class EditMixin:
    """GET shows the form, POST validates, calls the service, tells and redirects."""

    saved_message = ""

    def instance(self, **kwargs):
        pk = kwargs.get("range_pk") or kwargs.get("absence_pk")
        return self.get_object(pk) if pk else self.model()

    def render_form(self, form):
        return render(
            self.request,
            "rdvs/availability/form.html",
            {
                "form": form,
                "heading": self.headings[form.instance.pk is not None],
                "list_url": self.list_url(),
                "list_title": self.list_title,
            },
        )

    def get(self, request, **kwargs):
        return self.render_form(self.make_form(self.instance(**kwargs)))

    def post(self, request, **kwargs):
        form = self.make_form(self.instance(**kwargs), request.POST)
        if not form.is_valid():
            return self.render_form(form)
        self.save(form)
        messages.success(request, self.saved_message)
        return redirect(self.list_url())


class DeleteMixin:
    deleted_message = ""

    def get(self, request, **kwargs):
        obj = self.get_object(kwargs.get("range_pk") or kwargs.get("absence_pk"))
        return render(
            request,
            "rdvs/availability/confirm_delete.html",
            {"object": obj, "cancel_url": self.list_url()},
        )

    def post(self, request, **kwargs):
        self.delete(self.get_object(kwargs.get("range_pk") or kwargs.get("absence_pk")))
        messages.success(request, self.deleted_message)
        return redirect(self.list_url())


class RangeEditView(RangeMixin, EditMixin, View):
    saved_message = "La plage d'ouverture a été enregistrée."


class RangeDeleteView(RangeMixin, DeleteMixin, View):
    deleted_message = "La plage d'ouverture a été supprimée."


class AbsenceEditView(AbsenceMixin, EditMixin, View):
    saved_message = "L'absence a été enregistrée."


class AbsenceDeleteView(AbsenceMixin, DeleteMixin, View):
    deleted_message = "L'absence a été supprimée."

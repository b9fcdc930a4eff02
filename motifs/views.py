from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, ListView

from motifs.forms import MotifFilterForm, MotifForm
from motifs.models import Motif, MotifSlotAlert
from motifs.payloads import motif_payload
from motifs.services import (
    MotifInUse,
    archive_motif,
    create_motif,
    delete_motif,
    restore_motif,
    update_motif,
)
from territories.changes import version_of
from territories.errors import ServiceError
from territories.models import Organisation
from territories.queries import is_active_in
from territories.sections import SectionMixin, in_section
from territories.views import TerritoryFormMixin


def territory_motifs(territory):
    """The territory's motifs with what the list and the motif page show, in few queries."""
    return (
        Motif.objects.filter(territory=territory)
        .select_related("service")
        .annotate(service_is_active=is_active_in(territory, "service"))
        .prefetch_related(
            Prefetch("organisations", queryset=Organisation.objects.order_by("name")),
            # Stored by the morning's check (booking.slot_alerts): no slot search here.
            Prefetch(
                "slot_alerts",
                queryset=MotifSlotAlert.objects.select_related("organisation").order_by(
                    "organisation__name"
                ),
            ),
        )
    )


def access_motif(request, motif_pk: int) -> Motif:
    return get_object_or_404(territory_motifs(request.territory), pk=motif_pk)


class MotifSectionMixin(SectionMixin):
    section_key = "motifs"


class MotifListView(MotifSectionMixin, ListView):
    template_name = "motifs/motif_list.html"
    paginate_by = 25

    def get_queryset(self):
        self.filter_form = MotifFilterForm(self.request.GET, territory=self.request.territory)
        motifs = territory_motifs(self.request.territory).order_by("name", "pk")
        return self.filter_form.filter(motifs)

    def paginate_queryset(self, queryset, page_size):
        """A page number out of range (stale link, motifs archived since) shows the
        nearest page, as every other list of the project does, rather than a 404."""
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter_form=self.filter_form, **kwargs)


class MotifDetailView(MotifSectionMixin, DetailView):
    template_name = "motifs/motif_detail.html"
    context_object_name = "motif"

    def get_object(self, queryset=None):
        return access_motif(self.request, self.kwargs["motif_pk"])

    def get_context_data(self, **kwargs):
        deletable = not self.object.is_referenced()
        return super().get_context_data(deletable=deletable, **kwargs)


class MotifFormMixin(MotifSectionMixin, TerritoryFormMixin):
    form_class = MotifForm
    template_name = "motifs/motif_form.html"


class MotifCreateView(MotifFormMixin, FormView):
    """Creation, blank or (with `motif_pk`) prefilled from the motif being duplicated."""

    def get_source(self) -> Motif | None:
        if "motif_pk" not in self.kwargs:
            return None
        return access_motif(self.request, self.kwargs["motif_pk"])

    def get_form_kwargs(self):
        self.source = self.get_source()
        kwargs = super().get_form_kwargs()
        if self.source is not None:
            kwargs["initial"] = MotifForm.initial_from(self.source)
        return {**kwargs, "instance": Motif(territory=self.request.territory)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return {**context, "source": self.source}

    def save(self, form):
        motif = create_motif(
            self.request.territory,
            form.values(),
            organisations=form.cleaned_data["organisations"],
            acting_agent=self.request.user,
        )
        messages.success(self.request, f"Le motif « {motif} » est créé.")
        return redirect("motifs:motif_detail", self.request.territory.pk, motif.pk)


class MotifUpdateView(MotifFormMixin, FormView):
    def get_form_kwargs(self):
        self.motif = access_motif(self.request, self.kwargs["motif_pk"])
        return {
            **super().get_form_kwargs(),
            "instance": self.motif,
            "version": version_of(motif_payload(self.motif)),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)  # builds the form, hence self.motif
        return {**context, "motif": self.motif}

    def save(self, form):
        motif = update_motif(
            self.motif,
            form.values(),
            organisations=form.cleaned_data["organisations"],
            acting_agent=self.request.user,
            version=form.shown_version,
        )
        messages.success(self.request, f"Le motif « {motif} » est enregistré.")
        return redirect("motifs:motif_detail", self.request.territory.pk, motif.pk)


@in_section("motifs")
def motif_archive(request, territory_pk: int, motif_pk: int):
    motif = access_motif(request, motif_pk)
    if request.method == "POST":
        archive_motif(motif, acting_agent=request.user)
        messages.success(
            request,
            f"Le motif « {motif} » est archivé : il n'est plus proposé, "
            "les rendez-vous existants le conservent.",
        )
        return redirect("motifs:section", territory_pk)
    return render(
        request,
        "motifs/motif_confirm.html",
        {"motif": motif, "action": "archive"},
    )


@require_POST
@in_section("motifs")
def motif_restore(request, territory_pk: int, motif_pk: int):
    motif = access_motif(request, motif_pk)
    try:
        restore_motif(motif, acting_agent=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Le motif « {motif} » est de nouveau proposé.")
    return redirect("motifs:motif_detail", territory_pk, motif.pk)


@in_section("motifs")
def motif_delete(request, territory_pk: int, motif_pk: int):
    motif = access_motif(request, motif_pk)
    if motif.is_referenced():
        messages.error(request, MotifInUse(motif).message)
        return redirect("motifs:archive", territory_pk, motif.pk)
    if request.method == "POST":
        try:
            delete_motif(motif, acting_agent=request.user)
        except MotifInUse:
            messages.error(request, "Ce motif vient d'être utilisé : archivez-le plutôt.")
            return redirect("motifs:archive", territory_pk, motif.pk)
        messages.success(request, f"Le motif « {motif} » est supprimé.")
        return redirect("motifs:section", territory_pk)
    return render(
        request,
        "motifs/motif_confirm.html",
        {"motif": motif, "action": "delete"},
    )

"""Agents' screens for one record per person and erasure: the probable duplicates, the
merge of two records (field by field, confirmed first), and deleting a record on the
person's request (confirmed first)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from config.numbers import plain_int
from territories import permissions
from territories.errors import ServiceError
from territories.french import de
from user_records import services
from user_records.fields import visible_fields
from user_records.models import DuplicatePair, UserRecord
from user_records.views import UserRecordObjectMixin, UserRecordsMixin

PAGE_SIZE = 25
FIRST, SECOND = "first", "second"
DELETE_REFUSED = (
    "Seuls les administrateurs de l'espace, ou de toutes les organisations qui suivent "
    "cette fiche, peuvent la supprimer."
)


def visible_pairs(agent, territory):
    """Open pairs whose two records the agent sees: two semi-joins on the records the
    agent may see, the pairs read newest first through `duplicate_pair_open`."""
    records = permissions.visible_user_records(agent, territory, UserRecord.objects.all())
    return DuplicatePair.objects.filter(territory=territory, dismissed_at__isnull=True).filter(
        Exists(records.filter(pk=OuterRef("first_id"))),
        Exists(records.filter(pk=OuterRef("second_id"))),
    )


class DuplicateListView(UserRecordsMixin, TemplateView):
    """Keyset pages (`?apres=<pk>`): the same work for the hundredth page as the first."""

    template_name = "user_records/duplicate_list.html"

    def get_context_data(self, **kwargs):
        pairs = visible_pairs(self.request.user, self.request.territory)
        if (after := plain_int(self.request.GET.get("apres"))) is not None:
            pairs = pairs.filter(pk__lt=after)
        page = list(pairs.select_related("first", "second").order_by("-pk")[: PAGE_SIZE + 1])
        more = len(page) > PAGE_SIZE
        page = page[:PAGE_SIZE]
        return super().get_context_data(
            pairs=page,
            next_after=page[-1].pk if more else None,
            first_page=not after,
            **kwargs,
        )


class MergeForm(forms.Form):
    kept = forms.ChoiceField(
        label="Fiche à conserver",
        widget=forms.RadioSelect,
        help_text="L'autre fiche est supprimée : ses RDV, organisations et historique "
        "passent sur la fiche conservée.",
    )

    def __init__(self, *args, rows, first, second, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kept"].choices = [
            (FIRST, f"Fiche n° {first.pk} (créée le {first.created_at:%d/%m/%Y})"),
            (SECOND, f"Fiche n° {second.pk} (créée le {second.created_at:%d/%m/%Y})"),
        ]
        self.fields["kept"].initial = FIRST
        self.differing = []
        for field, mine, theirs in rows:
            if mine == theirs:
                continue
            name = f"field_{field.name}"
            self.fields[name] = forms.ChoiceField(
                label=field.label,
                widget=forms.RadioSelect,
                choices=[(FIRST, mine or "(vide)"), (SECOND, theirs or "(vide)")],
                initial=FIRST if mine or not theirs else SECOND,
                # Not chosen: the kept record's value, or the other's where it is empty.
                required=False,
            )
            self.differing.append((field, name))

    def choices(self) -> dict[str, str]:
        """Field by field, whose value stays: "kept" or "merged" (as the service says)."""
        kept = self.cleaned_data["kept"]
        return {
            field.name: "kept" if self.cleaned_data[name] == kept else "merged"
            for field, name in self.differing
            if self.cleaned_data[name]
        }


class DuplicateMergeView(UserRecordsMixin, TemplateView):
    """GET: the two records side by side, a choice per differing field; POST: the
    confirmation page; POST with `confirmed`: the merge."""

    template_name = "user_records/duplicate_merge.html"

    @cached_property
    def pair(self) -> DuplicatePair:
        pairs = visible_pairs(self.request.user, self.request.territory)
        return get_object_or_404(
            pairs.select_related("first", "second"), pk=self.kwargs["duplicate_pair_pk"]
        )

    @cached_property
    def rows(self):
        fields = visible_fields(self.request.territory)
        return [(f, f.display(self.pair.first), f.display(self.pair.second)) for f in fields]

    def form(self, data=None) -> MergeForm:
        return MergeForm(data, rows=self.rows, first=self.pair.first, second=self.pair.second)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", self.form())
        may = permissions.may_merge_user_records(
            self.request.user, self.request.territory, [self.pair.first, self.pair.second]
        )
        return super().get_context_data(pair=self.pair, rows=self.rows, may_merge=may, **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        records = {FIRST: self.pair.first, SECOND: self.pair.second}
        kept = records[form.cleaned_data["kept"]]
        merged = records[SECOND if form.cleaned_data["kept"] == FIRST else FIRST]
        if not request.POST.get("confirmed"):
            return render(
                request,
                "user_records/duplicate_merge_confirm.html",
                self.get_context_data(form=form, kept=kept, merged=merged),
            )
        try:
            kept = services.merge_user_records(
                kept, merged, form.choices(), acting_agent=request.user
            )
        except ServiceError as error:
            messages.error(request, error.message)
            return redirect("user_records:duplicate_list", request.territory.pk)
        messages.success(request, f"Les deux fiches ont été fusionnées dans celle {de(kept)}.")
        return redirect("user_records:user_record_detail", request.territory.pk, kept.pk)


class DuplicateDismissView(DuplicateMergeView):
    def post(self, request, *args, **kwargs):
        services.dismiss_duplicate(self.pair, acting_agent=request.user)
        messages.success(request, "Ces deux fiches ne seront plus proposées comme doublons.")
        return redirect("user_records:duplicate_list", request.territory.pk)

    def get(self, request, *args, **kwargs):
        return redirect("user_records:duplicate_merge", request.territory.pk, self.pair.pk)


class UserRecordDeleteView(UserRecordObjectMixin, TemplateView):
    """GET asks for confirmation (what goes, what stays), POST erases."""

    template_name = "user_records/user_record_delete.html"

    def check(self):
        if not permissions.may_delete_user_record(
            self.request.user, self.request.territory, self.record
        ):
            raise PermissionDenied(DELETE_REFUSED)

    def get(self, request, *args, **kwargs):
        self.check()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(rdv_count=self.record.rdvs.count(), **kwargs)

    def post(self, request, *args, **kwargs):
        self.check()
        name = str(self.record)
        services.delete_user_record(self.record, acting_agent=request.user)
        messages.success(request, f"La fiche {de(name)} a été supprimée.")
        return redirect(reverse("user_records:list", args=[request.territory.pk]))

"""What an agent may choose for an export of RDVs: a period and, optionally, one of the
organisations whose RDVs they see."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from territories import permissions

MAX_DAYS = 366 * 3  # a period longer than three years is most likely a typing error

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RdvExportForm(forms.Form):
    du = forms.DateField(
        label="Du",
        widget=DATE,
        error_messages={"required": "Indiquez le premier jour.", "invalid": "Date invalide."},
    )
    au = forms.DateField(
        label="Au (inclus)",
        widget=DATE,
        error_messages={"required": "Indiquez le dernier jour.", "invalid": "Date invalide."},
    )
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=None,
        required=False,
        empty_label="Toutes mes organisations",
        error_messages={"invalid_choice": "Choisissez une de vos organisations."},
    )

    def __init__(self, *args, territory, agent, **kwargs):
        today = timezone.localdate()
        kwargs.setdefault("initial", {"du": today.replace(day=1), "au": today})
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = permissions.rdv_organisations(
            agent, territory
        ).order_by("name")

    def clean(self):
        data = super().clean()
        first, last = data.get("du"), data.get("au")
        if first and last:
            if last < first:
                self.add_error("au", "Le dernier jour doit suivre le premier.")
            elif last - first > timedelta(days=MAX_DAYS):
                self.add_error("au", "La période ne peut pas dépasser trois ans.")
        return data

    def filters(self) -> dict:
        organisation = self.cleaned_data["organisation"]
        return {
            "du": self.cleaned_data["du"].isoformat(),
            "au": self.cleaned_data["au"].isoformat(),
            "organisation": organisation.pk if organisation else None,
        }

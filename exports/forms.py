"""What an agent may choose for an export of RDVs: a period and, optionally, one of the
organisations whose RDVs they see."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from territories import permissions

MAX_DAYS = 366 * 3  # a period longer than three years is most likely a typing error
# A year out of these is a typing error too ("0226", "9999"); 31/12/9999 has no next day,
# which the export's period needs (exports.tables.period_bounds).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
OUT_OF_RANGE = "Indiquez une date entre 2000 et 2100."

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
        for key in ("du", "au"):
            if data.get(key) and not FIRST_DAY <= data[key] <= LAST_DAY:
                self.add_error(key, OUT_OF_RANGE)
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

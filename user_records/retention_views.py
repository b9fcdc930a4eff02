"""The retention period in the "Fiches usagers" section: the admin chooses it, sees what
the nightly clean-up would delete today (a dry run: counts only), and switches it on."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import FormView

from territories.errors import ServiceError
from territories.retention import purge
from user_records import services
from user_records.config_views import SectionMixin
from user_records.models import RetentionPeriod
from user_records.retention import cutoff, settings_of


class RetentionForm(forms.Form):
    retention_months = forms.TypedChoiceField(
        label="Durée de conservation des fiches usagers",
        choices=RetentionPeriod.choices,
        coerce=int,
        widget=forms.RadioSelect,
        help_text="Comptée à partir du dernier RDV de l'usager ou de la dernière "
        "modification de sa fiche, selon ce qui est le plus récent.",
    )
    start = forms.BooleanField(
        label="J'ai vérifié ce qui serait supprimé : activer la suppression automatique",
        required=False,
    )


class RetentionView(SectionMixin, FormView):
    template_name = "user_records/retention.html"
    form_class = RetentionForm

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if settings_of(self.request.territory).retention_started_at is not None:
            del form.fields["start"]  # already on
        return form

    def get_initial(self):
        return {"retention_months": settings_of(self.request.territory).retention_months}

    def get_context_data(self, **kwargs):
        settings = settings_of(self.request.territory)
        months = settings.retention_months
        # What the next night would do with the saved period: counts, nothing written.
        dry_run = purge(self.request.territory, cutoff(months), dry_run=True)
        return super().get_context_data(
            settings=settings,
            period=RetentionPeriod(months).label,
            dry_run=[(purger.label, outcome.count) for purger, outcome in dry_run],
            **kwargs,
        )

    def form_valid(self, form):
        try:
            settings = services.set_retention(
                self.request.territory,
                form.cleaned_data["retention_months"],
                start=form.cleaned_data.get("start", False),
                acting_agent=self.request.user,
            )
        except ServiceError as error:
            error.apply_to_form(form)
            return self.form_invalid(form)
        if settings.retention_started_at is None:
            messages.success(
                self.request,
                "La durée de conservation est enregistrée. La suppression automatique "
                "n'est pas encore activée.",
            )
        else:
            messages.success(
                self.request,
                "La durée de conservation est enregistrée. La suppression automatique "
                "a lieu chaque nuit.",
            )
        return redirect("user_records:retention", self.request.territory.pk)

from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import FormView

from rdv_settings.forms import RdvSettingsForm
from rdv_settings.payloads import rdv_settings_payload
from rdv_settings.queries import settings_for
from rdv_settings.services import update_rdv_settings
from territories.changes import version_of
from territories.errors import ServiceError
from territories.sections import SectionMixin


class RdvSettingsView(SectionMixin, FormView):
    section_key = "rdv_settings"
    template_name = "rdv_settings/rdv_settings.html"
    form_class = RdvSettingsForm

    def get_form_kwargs(self):
        rdv_settings = settings_for(self.request.territory)
        return {
            **super().get_form_kwargs(),
            "instance": rdv_settings,
            "version": version_of(rdv_settings_payload(rdv_settings)),
        }

    def form_valid(self, form):
        try:
            update_rdv_settings(
                self.request.territory,
                **form.values(),
                acting_agent=self.request.user,
                version=form.shown_version,
            )
        except ServiceError as error:
            error.apply_to_form(form)
            return self.form_invalid(form)
        messages.success(self.request, "Les réglages des fiches RDV sont enregistrés.")
        return redirect("rdv_settings:section", territory_pk=self.request.territory.pk)

from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import FormView

from rdv_settings.forms import RdvSettingsForm
from rdv_settings.queries import settings_for
from rdv_settings.services import update_rdv_settings
from territories.sections import SECTIONS
from territories.tenancy import TerritoryAdminRequiredMixin


class RdvSettingsView(TerritoryAdminRequiredMixin, FormView):
    template_name = "rdv_settings/rdv_settings.html"
    form_class = RdvSettingsForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": settings_for(self.request.territory)}

    def get_context_data(self, **kwargs):
        section = next(s for s in SECTIONS if s.key == "rdv_settings")
        return super().get_context_data(section=section, **kwargs)

    def form_valid(self, form):
        update_rdv_settings(
            self.request.territory,
            self.request.user,
            context_enabled=form.cleaned_data["context_enabled"],
            waiting_room_mode=form.cleaned_data["waiting_room_mode"],
        )
        messages.success(self.request, "Les réglages des fiches RDV sont enregistrés.")
        return redirect("rdv_settings:section", territory_pk=self.request.territory.pk)

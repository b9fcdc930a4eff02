from django import forms

from rdv_settings.models import RdvSettings
from territories.changes import EditFormMixin


class RdvSettingsForm(EditFormMixin, forms.ModelForm):
    class Meta:
        model = RdvSettings
        fields = ["context_enabled", "waiting_room_mode"]
        widgets = {"waiting_room_mode": forms.RadioSelect}

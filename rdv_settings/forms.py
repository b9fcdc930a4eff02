from django import forms

from rdv_settings.models import RdvSettings


class RdvSettingsForm(forms.ModelForm):
    class Meta:
        model = RdvSettings
        fields = ["context_enabled", "waiting_room_mode"]
        widgets = {"waiting_room_mode": forms.RadioSelect}

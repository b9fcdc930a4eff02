from django import forms

from rdv_settings.models import RdvSettings
from territories.changes import EditFormMixin

REMINDER_FIELDS = ["reminder_email_delay", "reminder_sms_delay"]


class RdvSettingsForm(EditFormMixin, forms.ModelForm):
    class Meta:
        model = RdvSettings
        fields = ["context_enabled", "waiting_room_mode", *REMINDER_FIELDS]
        widgets = {
            "waiting_room_mode": forms.RadioSelect,
            "reminder_email_delay": forms.RadioSelect,
            "reminder_sms_delay": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in REMINDER_FIELDS:
            # A form sent without them (an older page, a script) leaves them as they are.
            self.fields[name].required = False
            self.fields[name].empty_value = None

    def clean(self):
        cleaned = super().clean()
        for name in REMINDER_FIELDS:
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = getattr(self.instance, name)
        return cleaned

from django import forms
from django.contrib import admin

from availability.models import Absence, AvailabilityRange, overlap_message
from availability.payloads import absence_payload, availability_range_payload
from territories.admin_changes import RecordedChangesAdmin, crud_action


class AvailabilityRangeAdminForm(forms.ModelForm):
    # The model and fields come from the ModelAdmin (modelform_factory).

    def _post_clean(self):
        """Support staff are refused an overlap in French too (their rare edits do not
        take the services' per-agent lock). The instance holds the submitted values
        once the model's own validation ran."""
        super()._post_clean()
        if not self.errors:
            clash = self.instance.overlapping()
            if clash:
                self.add_error(None, overlap_message(clash))


@admin.register(AvailabilityRange)
class AvailabilityRangeAdmin(RecordedChangesAdmin, admin.ModelAdmin):
    form = AvailabilityRangeAdminForm
    list_display = ["__str__", "agent", "organisation", "recurrence", "first_day", "until"]
    list_filter = ["territory", "recurrence"]
    search_fields = ["title", "agent__email", "agent__last_name", "organisation__name"]
    list_select_related = ["agent", "organisation"]
    raw_id_fields = ["agent"]
    filter_horizontal = ["motifs"]

    def recorded_state(self, territory, key):
        availability_range = AvailabilityRange._base_manager.filter(pk=key).first()
        return availability_range, availability_range and availability_range_payload(
            availability_range
        )

    def recorded_action(self, before, after):
        return crud_action("availability_range", before, after)

    def recorded_organisations(self, before, after):
        return {payload["organisation_id"] for payload in (before, after) if payload}


@admin.register(Absence)
class AbsenceAdmin(RecordedChangesAdmin, admin.ModelAdmin):
    list_display = ["__str__", "agent", "starts_at", "ends_at"]
    list_filter = ["territory"]
    search_fields = ["title", "agent__email", "agent__last_name"]
    list_select_related = ["agent"]
    raw_id_fields = ["agent"]

    def recorded_state(self, territory, key):
        absence = Absence._base_manager.filter(pk=key).first()
        return absence, absence and absence_payload(absence)

    def recorded_action(self, before, after):
        return crud_action("absence", before, after)

from django.contrib import admin

from rdv_settings.models import RdvSettings
from rdv_settings.payloads import rdv_settings_payload
from territories.admin_changes import RecordedChangesAdmin


@admin.register(RdvSettings)
class RdvSettingsAdmin(RecordedChangesAdmin, admin.ModelAdmin):
    list_display = ["territory", "context_enabled", "waiting_room_mode", "updated_at"]
    list_filter = ["territory", "context_enabled", "waiting_room_mode"]
    search_fields = ["territory__name"]
    list_select_related = ["territory"]

    def recorded_subjects(self, obj):
        return [(obj.territory_id, "settings")]

    def recorded_state(self, territory, key):
        # No row means the defaults: deleting the row is a change back to them.
        row = RdvSettings._base_manager.filter(territory=territory).first()
        return row, rdv_settings_payload(row or RdvSettings(territory=territory))

    def recorded_action(self, before, after):
        return "rdv_settings.updated"

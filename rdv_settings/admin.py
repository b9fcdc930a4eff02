from django.contrib import admin

from rdv_settings.models import RdvSettings


@admin.register(RdvSettings)
class RdvSettingsAdmin(admin.ModelAdmin):
    list_display = ["territory", "context_enabled", "waiting_room_mode", "updated_at"]
    list_filter = ["territory", "context_enabled", "waiting_room_mode"]
    search_fields = ["territory__name"]
    list_select_related = ["territory"]

from django.contrib import admin

from availability.models import Absence, AvailabilityRange


@admin.register(AvailabilityRange)
class AvailabilityRangeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "agent", "organisation", "recurrence", "first_day", "until"]
    list_filter = ["territory", "recurrence"]
    search_fields = ["title", "agent__email", "agent__last_name", "organisation__name"]
    list_select_related = ["agent", "organisation"]
    raw_id_fields = ["agent"]
    filter_horizontal = ["motifs"]


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "agent", "starts_at", "ends_at"]
    list_filter = ["territory"]
    search_fields = ["title", "agent__email", "agent__last_name"]
    list_select_related = ["agent"]
    raw_id_fields = ["agent"]

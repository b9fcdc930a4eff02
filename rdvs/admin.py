from django.contrib import admin

from rdvs.models import Rdv, RdvAgent


class RdvAgentInline(admin.TabularInline):
    model = RdvAgent
    extra = 0
    raw_id_fields = ["agent"]


@admin.register(Rdv)
class RdvAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "motif", "organisation", "territory", "status"]
    list_filter = ["territory", "status", "created_by"]
    search_fields = ["motif__name", "organisation__name", "user_records__last_name"]
    list_select_related = ["motif", "organisation", "territory"]
    raw_id_fields = ["user_records", "created_by_agent", "arrival_recorded_by"]
    inlines = [RdvAgentInline]
    date_hierarchy = "starts_at"


@admin.register(RdvAgent)
class RdvAgentAdmin(admin.ModelAdmin):
    list_display = ["agent", "rdv", "starts_at", "holds_time"]
    list_filter = ["rdv__territory", "holds_time"]
    search_fields = ["agent__email", "agent__last_name"]
    list_select_related = ["agent", "rdv", "rdv__motif"]


# --- Availability ranges and absences (issue 8) ---
from rdvs.models import Absence, AvailabilityRange  # noqa: E402


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

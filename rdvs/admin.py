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
